// Runs one mover Job on a cluster and follows it: its pod's log streamed while it runs, its end
// (success, or the reason and the tail of the failing container's log), the exit code.
import { FleetdeckError } from '../../../../shared/errors.ts';
import type { KubeObject } from '../../../../shared/kube-object.ts';
import { sleep } from '../../../base/clock.ts';
import { watchChanges } from '../../../kube/changes.ts';
import type { ClusterClient } from '../../../kube/cluster-client.ts';
import { classifyStatus, kubeRequest, kubeStream, statusMessage } from '../../../kube/http.ts';

/** A pod's container log: followed while it runs, or read once (its last lines). */
export interface PodLogs {
  follow(namespace: string, pod: string, container: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void>;
  read(namespace: string, pod: string, container: string, tailLines?: number): Promise<string>;
}

const logPath = (namespace: string, pod: string, container: string, query: Record<string, string>) =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${new URLSearchParams({ container, ...query })}`;

/** pods/log through the cluster's API server. */
export function apiPodLogs(client: ClusterClient): PodLogs {
  return {
    follow: (namespace, pod, container, onLine, signal) => kubeStream(client.kc, logPath(namespace, pod, container, { follow: 'true' }), { onLine, signal, idleMs: 10 * 60_000 }),
    async read(namespace, pod, container, tailLines) {
      const path = logPath(namespace, pod, container, tailLines ? { tailLines: String(tailLines) } : {});
      const res = await kubeRequest(client.kc, path, { timeoutMs: 120_000 });
      if (res.status !== 200) throw classifyStatus(res.status, res.body, `read the log of ${namespace}/${pod} (${container}) on ${client.context}`);
      return res.body;
    },
  };
}

type ContainerStatus = { name: string; state?: { running?: object; waiting?: { reason?: string; message?: string }; terminated?: { exitCode: number; reason?: string; message?: string } } };
type Pod = KubeObject & { status?: { phase?: string; initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[]; conditions?: { type: string; status: string; reason?: string; message?: string }[] } };
type Job = KubeObject & { status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } };

export interface MoverOutcome {
  ok: boolean;
  /** the last pod's exit code of the followed container (or of the one that failed) */
  exitCode?: number;
  /** why it failed: the Job's condition and the failing container's end */
  reason?: string;
  /** the last lines of the failing container's log */
  logTail?: string;
  pod?: string;
}

export interface RunOptions {
  /** the container whose log is streamed to onLine while it runs */
  follow?: string;
  onLine?: (line: string) => void;
  /** how the Job is doing, for the task's detail (a pod waiting to be scheduled, an image being pulled) */
  onWaiting?: (detail: string) => void;
  signal?: AbortSignal;
  pollMs?: number;
  /** a container waiting for a reason that does not fix itself (image pull, bad config) fails the Job after this */
  stuckMs?: number;
  logs?: PodLogs;
  /** a Job that has not ended by then fails (a quick check that hangs: a pod never scheduled, a store that never answers) */
  timeoutMs?: number;
  /** a pod none of whose containers has started by then (never scheduled, a claim never bound, no pod made at all) fails the Job */
  startMs?: number;
}

export type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[] };

/** A selector (a Job's, a workload's) as a labelSelector query (the API's set-based syntax). */
export function selectorQuery(selector: LabelSelector): string {
  const labels = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  const expressions = (selector.matchExpressions ?? []).map(({ key, operator, values = [] }) =>
    operator === 'Exists' ? key : operator === 'DoesNotExist' ? `!${key}` : `${key} ${operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`,
  );
  return [...labels, ...expressions].join(',');
}

const jobs = (namespace: string) => `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs`;
const STUCK = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError']);
const TAIL_LINES = 20;
/** room for a cluster autoscaler to add a node and a volume to attach */
const START_MS = 10 * 60_000;

/**
 * Deletes a Job and its pods; resolves once the Job is gone, which in the foreground is once its
 * pods are: a mover still running from an interrupted run must not fill or read a claim beside the
 * next one.
 */
export async function deleteJob(client: ClusterClient, namespace: string, name: string, waitMs = 60_000): Promise<void> {
  const res = await client.request('DELETE', `${jobs(namespace)}/${encodeURIComponent(name)}?propagationPolicy=Foreground`);
  if (res.status === 404) return;
  if (res.status >= 300) throw classifyStatus(res.status, res.text, `delete Job ${namespace}/${name} on ${client.context}`);
  const deadline = Date.now() + waitMs;
  while ((await client.request('GET', `${jobs(namespace)}/${encodeURIComponent(name)}`)).status !== 404) {
    if (Date.now() > deadline) throw new FleetdeckError('timeout', `Job ${namespace}/${name} on ${client.context} was not deleted within ${waitMs / 1000} s`);
    await sleep(250);
  }
}

/** Deletes a Job that has ended, without waiting: no pod of it runs any more (its pods go with it, in the background). */
export async function deleteEndedJob(client: ClusterClient, namespace: string, name: string): Promise<void> {
  const res = await client.request('DELETE', `${jobs(namespace)}/${encodeURIComponent(name)}?propagationPolicy=Background`);
  if (res.status >= 300 && res.status !== 404) throw classifyStatus(res.status, res.text, `delete Job ${namespace}/${name} on ${client.context}`);
}

/** Creates the Job (one of the same name left by an interrupted run is replaced), waits for its end, following the named container's log. */
export async function runMoverJob(client: ClusterClient, job: KubeObject, options: RunOptions = {}): Promise<MoverOutcome> {
  const namespace = job.metadata.namespace!;
  const name = job.metadata.name;
  const logs = options.logs ?? apiPodLogs(client);
  const pollMs = options.pollMs ?? 1_000;
  const stuckMs = options.stuckMs ?? 120_000;
  const startMs = options.startMs ?? START_MS;
  let created = await client.request('POST', jobs(namespace), { body: job });
  if (created.status === 409) {
    await deleteJob(client, namespace, name);
    created = await client.request('POST', jobs(namespace), { body: job });
  }
  if (created.status >= 300) throw classifyStatus(created.status, created.text, `create Job ${namespace}/${name} on ${client.context}`);
  // this Job's pods only, by the selector the API server gave it: those of a Job of the same name an interrupted run left may still be going away
  const selector = (created.body as { spec?: { selector?: LabelSelector } } | undefined)?.spec?.selector;
  const podQuery = new URLSearchParams({ labelSelector: selector ? selectorQuery(selector) : `job-name=${name}` });
  const changes = watchChanges(client, [`${jobs(namespace)}?${new URLSearchParams({ fieldSelector: `metadata.name=${name}` })}`, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?${podQuery}`]);

  const followed = new Set<string>();
  const following = new AbortController();
  const streams: Promise<void>[] = [];
  const stuckSince = new Map<string, number>();
  /** since when each pod (or, before the first, the Job) has been waiting for a first container to start */
  const pendingSince = new Map<string, number>([['', Date.now()]]);
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const cancel = () => following.abort();
  options.signal?.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      if (options.signal?.aborted) {
        // its pod would go on reading (or filling) a volume whose workloads are being put back
        await deleteJob(client, namespace, name, 30_000).catch(() => undefined);
        throw new FleetdeckError('cancelled', 'cancelled');
      }
      const current = await client.ok<Job>('GET', `${jobs(namespace)}/${encodeURIComponent(name)}`);
      const pods = (await client.ok<{ items: Pod[] }>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?${podQuery}`)).items;
      const pod = pods.sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? ''))).at(-1);
      const conditions = current.status?.conditions ?? [];
      // a mover Job runs one pod to completion: its pod succeeding is the Job's success, which the Job controller records up to a second later (it batches pod updates)
      const complete = conditions.some((c) => (c.type === 'Complete' || c.type === 'SuccessCriteriaMet') && c.status === 'True') || pod?.status?.phase === 'Succeeded';
      const failed = conditions.find((c) => (c.type === 'Failed' || c.type === 'FailureTarget') && c.status === 'True');
      if (complete || failed) {
        following.abort();
        await Promise.allSettled(streams);
        return failed ? await failure(logs, pod, `${failed.reason ?? 'Failed'}${failed.message ? `: ${failed.message}` : ''}`) : { ok: true, ...(pod ? { pod: pod.metadata.name, exitCode: exitOf(pod, options.follow) } : {}) };
      }
      if (pod) {
        const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
        const followedStatus = statuses.find((s) => s.name === options.follow);
        if (options.follow && options.onLine && !followed.has(pod.metadata.name) && (followedStatus?.state?.running || followedStatus?.state?.terminated)) {
          followed.add(pod.metadata.name);
          streams.push(logs.follow(namespace, pod.metadata.name, options.follow, options.onLine, following.signal).catch(() => undefined));
        }
        const waiting = statuses.find((s) => s.state?.waiting?.reason)?.state?.waiting;
        const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
        if (waiting?.reason && STUCK.has(waiting.reason)) {
          const since = stuckSince.get(pod.metadata.name) ?? Date.now();
          stuckSince.set(pod.metadata.name, since);
          if (Date.now() - since > stuckMs) return { ok: false, pod: pod.metadata.name, reason: `${waiting.reason}: ${waiting.message ?? ''}`.trim() };
        }
        const why = waiting?.reason ? waiting.reason : unscheduled ? `not scheduled (${unscheduled.message ?? unscheduled.reason ?? 'pending'})` : undefined;
        if (why) options.onWaiting?.(`${pod.metadata.name}: ${why}`);
        pendingSince.set('', Date.now());
        if (statuses.some((s) => s.state?.running || s.state?.terminated)) pendingSince.delete(pod.metadata.name);
        else {
          const since = pendingSince.get(pod.metadata.name) ?? Date.now();
          pendingSince.set(pod.metadata.name, since);
          if (Date.now() - since > startMs) return { ok: false, pod: pod.metadata.name, reason: `its pod did not start within ${startMs / 1000} s: ${why ?? pod.status?.phase ?? 'pending'}` };
        }
      } else if (Date.now() - pendingSince.get('')! > startMs) return { ok: false, reason: `its pod did not start within ${startMs / 1000} s: no pod was created (the Job's events say why)` };
      if (Date.now() > deadline) return { ok: false, ...(pod ? { pod: pod.metadata.name } : {}), reason: `did not end within ${options.timeoutMs! / 1000} s${pod ? ` (pod ${pod.metadata.name}: ${pod.status?.phase ?? 'unknown'})` : ' (no pod was created)'}` };
      await changes.wait(pollMs);
    }
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    following.abort();
    changes.close();
  }
}

function exitOf(pod: Pod, container: string | undefined): number | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.find((s) => s.name === container)?.state?.terminated?.exitCode;
}

/** The failed Job's reason, with the container that failed: its exit code and the tail of its log. */
async function failure(logs: PodLogs, pod: Pod | undefined, reason: string): Promise<MoverOutcome> {
  if (!pod) return { ok: false, reason };
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const failed = statuses.find((s) => s.state?.terminated && s.state.terminated.exitCode !== 0);
  if (!failed) return { ok: false, pod: pod.metadata.name, reason };
  const end = failed.state!.terminated!;
  const logTail = await logs.read(pod.metadata.namespace!, pod.metadata.name, failed.name, TAIL_LINES).catch((error: Error) => `(log not readable: ${statusMessage(error.message) || error.message})`);
  return { ok: false, pod: pod.metadata.name, exitCode: end.exitCode, reason: `${reason}; container ${failed.name} exited with ${end.exitCode}${end.reason ? ` (${end.reason})` : ''}${end.message ? `: ${end.message}` : ''}`, logTail: logTail.trimEnd() };
}
