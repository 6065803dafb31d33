import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../shared/kube-object.ts';
import { REPLICAS_ANNOTATION, sourceListingScript, verifyScript } from '../../../../shared/migration/movers.ts';
import { resolveMappings } from '../../../../shared/migration/transforms.ts';
import type { ApiResponse, ClusterClient } from '../../../kube/cluster-client.ts';
import type { ArchiveReader } from '../archive.ts';
import type { Progress } from '../progress.ts';
import type { PodLogs } from './mover-job.ts';
import { Journal, runKey } from '../journal.ts';
import { VolumeEngine } from './engine.ts';
import { backupVolumes, VolumeMigration, type VolumesInput } from './migration.ts';
import { FleetdeckError } from '../../../../shared/errors.ts';
import { ThroughputStore } from './throughput.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-volumes-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const PASSWORD = 'correct horse battery staple';
const volumes = (extra: Partial<VolumesInput> = {}): VolumesInput => ({ mover: 'restic', repository: { RESTIC_REPOSITORY: 's3:s3.example/acme/restic', RESTIC_PASSWORD: PASSWORD, AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMIK7MDENG' }, live: false, parallel: 2, ...extra });

/** A volume as a folder of this machine. */
function folder(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(dir, 'volume-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    if (content.startsWith('->')) symlinkSync(content.slice(2), path.join(root, name));
    else writeFileSync(path.join(root, name), content);
  }
  return root;
}

/** The verify container's log for a restore of `source` that left `restored`: the movers' own scripts over folders of this machine. */
function verifyLog(source: Record<string, string>, restored: Record<string, string>): string {
  const meta = mkdtempSync(path.join(dir, 'meta-'));
  spawnSync('/bin/sh', ['-c', sourceListingScript({ data: folder(source), meta })]);
  return spawnSync('/bin/sh', ['-c', verifyScript({ data: folder(restored), meta })], { encoding: 'utf8' }).stdout;
}

type Behaviour = { exitCode: number; log: Record<string, string> };

/**
 * A cluster in memory: Secrets, Jobs whose one pod ends at once as `behave` says (its exit code
 * and its containers' logs), and scalable workloads. Every write is recorded.
 */
function fakeCluster(context: string, behave: (job: KubeObject) => Behaviour, workloads: Record<string, number> = {}) {
  const objects = new Map<string, KubeObject>();
  const writes: string[] = [];
  const jobs: KubeObject[] = [];
  const logs = new Map<string, Record<string, string>>();
  const replicas = new Map(Object.entries(workloads));
  const scaled: string[] = [];
  const namespaces = new Set<string>();
  let pods = 0;
  const respond = (status: number, body: unknown = {}): ApiResponse => ({ status, body, text: JSON.stringify(body), resent: false });
  const request = async (method: string, url: string, options: { body?: unknown } = {}): Promise<ApiResponse> => {
    const [p, query = ''] = url.split('?');
    if (method !== 'GET') writes.push(`${method} ${p}`);
    const workload = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets)\/([^/]+)$/.exec(p);
    if (workload) {
      const key = `${workload[1]}/${workload[2]}/${workload[3]}`;
      if (!replicas.has(key)) return respond(404);
      if (method === 'PATCH') {
        const patch = options.body as { spec: { replicas: number }; metadata?: { annotations?: Record<string, null> } };
        replicas.set(key, patch.spec.replicas);
        scaled.push(`${key}=${patch.spec.replicas}${patch.metadata ? ' (annotation removed)' : ''}`);
      }
      const n = replicas.get(key)!;
      return respond(200, { metadata: { name: workload[3], annotations: scaled.some((s) => s.startsWith(`${key}=`) && s.endsWith('(annotation removed)')) ? {} : { [REPLICAS_ANNOTATION]: '3' } }, spec: { replicas: n }, status: { replicas: n } });
    }
    const podList = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(p);
    if (podList) {
      const job = decodeURIComponent(query).replace('labelSelector=job-name=', '');
      return respond(200, { items: [...objects.values()].filter((o) => o.kind === 'Pod' && o.metadata.labels?.['job-name'] === job) });
    }
    const namespace = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(p);
    if (namespace) return respond(namespaces.has(namespace[1]) ? 200 : 404);
    const collection = /^\/(?:api\/v1|apis\/batch\/v1)\/namespaces\/([^/]+)\/(secrets|jobs)(?:\/([^/]+))?$/.exec(p);
    if (!collection) return respond(404);
    const [, ns, resource, name] = collection;
    const key = `${resource}/${ns}/${name ?? (options.body as KubeObject | undefined)?.metadata.name}`;
    if (method === 'POST') {
      if (query.includes('dryRun')) return respond(201, options.body);
      if (objects.has(key)) return respond(409);
      const object = options.body as KubeObject;
      objects.set(key, object);
      if (resource === 'jobs') {
        jobs.push(object);
        const { exitCode, log } = behave(object);
        const podName = `${object.metadata.name}-${++pods}`;
        logs.set(podName, log);
        const spec = (object.spec as { template: { spec: { initContainers?: { name: string }[]; containers: { name: string }[] } } }).template.spec;
        // the exit code is restic's, or the last container's in a pod whose restic runs first (a restore)
        const failing = spec.containers.find((c) => c.name === 'restic') ?? spec.containers.at(-1);
        const terminated = (c: { name: string }) => ({ name: c.name, state: { terminated: { exitCode: c === failing ? exitCode : 0, reason: c === failing && exitCode ? 'Error' : 'Completed' } } });
        objects.set(`pods/${ns}/${podName}`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: podName, namespace: ns, labels: { 'job-name': object.metadata.name } }, status: { initContainerStatuses: (spec.initContainers ?? []).map(terminated), containerStatuses: spec.containers.map(terminated) } } as KubeObject);
        object.status = { conditions: [{ type: exitCode ? 'Failed' : 'Complete', status: 'True', ...(exitCode ? { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } : {}) }] };
      }
      return respond(201, object);
    }
    if (method === 'DELETE') {
      const existed = objects.delete(key);
      return respond(existed ? 200 : 404);
    }
    return objects.has(key) ? respond(200, objects.get(key)) : respond(404);
  };
  const client = { context, request, ok: async (m: string, u: string, o?: { body?: unknown }) => (await request(m, u, o)).body } as unknown as ClusterClient;
  const podLogs: PodLogs = {
    follow: async (_ns, pod, container, onLine) => (logs.get(pod)?.[container] ?? '').split('\n').forEach(onLine),
    read: async (_ns, pod, container, tail) => {
      const text = logs.get(pod)?.[container] ?? '';
      return tail ? text.split('\n').slice(-tail).join('\n') : text;
    },
  };
  const left = () => [...objects.keys()].filter((k) => !k.startsWith('pods/'));
  return { client, podLogs, writes, jobs, scaled, left, replicas, namespaces };
}

