// node-sim as a container runtime for volume movers: restic/restic pods run for real on
// directory-backed CSI volumes, their logs come through the API server, and Jobs see their exits.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, labApi, labKubeconfig } from '../test/lab.ts';
import { binary } from './build.ts';
import { flavours } from './clouds.ts';
import { clusterByContext } from './config.ts';
import { ApiError, type KubeObject } from './kube.ts';
import { moverRepositoryEnvPath, parseEnvFile } from './object-store.ts';
import { waitFor } from './processes.ts';
import { csiDriver } from './seed.ts';

const context = 'eks-lab';
const api = labApi(context);
const namespace = `movers-${Date.now().toString(36)}`;
const labPath = 'fleetdeck.io/lab-path';

type Pod = KubeObject & {
  spec: { nodeName?: string };
  status?: { phase?: string; containerStatuses?: { restartCount: number; state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: { exitCode: number; reason?: string; message?: string } } }[] };
};
type Job = KubeObject & { status?: { succeeded?: number; failed?: number; conditions?: { type: string; status: string; reason?: string }[] } };
type Claim = KubeObject & { spec: { volumeName?: string }; status?: { phase?: string } };
type Volume = KubeObject & { spec: { csi?: { driver: string; volumeAttributes?: Record<string, string> }; claimRef?: { name: string } } };

const get = <T>(apiVersion: string, kind: string, name: string, ns: string | undefined = namespace) =>
  api.path({ apiVersion, kind, metadata: { name, namespace: ns } }).then((p) => api.request<T>('GET', p));
const gone = (apiVersion: string, kind: string, name: string, ns?: string) => () =>
  get(apiVersion, kind, name, ns).then(
    () => false,
    (error) => error instanceof ApiError && error.status === 404,
  );
const jobPods = async (job: string) => (await api.list<Pod>('v1', 'Pod', namespace)).filter((p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === job);
const condition = (job: Job, type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const podLog = (pod: string, query = '') => api.request<string>('GET', `/api/v1/namespaces/${namespace}/pods/${pod}/log${query}`);

function moverJob(name: string, script: string, options: { backoffLimit?: number; readOnly?: boolean; env?: Record<string, unknown>[]; envFrom?: Record<string, unknown>[] } = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace },
    spec: {
      backoffLimit: options.backoffLimit ?? 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'restic',
              image: 'restic/restic:0.17.3',
              command: ['sh', '-c', script],
              env: options.env ?? [],
              envFrom: options.envFrom ?? [],
              volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: options.readOnly ?? false }],
            },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
        },
      },
    },
  };
}

async function finished(name: string, timeoutMs = 120_000): Promise<Job> {
  let job: Job | undefined;
  await waitFor(`Job ${name} to finish`, async () => {
    job = await get<Job>('batch/v1', 'Job', name);
    return Boolean(condition(job, 'Complete') || condition(job, 'Failed'));
  }, timeoutMs);
  return job!;
}

let dataDir = '';
let volumeName = '';
const content = 'fleetdeck mover data\n'.repeat(4096);

