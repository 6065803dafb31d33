import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../shared/kube-object.ts';
import type { ApiResponse, ClusterClient } from '../../../kube/cluster-client.ts';
import { runMoverJob, type PodLogs } from './mover-job.ts';

const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'fleetdeck-backup-data', namespace: 'shop' }, spec: {} };
type Status = Record<string, unknown>;

/** A cluster whose Job and pod go through the given states, one per poll; requests are recorded. */
function cluster(states: { job: Status; pod?: Status }[], options: { existing?: boolean; created?: unknown } = {}) {
  const requests: string[] = [];
  let poll = -1;
  let exists = options.existing ?? false;
  const respond = (status: number, body: unknown = {}): ApiResponse => ({ status, body, text: JSON.stringify(body), resent: false });
  const request = async (method: string, url: string): Promise<ApiResponse> => {
    requests.push(`${method} ${url}`);
    if (method === 'POST') {
      if (exists) return respond(409);
      exists = true;
      return respond(201, options.created ?? {});
    }
    if (method === 'DELETE') {
      exists = false;
      return respond(200);
    }
    if (url.includes('/pods?')) {
      const pod = states[Math.max(poll, 0)].pod;
      return respond(200, { items: pod ? [{ metadata: { name: 'fleetdeck-backup-data-x1', namespace: 'shop', creationTimestamp: '2026-12-05T00:00:00Z' }, status: pod }] : [] });
    }
    if (!exists) return respond(404);
    poll = Math.min(poll + 1, states.length - 1);
    return respond(200, { metadata: job.metadata, status: states[poll].job });
  };
  const client = { context: 'aks', request, ok: async (m: string, u: string) => (await request(m, u)).body } as unknown as ClusterClient;
  return { client, requests };
}

const logs = (text: Record<string, string>, followed: string[] = []): PodLogs => ({
  follow: async (_ns, pod, container, onLine) => {
    followed.push(`${pod}/${container}`);
    text[container]?.split('\n').forEach(onLine);
  },
  read: async (_ns, _pod, container, tail) => (text[container] ?? '').split('\n').slice(-(tail ?? 0)).join('\n'),
});

const running = { initContainerStatuses: [{ name: 'manifest', state: { terminated: { exitCode: 0 } } }], containerStatuses: [{ name: 'restic', state: { running: {} } }] };