const summary = (snapshot: string) => [JSON.stringify({ message_type: 'status', percent_done: 0.5, total_files: 2, files_done: 1, total_bytes: 200, bytes_done: 100, seconds_elapsed: 1 }), JSON.stringify({ message_type: 'summary', total_files_processed: 2, total_bytes_processed: 200, total_duration: 2, snapshot_id: snapshot })].join('\n');
const listingSummary = (snapshot: string) => JSON.stringify({ message_type: 'summary', total_files_processed: 1, total_bytes_processed: 120, total_duration: 0.1, snapshot_id: snapshot });
const data = { 'a.txt': 'alpha', 'dir/b.bin': 'beta', 'link': '->a.txt' };

/** The source: a StatefulSet db writing claim data-db-0, restic answering as `check` says; backups of data-db-0 make snapshot 'abcdef12', and of its listing '1157ab6e'. */
function source(check = 0, backup: Partial<Behaviour> = {}) {
  return fakeCluster('aks', (job) => {
    const args = (job.spec as { template: { spec: { containers: { args?: string[] }[] } } }).template.spec.containers[0].args ?? [];
    if (args[0] === 'cat') return { exitCode: check, log: { restic: check === 12 ? `Fatal: wrong password or no key found for ${PASSWORD}` : '' } };
    if (args[0] === 'init') return { exitCode: 0, log: {} };
    return { exitCode: backup.exitCode ?? 0, log: backup.log ?? { restic: summary('abcdef12'), listing: listingSummary('1157ab6e') } };
  }, { 'shop/statefulsets/db': 3 });
}