describe('volume movers run for real in the lab', () => {
  beforeAll(async () => {
    await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await api.apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '1Gi' } } } });
    await api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'repo', namespace }, type: 'Opaque', stringData: { RESTIC_PASSWORD: 'lab-password', AWS_ACCESS_KEY_ID: 'lab-key' } });
  });

  afterAll(async () => {
    for (const c of ['aks-lab', 'gke-lab', 'eks-lab']) await labApi(c).request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
  });

  it('a claim of a WaitForFirstConsumer class is provisioned once a pod uses it: a CSI volume whose data is a directory here', async () => {
    const claim = await get<Claim>('v1', 'PersistentVolumeClaim', 'data');
    expect(claim.status?.phase).toBe('Pending');
    // a simulated workload is the first consumer; the scheduler selects its node, then the claim is provisioned
    await api.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'app' } },
        template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27.3', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] } },
      },
    });
    await waitFor('the claim to be bound', async () => (await get<Claim>('v1', 'PersistentVolumeClaim', 'data')).status?.phase === 'Bound', 60_000);
    volumeName = (await get<Claim>('v1', 'PersistentVolumeClaim', 'data')).spec.volumeName!;
    const volume = await get<Volume>('v1', 'PersistentVolume', volumeName, undefined);
    expect(volume.spec.csi?.driver).toBe('ebs.csi.aws.com');
    expect(volume.metadata.annotations?.['pv.kubernetes.io/provisioned-by']).toBe('ebs.csi.aws.com');
    dataDir = volume.spec.csi?.volumeAttributes?.[labPath] ?? '';
    expect(existsSync(dataDir)).toBe(true);
    writeFileSync(path.join(dataDir, 'payload.txt'), content);
  });

  it("every cloud's storage classes are provisioned by their CSI driver", async () => {
    const claims = Object.entries(flavours).flatMap(([cloud, f]) => f.storageClasses.map((sc) => ({ context: `${cloud}-lab`, name: `class-${sc.name}`, sc })));
    for (const ctx of new Set(claims.map((c) => c.context))) await labApi(ctx).apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    for (const { context: ctx, name, sc } of claims) {
      const target = labApi(ctx);
      await target.apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: sc.name, resources: { requests: { storage: '1Gi' } } } });
      await target.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'app', image: 'nginx:1.27.3', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: name } }] } });
    }
    for (const { context: ctx, name, sc } of claims) {
      const target = labApi(ctx);
      let claim: Claim | undefined;
      await waitFor(`${ctx} claim of class ${sc.name} to be bound`, async () => (claim = await target.request<Claim>('GET', `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${name}`)).status?.phase === 'Bound', 60_000);
      const volume = await target.request<Volume>('GET', `/api/v1/persistentvolumes/${claim!.spec.volumeName}`);
      expect(volume.spec.csi?.driver, `${ctx} ${sc.name}`).toBe(csiDriver(sc.provisioner));
      expect(existsSync(volume.spec.csi?.volumeAttributes?.[labPath] ?? '/nonexistent'), `${ctx} ${sc.name}`).toBe(true);
    }
  });

  it("kubelet_volume_stats report the directory's real usage and the claim's capacity", async () => {
    const { nodeSim } = clusterByContext(context).ports;
    const sample = async (name: string) => {
      const text = await (await fetch(`http://127.0.0.1:${nodeSim}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`namespace="${namespace}"`) && l.includes('persistentvolumeclaim="data"'));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    await waitFor('the volume stats to count the written file', async () => ((await sample('kubelet_volume_stats_used_bytes')) ?? 0) >= content.length, 60_000);
    expect(await sample('kubelet_volume_stats_capacity_bytes')).toBe(1024 ** 3);
    expect((await sample('kubelet_volume_stats_available_bytes'))! + (await sample('kubelet_volume_stats_used_bytes'))!).toBe(1024 ** 3);
    expect(await sample('kubelet_volume_stats_inodes_used')).toBeGreaterThanOrEqual(2);
    expect(await sample('kubelet_volume_stats_inodes')).toBeGreaterThan(0);
  });

  it('a restic/restic Job runs its command on the volume; the Job completes and its log comes through pods/log and kubectl logs', async () => {
    await api.apply(
      moverJob('list', 'ls -la /data; sha256sum /data/*; echo "password=$RESTIC_PASSWORD repository=$RESTIC_REPOSITORY"; restic version', {
        readOnly: true,
        envFrom: [{ secretRef: { name: 'repo' } }],
        env: [{ name: 'RESTIC_REPOSITORY', value: 's3:http://127.0.0.1/$(AWS_ACCESS_KEY_ID)' }],
      }),
    );
    const job = await finished('list');
    expect(condition(job, 'Complete')).toBeTruthy();
    const [pod] = await jobPods('list');
    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });

    const sha = createHash('sha256').update(content).digest('hex');
    const log = await podLog(pod.metadata.name);
    expect(log).toContain('payload.txt');
    expect(log).toContain(`${sha}  /data/payload.txt`);
    expect(log).toContain('password=lab-password repository=s3:http://127.0.0.1/lab-key');
    expect(log).toMatch(/restic 0\.17\.3/);
    expect(await podLog(pod.metadata.name, '?tailLines=1&container=restic')).toMatch(/^restic 0\.17\.3[^\n]*\n$/);

    const kubectl = spawnSync(binary('kubectl'), ['--kubeconfig', labKubeconfig, '--context', context, '-n', namespace, 'logs', `job/list`], { encoding: 'utf8' });
    expect(kubectl.stderr).toBe('');
    expect(kubectl.stdout).toBe(log);
  });

  it('a simulated pod has its simulated messages as its log', async () => {
    const [app] = (await api.list<Pod>('v1', 'Pod', namespace)).filter((p) => p.metadata.labels?.app === 'app');
    expect(await podLog(app.metadata.name)).toMatch(/^starting app \(docker\.io\/library\/nginx:1\.27\.3\)\n/);
  });

  it('a missing Secret keeps the mover in CreateContainerConfigError, as the kubelet does', async () => {
    await api.apply(moverJob('no-secret', 'true', { envFrom: [{ secretRef: { name: 'absent' } }] }));
    await waitFor('CreateContainerConfigError', async () => (await jobPods('no-secret'))[0]?.status?.containerStatuses?.[0].state?.waiting?.reason === 'CreateContainerConfigError', 60_000);
    const [pod] = await jobPods('no-secret');
    expect(pod.status?.containerStatuses?.[0].state?.waiting?.message).toBe('secret "absent" not found');
  });

  it('a failing command fails the Job after its retries (backoffLimit)', async () => {
    await api.apply(moverJob('fail', 'echo giving up; exit 3', { backoffLimit: 1 }));
    const job = await finished('fail', 150_000);
    expect(condition(job, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded' });
    const pods = await jobPods('fail');
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.status?.phase).toBe('Failed');
      expect(pod.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
      expect(await podLog(pod.metadata.name)).toBe('giving up\n');
    }
  });

  it('the kill fault kills a running mover; the Job controller retries and the retry completes', async () => {
    const marker = `killed-once-${Date.now()}`;
    await api.apply(moverJob('killed', `if [ -e /data/${marker} ]; then echo resumed; else touch /data/${marker}; echo started; sleep 300; fi`, { backoffLimit: 2 }));
    await waitFor('the mover to run', async () => (await jobPods('killed')).some((p) => p.status?.containerStatuses?.[0].state?.running) && existsSync(path.join(dataDir, marker)), 60_000);
    const fault = lab('fault', 'mover-kill', context, `${namespace}/killed`);
    expect(fault.stderr).toContain('kill fault set on');
    expect(fault.status).toBe(0);
    const job = await finished('killed', 150_000);
    expect(condition(job, 'Complete')).toBeTruthy();
    expect(job.status).toMatchObject({ succeeded: 1, failed: 1 });
    const pods = await jobPods('killed');
    const killed = pods.find((p) => p.status?.phase === 'Failed')!;
    expect(killed.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    const retry = pods.find((p) => p.status?.phase === 'Succeeded')!;
    expect(await podLog(retry.metadata.name)).toBe('resumed\n');
  });

  it('kubectl logs -f follows a running mover until it exits', async () => {
    await api.apply(moverJob('follow', 'for i in 1 2 3 4 5; do echo "line $i"; sleep 0.5; done', { readOnly: true }));
    await waitFor('the mover to run', async () => (await jobPods('follow')).some((p) => p.status?.containerStatuses?.[0].state?.running), 60_000);
    const follow = spawnSync(binary('kubectl'), ['--kubeconfig', labKubeconfig, '--context', context, '-n', namespace, 'logs', '-f', 'job/follow'], { encoding: 'utf8', timeout: 30_000 });
    expect(follow.status).toBe(0);
    expect(follow.stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
  });

  it("restic backs the volume up into the lab's object store and restores it into a new claim on another cluster", async () => {
    const repository = parseEnvFile(readFileSync(moverRepositoryEnvPath, 'utf8'));
    const tag = `fleetdeck:${namespace}/data`;
    const target = labApi('aks-lab');
    await api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'restic', namespace }, type: 'Opaque', stringData: repository });
    const backup = moverJob('backup', '', { readOnly: true, envFrom: [{ secretRef: { name: 'restic' } }] });
    const container = (backup.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0];
    delete container.command; // the image's entrypoint, restic, as the engine's movers run it
    container.args = ['backup', '/data', '--json', '--host', 'fleetdeck', '--tag', tag];
    await api.apply(backup);
    expect(condition(await finished('backup'), 'Complete')).toBeTruthy();
    const summary = (await podLog((await jobPods('backup'))[0].metadata.name)).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { message_type: string; total_bytes_processed?: number }).find((m) => m.message_type === 'summary');
    expect(summary?.total_bytes_processed).toBe(content.length);

    await target.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await target.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'restic', namespace }, type: 'Opaque', stringData: repository });
    await target.apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'managed-csi', resources: { requests: { storage: '1Gi' } } } });
    const restore = structuredClone(backup);
    restore.metadata.name = 'restore';
    const restoreContainer = (restore.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0];
    restoreContainer.args = ['restore', 'latest', '--host', 'fleetdeck', '--tag', tag, '--target', '/'];
    restoreContainer.volumeMounts = [{ name: 'data', mountPath: '/data' }];
    await target.apply(restore);
    await waitFor('the restore Job to complete', async () => {
      const job = await target.request<Job>('GET', `/apis/batch/v1/namespaces/${namespace}/jobs/restore`);
      if (condition(job, 'Failed')) throw new Error('the restore Job failed');
      return Boolean(condition(job, 'Complete'));
    }, 120_000);
    const claim = await target.request<Claim>('GET', `/api/v1/namespaces/${namespace}/persistentvolumeclaims/data`);
    const volume = await target.request<Volume>('GET', `/api/v1/persistentvolumes/${claim.spec.volumeName}`);
    expect(volume.spec.csi?.driver).toBe('disk.csi.azure.com');
    expect(readFileSync(path.join(volume.spec.csi!.volumeAttributes![labPath], 'payload.txt'), 'utf8')).toBe(content);
  });

  it('deleting a Job kills its mover process', async () => {
    const token = `mover-sleep-${Date.now()}`;
    // the shell stays to echo after sleep: its command line carries the token
    await api.apply(moverJob('deleted', `sleep 600; echo ${token}`));
    const running = () => spawnSync('pgrep', ['-f', token], { encoding: 'utf8' }).stdout.trim() !== '';
    await waitFor('the mover process to run', async () => running(), 60_000);
    // as kubectl does: a Job's API default is to orphan its pods
    await api.request('DELETE', `/apis/batch/v1/namespaces/${namespace}/jobs/deleted?propagationPolicy=Background`);
    await waitFor('the mover process to end', async () => !running(), 60_000);
    await waitFor('the Job to be gone', gone('batch/v1', 'Job', 'deleted', namespace), 60_000);
  });

  it('deleting the claim releases the volume, and reclaim policy Delete removes its directory', async () => {
    await api.request('DELETE', `/apis/apps/v1/namespaces/${namespace}/deployments/app`);
    for (const job of ['list', 'no-secret', 'fail', 'killed', 'follow', 'backup']) await api.request('DELETE', `/apis/batch/v1/namespaces/${namespace}/jobs/${job}?propagationPolicy=Background`);
    const mountsData = (p: Pod) => (p.spec as { volumes?: { persistentVolumeClaim?: { claimName: string } }[] }).volumes?.some((v) => v.persistentVolumeClaim?.claimName === 'data');
    await waitFor('the pods using the claim to be gone', async () => !(await api.list<Pod>('v1', 'Pod', namespace)).some(mountsData), 90_000);
    await api.request('DELETE', `/api/v1/namespaces/${namespace}/persistentvolumeclaims/data`);
    await waitFor('the volume to be deleted', gone('v1', 'PersistentVolume', volumeName), 90_000);
    expect(existsSync(dataDir)).toBe(false);
  });
});