describe('a mover Job', () => {
  it('streams the followed container while it runs and ends with the Job', async () => {
    const { client } = cluster([{ job: {}, pod: running }, { job: { conditions: [{ type: 'Complete', status: 'True' }] }, pod: { containerStatuses: [{ name: 'restic', state: { terminated: { exitCode: 0 } } }] } }]);
    const lines: string[] = [];
    const followed: string[] = [];
    const outcome = await runMoverJob(client, job, { follow: 'restic', onLine: (l) => lines.push(l), logs: logs({ restic: '{"message_type":"status"}\n{"message_type":"summary"}' }, followed), pollMs: 1 });
    expect(outcome).toEqual({ ok: true, pod: 'fleetdeck-backup-data-x1', exitCode: 0 });
    expect(followed).toEqual(['fleetdeck-backup-data-x1/restic']);
    expect(lines).toEqual(['{"message_type":"status"}', '{"message_type":"summary"}']);
  });

  it('ends with its pod succeeding, before the Job controller marks the Job Complete', async () => {
    const { client, requests } = cluster([{ job: {}, pod: running }, { job: {}, pod: { phase: 'Succeeded', containerStatuses: [{ name: 'restic', state: { terminated: { exitCode: 0 } } }] } }, { job: { conditions: [{ type: 'Complete', status: 'True' }] } }]);
    const outcome = await runMoverJob(client, job, { follow: 'restic', logs: logs({}), pollMs: 1 });
    expect(outcome).toEqual({ ok: true, pod: 'fleetdeck-backup-data-x1', exitCode: 0 });
    expect(requests.filter((r) => r === 'GET /apis/batch/v1/namespaces/shop/jobs/fleetdeck-backup-data')).toHaveLength(2);
  });

  it('ends failed with the Job condition, the failing container, its exit code and the tail of its log', async () => {
    const log = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const { client } = cluster([{ job: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] }, pod: { containerStatuses: [{ name: 'restic', state: { terminated: { exitCode: 12, reason: 'Error' } } }] } }]);
    const outcome = await runMoverJob(client, job, { logs: logs({ restic: log }), pollMs: 1 });
    expect(outcome).toEqual({ ok: false, pod: 'fleetdeck-backup-data-x1', exitCode: 12, reason: 'BackoffLimitExceeded: Job has reached the specified backoff limit; container restic exited with 12 (Error)', logTail: Array.from({ length: 20 }, (_, i) => `line ${i + 10}`).join('\n') });
  });

  it('gives up on a pod stuck on its image, and replaces a Job an interrupted run left', async () => {
    const { client, requests } = cluster([{ job: {}, pod: { containerStatuses: [{ name: 'restic', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "restic/restic:0.17.3"' } } }] } }], { existing: true });
    const waiting: string[] = [];
    const outcome = await runMoverJob(client, job, { logs: logs({}), pollMs: 1, stuckMs: 5, onWaiting: (d) => waiting.push(d) });
    expect(outcome).toEqual({ ok: false, pod: 'fleetdeck-backup-data-x1', reason: 'ImagePullBackOff: Back-off pulling image "restic/restic:0.17.3"' });
    expect(waiting[0]).toBe('fleetdeck-backup-data-x1: ImagePullBackOff');
    expect(requests.slice(0, 3)).toEqual(['POST /apis/batch/v1/namespaces/shop/jobs', 'DELETE /apis/batch/v1/namespaces/shop/jobs/fleetdeck-backup-data?propagationPolicy=Foreground', 'GET /apis/batch/v1/namespaces/shop/jobs/fleetdeck-backup-data']);
  });

  it('fails a Job that does not end in its time, saying how its pod is', async () => {
    const { client } = cluster([{ job: {}, pod: { phase: 'Pending', containerStatuses: [] } }]);
    await expect(runMoverJob(client, job, { logs: logs({}), pollMs: 1, timeoutMs: 5 })).resolves.toEqual({ ok: false, pod: 'fleetdeck-backup-data-x1', reason: 'did not end within 0.005 s (pod fleetdeck-backup-data-x1: Pending)' });
  });

  it('fails a pod that is never scheduled instead of waiting for it forever, saying why it waits', async () => {
    const { client } = cluster([{ job: {}, pod: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient memory.' }] } }]);
    const outcome = await runMoverJob(client, job, { logs: logs({}), pollMs: 1, startMs: 5 });
    expect(outcome).toEqual({ ok: false, pod: 'fleetdeck-backup-data-x1', reason: 'its pod did not start within 0.005 s: not scheduled (0/3 nodes are available: 3 Insufficient memory.)' });
  });

  it('fails a Job that never makes a pod (a quota, an admission webhook)', async () => {
    const { client } = cluster([{ job: {} }]);
    const outcome = await runMoverJob(client, job, { logs: logs({}), pollMs: 1, startMs: 5 });
    expect(outcome).toEqual({ ok: false, reason: 'its pod did not start within 0.005 s: no pod was created (the Job\'s events say why)' });
  });

  it('does not count a running mover as not started', async () => {
    const { client } = cluster([{ job: {}, pod: running }, { job: {}, pod: running }, { job: {}, pod: running }, { job: { conditions: [{ type: 'Complete', status: 'True' }] }, pod: running }]);
    const outcome = await runMoverJob(client, job, { logs: logs({}), pollMs: 5, startMs: 1 });
    expect(outcome.ok).toBe(true);
  });

  it("follows only the new Job's pods (by its own selector), not those of one an interrupted run left under the same name", async () => {
    const created = { ...job, spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-2' } } } };
    const { client, requests } = cluster([{ job: { conditions: [{ type: 'Complete', status: 'True' }] }, pod: { containerStatuses: [{ name: 'restic', state: { terminated: { exitCode: 0 } } }] } }], { existing: true, created });
    await runMoverJob(client, job, { logs: logs({}), pollMs: 1 });
    expect(requests.filter((r) => r.includes('/pods?'))).toEqual(['GET /api/v1/namespaces/shop/pods?labelSelector=batch.kubernetes.io%2Fcontroller-uid%3Duid-2']);
  });

  it('stops when cancelled', async () => {
    const { client } = cluster([{ job: {}, pod: running }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(runMoverJob(client, job, { logs: logs({}), pollMs: 2, signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });
});