const target = (restored: Record<string, string> = data) => fakeCluster('eks', () => ({ exitCode: 0, log: { restic: JSON.stringify({ message_type: 'summary', total_files: 2, files_restored: 2, total_bytes: 9, bytes_restored: 9 }), verify: verifyLog(data, restored) } }), { 'shop-eu/statefulsets/db': 0 });

const objects: KubeObject[] = [
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-db-0', namespace: 'shop' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'managed-premium', volumeName: 'pvc-1234', resources: { requests: { storage: '10Gi' } } } },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' }, spec: { replicas: 3, volumeClaimTemplates: [{ metadata: { name: 'data' } }] } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 2 } },
];
const manifest = { entries: [{ kind: 'PersistentVolumeClaim' }] };
const reader = { manifest, entries: async function* (filter: (ref: { kind: string }) => boolean) {
  for (const object of objects) if (filter({ kind: object.kind })) yield { object };
} } as unknown as ArchiveReader;
let archived: KubeObject[] = objects;
const mappings = resolveMappings('aks', 'eks', { namespaces: { shop: 'shop-eu' }, storageClasses: { 'managed-premium': 'gp3' }, ingressClasses: {}, registries: {} });

async function migrate(src: ReturnType<typeof fakeCluster>, dst: ReturnType<typeof fakeCluster>, options: { volumes?: VolumesInput; dryRun?: boolean; id?: string; archive?: ArchiveReader } = {}) {
  const progress: Progress[] = [];
  const migration = await VolumeMigration.open(options.archive ?? reader, {
    dir, id: options.id ?? 'run0123456789', dryRun: options.dryRun ?? false, source: src.client, sourceContext: 'aks', volumes: options.volumes ?? volumes(),
    usedBytes: async () => new Map([['shop/data-db-0', 4_000_000]]),
    onProgress: (p) => progress.push(p),
    engine: { logs: (client) => (client === src.client ? src.podLogs : dst.podLogs), pollMs: 1 },
  });
  try {
    await migration.copyOut();
    const hooks = migration.hooks();
    const written = (options.archive ? archived : objects).map((o) => hooks.hold({ ...o, metadata: { ...o.metadata, namespace: 'shop-eu' } }, 'shop'));
    await hooks.before(dst.client, mappings);
    return { written, progress, result: await hooks.fill(dst.client, mappings) };
  } finally {
    migration.close();
  }
}

describe("moving a migration's volumes", () => {
  it('checks the repository, stops the writers for the backup, fills fresh claims on the target, verifies them, starts the workloads and cleans up', async () => {
    const src = source(10);
    const dst = target();
    const { written, progress, result } = await migrate(src, dst);
    // the missing repository was initialised; the StatefulSet stopped for the copy and put back
    expect(src.writes.filter((w) => w.startsWith('POST') && w.includes('/jobs'))).toEqual(['POST /apis/batch/v1/namespaces/shop/jobs', 'POST /apis/batch/v1/namespaces/shop/jobs', 'POST /apis/batch/v1/namespaces/shop/jobs']);
    expect(src.scaled).toEqual(['shop/statefulsets/db=0', 'shop/statefulsets/db=3']);
    // the claim is provisioned anew, the writer waits at 0 with the count it wants
    expect((written[0] as KubeObject).spec).not.toHaveProperty('volumeName');
    expect(written[1]).toMatchObject({ metadata: { annotations: { [REPLICAS_ANNOTATION]: '3' } }, spec: { replicas: 0 } });
    expect((written[2] as KubeObject).spec).toEqual({ replicas: 2 });
    expect(result.volumes).toEqual([{ namespace: 'shop', claim: 'data-db-0', targetNamespace: 'shop-eu', snapshot: 'abcdef12', bytes: 9, files: 2, seconds: expect.any(Number), state: 'restored', verified: true, mismatches: 0 }]);
    // the restore fills the claim from the data's snapshot and the listing from its own
    const restore = (dst.jobs[0].spec as { template: { spec: { initContainers: { args: string[] }[] } } }).template.spec;
    expect(restore.initContainers.map((c) => c.args.slice(0, 2))).toEqual([['restore', 'abcdef12'], ['restore', '1157ab6e']]);
    expect(dst.scaled).toEqual(['shop-eu/statefulsets/db=3 (annotation removed)']);
    expect(result.volumePlan).toEqual([
      { namespace: 'shop', claim: 'data-db-0', targetNamespace: 'shop-eu', requested: '10Gi', usedBytes: 4_000_000, accessModes: ['ReadWriteOnce'], workloads: ['StatefulSet/db'], storageClass: 'managed-premium', targetStorageClass: 'gp3', mover: 'restic', estimatedSeconds: 'unknown', downtimeSeconds: 'unknown', live: false },
    ]);
    expect(result.leftovers).toBeUndefined();
    // Jobs and the per-run Secrets are gone from both clusters
    expect(src.left()).toEqual([]);
    expect(dst.left()).toEqual([]);
    expect(progress.some((p) => p.volumes?.some((v) => v.step === 'backup' && v.bytesDone === 200 && v.bytesTotal === 200 && v.filesDone === 2))).toBe(true);
    expect(progress.at(-1)?.volumes).toEqual([{ namespace: 'shop', claim: 'data-db-0', step: 'restore', bytesDone: 9, bytesTotal: 9, filesDone: 2, filesTotal: 2, eta: 0 }]);
    // the password went to the clusters in the Secret only; nothing Fleetdeck shows or keeps holds it
    expect(JSON.stringify({ result, progress })).not.toContain(PASSWORD);
  });

  it('refuses a wrong password before anything is written on the target or any writer is stopped', async () => {
    const src = source(12);
    const dst = target();
    const error = await migrate(src, dst).catch((e: Error & { code?: string }) => e);
    expect(error).toMatchObject({ code: 'unauthorized', message: 'the restic repository s3:s3.example/acme/restic refused the password (its RESTIC_PASSWORD); nothing was written on the target (left for a look: aks: Job shop/fleetdeck-check-run0123456)' });
    expect(String(error)).not.toContain(PASSWORD);
    expect(src.scaled).toEqual([]);
    expect(dst.writes).toEqual([]);
  });

  it('names mismatches, keeps the workload at 0 and the run PartiallyFailed; a re-run backs the claim up again, and one after a verified run starts afresh', async () => {
    const src = source();
    const dst = target({ ...data, 'dir/b.bin': 'BETA' });
    const { result } = await migrate(src, dst);
    expect(result.volumes?.[0]).toMatchObject({ state: 'restored', verified: false, mismatches: 1, mismatched: ['"dir/b.bin": content differs (4 bytes, 4 on the source)'], reason: 'the workloads that mount it stay at 0 replicas on the target' });
    expect(dst.scaled).toEqual([]);
    // its restore Job stays for a look, with the differences in its log; the Secrets go
    expect(result.leftovers).toEqual(['eks: Job shop-eu/fleetdeck-restore-data-db-0']);
    expect(dst.left()).toEqual(['jobs/shop-eu/fleetdeck-restore-data-db-0']);

    // resumed with the same id: the writers ran since the first backup, so the claim is backed up
    // again (with them stopped) and that snapshot restored
    const again = source(0, { log: { restic: summary('fedcba98'), listing: listingSummary('2268bc7f') } });
    const fixed = target();
    const { result: second } = await migrate(again, fixed);
    expect(again.writes.filter((w) => w.startsWith('POST') && w.includes('/jobs'))).toEqual(['POST /apis/batch/v1/namespaces/shop/jobs', 'POST /apis/batch/v1/namespaces/shop/jobs']);
    expect(again.scaled).toEqual(['shop/statefulsets/db=0', 'shop/statefulsets/db=3']);
    expect(second.volumes?.[0]).toMatchObject({ verified: true, snapshot: 'fedcba98' });
    // verified and done: a third run starts afresh
    const third = source();
    await migrate(third, target());
    expect(third.writes.filter((w) => w.startsWith('POST') && w.includes('/jobs')).length).toBe(2);
  });

  it('trusts an earlier verification only while the claim it filled is still there, in the same namespace', async () => {
    const id = 'verified0123456';
    const earlier = new Journal(path.join(dir, 'jobs', 'journals'), runKey({ volumes: id }));
    earlier.record('restore/shop/data-db-0', { result: 'created', volume: { snapshot: 'abcdef12', listing: '1157ab6e', targetNamespace: 'shop-eu', claimUid: 'uid-1', files: 2, bytes: 9, seconds: 3, verified: true, mismatches: 0 } });
    earlier.close();
    const journal = new Journal(path.join(dir, 'jobs', 'journals'), runKey({ volumes: id }));
    const engine = new VolumeEngine({ env: volumes().repository, live: false, parallel: 2, run: 'run0123456', journal, throughput: new ThroughputStore(dir), onProgress: () => undefined, pollMs: 1 });
    const claim = { namespace: 'shop', name: 'data-db-0', accessModes: [], workloads: [] } as unknown as Parameters<VolumeEngine['verifiedEarlier']>[0];
    const withClaim = (uid?: string) => ({ context: 'eks', request: async () => (uid ? { status: 200, body: { metadata: { name: 'data-db-0', uid } } } : { status: 404, body: {} }) }) as unknown as ClusterClient;
    await expect(engine.verifiedEarlier(claim, withClaim('uid-1'), 'shop-eu')).resolves.toMatchObject({ snapshot: 'abcdef12', listing: '1157ab6e' });
    // deleted, or deleted and made anew (empty), or another namespace: copied again
    await expect(engine.verifiedEarlier(claim, withClaim(), 'shop-eu')).resolves.toBeUndefined();
    await expect(engine.verifiedEarlier(claim, withClaim('uid-2'), 'shop-eu')).resolves.toBeUndefined();
    await expect(engine.verifiedEarlier(claim, withClaim('uid-1'), 'shop-us')).resolves.toBeUndefined();
    journal.discard();
  });

  it('restores from an archive: checks the repository in the target namespace when it exists there (the user may have no rights in default), else in default', async () => {
    for (const [exists, where] of [[true, 'shop-eu'], [false, 'default']] as const) {
      const dst = target();
      if (exists) dst.namespaces.add('shop-eu');
      const migration = await VolumeMigration.open(reader, { dir, id: `restore-${where}`, dryRun: false, volumes: volumes(), snapshots: [{ namespace: 'shop', claim: 'data-db-0', snapshot: 'abcdef12' }], onProgress: () => undefined, engine: { logs: () => dst.podLogs, pollMs: 1 } });
      await migration.hooks().before(dst.client, mappings);
      migration.close();
      expect(dst.writes.filter((w) => w.endsWith('/jobs'))).toEqual([`POST /apis/batch/v1/namespaces/${where}/jobs`]);
    }
  });

  it('takes the replicas an interrupted run recorded, not the 0 it left the source at', async () => {
    const journal = new Journal(path.join(dir, 'jobs', 'journals'), runKey({ volumes: 'run0123456789' }));
    journal.record('replicas/shop/StatefulSet/db', { result: 'created', volume: { replicas: 5 } });
    journal.close();
    archived = objects.map((o) => (o.kind === 'StatefulSet' ? { ...o, spec: { ...(o.spec as object), replicas: 0 } } : o));
    const stopped = { manifest, entries: async function* () {
      for (const object of archived) yield { object };
    } } as unknown as ArchiveReader;
    const src = source();
    src.replicas.set('shop/statefulsets/db', 0);
    const { written } = await migrate(src, target(), { archive: stopped });
    expect(src.scaled).toEqual(['shop/statefulsets/db=5']);
    expect(written[1]).toMatchObject({ metadata: { annotations: { [REPLICAS_ANNOTATION]: '5' } }, spec: { replicas: 0 } });
  });

  it('fails a backup whose listing made no snapshot, with the workload on the target kept at 0', async () => {
    const { result } = await migrate(source(0, { log: { restic: summary('abcdef12') } }), target());
    expect(result.volumes?.[0]).toMatchObject({ state: 'failed', verified: false, reason: 'backup Job shop/fleetdeck-backup-data-db-0 printed no snapshot id for the listing (container listing); the workloads that mount it stay at 0 replicas on the target' });
  });

  it('reports a failed backup with its reason and log tail (credentials removed), keeps the target workload stopped and names what it left', async () => {
    const src = source(0, { exitCode: 1, log: { restic: `Fatal: unable to save snapshot: s3 said Forbidden for key wJalrXUtnFEMIK7MDENG` } });
    const dst = target();
    const { result } = await migrate(src, dst);
    expect(result.volumes?.[0]).toMatchObject({ state: 'failed', verified: false, reason: expect.stringMatching(/^backup Job shop\/fleetdeck-backup-data-db-0 failed: BackoffLimitExceeded: Job has reached the specified backoff limit; container restic exited with 1 \(Error\); the workloads that mount it stay at 0 replicas on the target$/), logTail: 'Fatal: unable to save snapshot: s3 said Forbidden for key ***' });
    expect(src.scaled).toEqual(['shop/statefulsets/db=0', 'shop/statefulsets/db=3']);
    expect(dst.scaled).toEqual([]);
    // the repository's Secret is removed even so: only the Job stays
    expect(result.leftovers).toEqual(['aks: Job shop/fleetdeck-backup-data-db-0']);
  });

  it('plans without copying in a dry run, with estimates from the throughput earlier copies measured, and says a claim is recreated empty without --volumes', async () => {
    const measured = new ThroughputStore(dir);
    measured.record('backup', 1_000_000, 2);
    measured.record('restore', 2_000_000, 2);
    const { result } = await migrate(source(), target(), { dryRun: true });
    expect(result.volumes).toBeUndefined();
    // 4 MB used: 8 s at 500 kB/s to back up (the writers' downtime), 4 s at 1 MB/s to restore
    expect(result.volumePlan?.[0]).toMatchObject({ usedBytes: 4_000_000, estimatedSeconds: 12, downtimeSeconds: 8, mover: 'restic' });
    expect(result.movers?.map((m) => [m.cluster, m.role, m.namespace, m.name, m.validated])).toEqual([
      ['aks', 'backup', 'shop', 'fleetdeck-backup-data-db-0', true],
      ['eks', 'restore', 'shop-eu', 'fleetdeck-restore-data-db-0', true],
    ]);
    const migration = await VolumeMigration.open(reader, { dir, id: 'plain', dryRun: false, sourceContext: 'aks', onProgress: () => undefined });
    const hooks = migration.hooks();
    expect(hooks.hold(objects[1], 'shop')).toBe(objects[1]);
    const empty = await hooks.fill(target().client, mappings);
    expect(empty.volumes).toEqual([{ namespace: 'shop', claim: 'data-db-0', targetNamespace: 'shop-eu', bytes: 0, files: 0, seconds: 0, state: 'empty', verified: false, mismatches: 0, reason: 'recreated empty: its data was not moved (--volumes restic moves it)' }]);
    expect(empty.volumePlan?.[0]).toMatchObject({ mover: 'none', estimatedSeconds: 0, downtimeSeconds: 0, usedBytes: 'unknown' });
    migration.close();
  });

  it('puts every writer back when the copy fails, even when one of them cannot be, and keeps the copy\'s own error', async () => {
    const src = fakeCluster('aks', () => ({ exitCode: 0, log: {} }), { 'shop/statefulsets/db': 3, 'shop/deployments/web': 2 });
    const request = src.client.request.bind(src.client);
    // the API server refuses the StatefulSet's scale-up (a webhook, a quota)
    (src.client as { request: ClusterClient['request'] }).request = (async (method: string, url: string, options?: { body?: { spec?: { replicas?: number } } }) =>
      method === 'PATCH' && url.endsWith('/statefulsets/db') && options?.body?.spec?.replicas === 3 ? { status: 403, body: {}, text: '{"message":"denied by policy"}', resent: false } : request(method, url, options)) as ClusterClient['request'];
    const engine = new VolumeEngine({ env: volumes().repository, live: false, parallel: 2, run: 'run0123456', throughput: new ThroughputStore(dir), onProgress: () => undefined, pollMs: 1 });
    const claim = { namespace: 'shop', name: 'data', accessModes: [], workloads: [{ kind: 'StatefulSet', name: 'db', replicas: 3 }, { kind: 'Deployment', name: 'web', replicas: 2 }] };
    const error = await engine.withWritersStopped(src.client, [claim], async () => {
      throw new FleetdeckError('cancelled', 'cancelled');
    }).catch((e: FleetdeckError) => e);
    expect(src.scaled).toEqual(['shop/statefulsets/db=0', 'shop/deployments/web=0', 'shop/deployments/web=2']);
    expect(error).toMatchObject({ code: 'cancelled', message: expect.stringMatching(/^cancelled; not put back on aks: StatefulSet shop\/db \(wants 3 replicas\): .*denied by policy/) });
  });

  it('starts the copy only once a stopped writer\'s pods are gone, not when its status already says 0 (a Deployment does not count terminating pods)', async () => {
    const src = fakeCluster('aks', () => ({ exitCode: 0, log: {} }), { 'shop/deployments/web': 2 });
    const request = src.client.request.bind(src.client);
    let terminating = 3;
    const events: string[] = [];
    (src.client as { request: ClusterClient['request'] }).request = (async (method: string, url: string, options?: { body?: unknown }) => {
      if (url === '/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb%2Ctier+in+%28front%2Cedge%29') {
        events.push(terminating ? 'pod terminating' : 'pods gone');
        // an evicted pod stays listed and does not count
        const evicted = { metadata: { name: 'web-0' }, status: { phase: 'Failed', reason: 'Evicted' } };
        return { status: 200, body: { items: terminating-- > 0 ? [evicted, { metadata: { name: 'web-1', deletionTimestamp: '2026-12-05T00:00:00Z' }, status: { phase: 'Running' } }] : [evicted] }, text: '', resent: false };
      }
      const res = await request(method, url, options);
      if (url.endsWith('/deployments/web') && res.status === 200) (res.body as { spec: object }).spec = { ...(res.body as { spec: object }).spec, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] } };
      return res;
    }) as ClusterClient['request'];
    (src.client as { ok: ClusterClient['ok'] }).ok = (async (method: string, url: string) => (await src.client.request(method, url)).body) as ClusterClient['ok'];
    const engine = new VolumeEngine({ env: volumes().repository, live: false, parallel: 2, run: 'run0123456', throughput: new ThroughputStore(dir), onProgress: () => undefined, pollMs: 1 });
    const claim = { namespace: 'shop', name: 'data', accessModes: [], workloads: [{ kind: 'Deployment', name: 'web', replicas: 2 }] };
    await engine.withWritersStopped(src.client, [claim], async () => void events.push('copy'));
    expect(events).toEqual(['pod terminating', 'pod terminating', 'pod terminating', 'pods gone', 'copy']);
  });

  it('backs up with a journal: a backup killed while the writers were at 0 puts them back to the count it recorded, and a finished one starts afresh', async () => {
    const id = 'backup0123456789';
    const journal = new Journal(path.join(dir, 'jobs', 'journals'), runKey({ volumes: id }));
    journal.record('replicas/shop/StatefulSet/db', { result: 'created', volume: { replicas: 5 } });
    journal.close();
    const src = source();
    src.replicas.set('shop/statefulsets/db', 0);
    const options = { dir, id, volumes: volumes(), onProgress: () => undefined, engine: { logs: () => src.podLogs, pollMs: 1 } };
    const result = await backupVolumes(src.client, objects, options);
    expect(result.snapshots).toEqual([{ namespace: 'shop', claim: 'data-db-0', snapshot: 'abcdef12', listing: '1157ab6e' }]);
    expect(src.scaled).toEqual(['shop/statefulsets/db=5']);
    // every claim backed up: the next backup of the same selection records the replicas it finds
    const again = source();
    await backupVolumes(again.client, objects, options);
    expect(again.scaled).toEqual(['shop/statefulsets/db=0', 'shop/statefulsets/db=3']);
  });

  it('holds the writers that cannot be scaled on the target too (a CronJob and a Job suspended, a DaemonSet on no node) and lets them go once the volume is verified', async () => {
    const volumesOf = { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }] };
    const unscalable: KubeObject[] = [
      objects[0],
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'report', namespace: 'shop' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: volumesOf } } } } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'reindex', namespace: 'shop' }, spec: { template: { spec: volumesOf } } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'shop' }, spec: { template: { spec: { ...volumesOf, nodeSelector: { pool: 'a' } } } } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'paused', namespace: 'shop' }, spec: { suspend: true, jobTemplate: { spec: { template: { spec: volumesOf } } } } },
    ];
    const archive = { manifest, entries: async function* () {
      for (const object of unscalable) yield { object };
    } } as unknown as ArchiveReader;
    const src = source();
    const dst = target();
    // the target holds what the restore wrote; merge patches change it
    const onTarget = new Map<string, KubeObject>();
    const request = dst.client.request.bind(dst.client);
    const patches: string[] = [];
    (dst.client as { request: ClusterClient['request'] }).request = (async (method: string, url: string, options?: { body?: unknown }) => {
      const held = /^\/apis\/(?:batch|apps)\/v1\/namespaces\/shop-eu\/(cronjobs|jobs|daemonsets)\/([^/]+)$/.exec(url);
      if (!held) return request(method, url, options);
      const object = onTarget.get(held[2]);
      if (!object) return { status: 404, body: {}, text: '', resent: false };
      if (method === 'PATCH') patches.push(`${held[1]}/${held[2]} ${JSON.stringify(options?.body)}`);
      return { status: 200, body: object, text: '', resent: false };
    }) as ClusterClient['request'];
    const migration = await VolumeMigration.open(archive, {
      dir, id: 'run0123456789', dryRun: false, source: src.client, sourceContext: 'aks', volumes: volumes(), onProgress: () => undefined,
      engine: { logs: (client) => (client === src.client ? src.podLogs : dst.podLogs), pollMs: 1 },
    });
    await migration.copyOut();
    const hooks = migration.hooks();
    for (const o of unscalable) {
      const written = hooks.hold({ ...o, metadata: { ...o.metadata, namespace: 'shop-eu' } }, 'shop') as KubeObject;
      onTarget.set(written.metadata.name, written);
    }
    expect(onTarget.get('report')?.spec).toMatchObject({ suspend: true });
    expect(onTarget.get('reindex')?.spec).toMatchObject({ suspend: true });
    expect(onTarget.get('agent')?.spec).toMatchObject({ template: { spec: { nodeSelector: { pool: 'a', 'fleetdeck.io/held': 'until-its-volumes-are-filled' } } } });
    expect(onTarget.get('paused')).toEqual({ ...unscalable[4], metadata: { ...unscalable[4].metadata, namespace: 'shop-eu' } });
    const { volumes: result } = await hooks.fill(dst.client, mappings);
    migration.close();
    expect(result?.[0]).toMatchObject({ state: 'restored', verified: true });
    expect(patches.sort()).toEqual([
      'cronjobs/report {"metadata":{"annotations":{"fleetdeck.io/held":null}},"spec":{"suspend":false}}',
      'daemonsets/agent {"metadata":{"annotations":{"fleetdeck.io/held":null}},"spec":{"template":{"spec":{"nodeSelector":{"fleetdeck.io/held":null}}}}}',
      'jobs/reindex {"metadata":{"annotations":{"fleetdeck.io/held":null}},"spec":{"suspend":false}}',
    ]);
  });

  it('forgets the replicas it recorded once the writers are back: a re-run after the user scaled the source keeps the new count', async () => {
    const failing = source(0, { exitCode: 1, log: { restic: 'Fatal: unable to save snapshot' } });
    await migrate(failing, target());
    expect(failing.scaled).toEqual(['shop/statefulsets/db=0', 'shop/statefulsets/db=3']);
    const grown = source();
    grown.replicas.set('shop/statefulsets/db', 5);
    await migrate(grown, target());
    expect(grown.scaled).toEqual(['shop/statefulsets/db=0', 'shop/statefulsets/db=5']);
  });
});
