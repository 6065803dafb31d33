// Volume data moved for real: restic movers run by node-sim on claims whose data is a directory
// of this machine (the lab's CSI provisioner), through the lab's S3 store.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskInfo } from '../../../shared/contract/jobs.ts';
import type { JobReport } from '../../../shared/migration/report.ts';
import { moverRepositoryEnvPath } from '../../../../lab/object-store.ts';
import { labApi, labKubeconfig } from '../../../../test/lab.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { FileKeyStore, Vault } from '../../kube/vault.ts';
import { JobRunner } from './job-runner.ts';
import { JobsCenter } from './jobs-center.ts';
import { SavedRepositories } from './saved-repositories.ts';

const cli = path.resolve(import.meta.dirname, '../../../../bin/fleetdeck.js');
const work = mkdtempSync(path.join(tmpdir(), 'fleetdeck-volumes-'));
const env = { ...process.env, FLEETDECK_HOME: path.join(work, 'home') };
const suffix = Date.now().toString(36);
const MiB = 1024 * 1024;
/** the issue's size per volume; LAB_VOLUME_MB makes a quicker run */
const largeFileBytes = Number(process.env.LAB_VOLUME_MB ?? 200) * MiB;
const SMALL_FILES = 2_000;

/** Why this lab cannot run movers, if it cannot: set by beforeAll; each test then skips with it. */
let noRuntime: string | undefined = existsSync(moverRepositoryEnvPath) ? undefined : `${moverRepositoryEnvPath} does not exist: this lab has no S3 store for the movers`;

type Obj = { metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: Record<string, any>; status?: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

async function run(args: string[], onStarted?: (child: ReturnType<typeof spawn>) => void): Promise<{ status: number; report: JobReport; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args, '--kubeconfig', labKubeconfig, '--output', 'json'], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  onStarted?.(child);
  const status = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  let report: JobReport;
  try {
    report = JSON.parse(stdout) as JobReport;
  } catch {
    report = { state: 'Failed', counts: { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 }, items: [], transforms: [], error: `no report (exit ${status}): ${stderr.slice(-2000)}` };
  }
  return { status, report, stdout, stderr };
}

const poll = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
};

/** A StatefulSet of 3 replicas with a claim each, in a new namespace; the directories of its 3 volumes once bound. */
const statefulSet = (context: string, namespace: string, storageClassName: string, timeoutMs?: number) => labApi(context).statefulSetWithClaims(namespace, { storageClassName, replicas: 3, ...(timeoutMs ? { timeoutMs } : {}) });

/** Mixed content, different per volume: many small files, one large, empty folders, a symlink, awkward names, several modes. */
function fill(dir: string, seed: number) {
  for (let i = 0; i < SMALL_FILES; i++) {
    const sub = path.join(dir, 'small', String(i % 40));
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `f${i}.txt`), `${seed}:${i}:`.repeat(1 + (i % 300)));
  }
  const large = Buffer.alloc(largeFileBytes);
  for (let i = 0; i < large.length; i += 4096) large.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  writeFileSync(path.join(dir, 'large.bin'), large);
  mkdirSync(path.join(dir, 'empty folder/nested empty'), { recursive: true });
  mkdirSync(path.join(dir, 'données ünïcødé'), { recursive: true });
  writeFileSync(path.join(dir, 'données ünïcødé/résumé 日本.txt'), `volume ${seed}\n`);
  writeFileSync(path.join(dir, 'a name\nwith a newline'), 'odd\n');
  symlinkSync('données ünïcødé/résumé 日本.txt', path.join(dir, 'latest résumé'));
  writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n');
  chmodSync(path.join(dir, 'run.sh'), 0o750);
  writeFileSync(path.join(dir, 'private.key'), `key ${seed}`);
  chmodSync(path.join(dir, 'private.key'), 0o600);
  chmodSync(path.join(dir, 'empty folder'), 0o700);
}

/** Every entry under dir: type, permission bits, and the sha256 of a file or the target of a symlink. */
function tree(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(dir, relative))) {
      const entry = path.join(relative, name);
      const full = path.join(dir, entry);
      const stat = lstatSync(full);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) entries.set(entry, `link ${readlinkSync(full)}`);
      else if (stat.isDirectory()) {
        entries.set(entry, `dir ${mode}`);
        walk(entry);
      } else entries.set(entry, `file ${mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
    }
  };
  walk('');
  return entries;
}

const leftMovers = async (context: string, namespace: string) => {
  const api = labApi(context);
  const selector = encodeURIComponent('app.kubernetes.io/managed-by=fleetdeck');
  const jobs = await api.request<{ items: Obj[] }>('GET', `/apis/batch/v1/namespaces/${namespace}/jobs?labelSelector=${selector}`);
  const secrets = await api.request<{ items: Obj[] }>('GET', `/api/v1/namespaces/${namespace}/secrets?labelSelector=${selector}`);
  return [...jobs.items, ...secrets.items].map((o) => o.metadata.name);
};

/** Annotates the first running pod of a mover Job with the lab's kill fault, once. */
async function killFirstMover(context: string, namespace: string, job: string, stop: AbortSignal): Promise<string | undefined> {
  const api = labApi(context);
  while (!stop.aborted) {
    const pods = await api.request<{ items: Obj[] }>('GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(`job-name=${job}`)}`).catch(() => ({ items: [] as Obj[] }));
    // a restore's restic is an init container: the pod is still Pending while it runs
    const running = pods.items.find((p) => [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].some((c: { name: string; state?: { running?: object } }) => c.name === 'restic' && c.state?.running));
    if (running) {
      await api.mergePatch({ apiVersion: 'v1', kind: 'Pod', metadata: { name: running.metadata.name, namespace } }, { metadata: { annotations: { 'lab.fleetdeck.io/fault': 'kill' } } });
      return running.metadata.name;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

describe('volume data moved by restic movers, verified file by file', () => {
  const aksNs = `vol-${suffix}`;
  const gkeNs = `volg-${suffix}`;
  const gkeTarget = `volg-${suffix}-moved`;
  const cleanup: [string, string][] = [
    ['aks-lab', aksNs],
    ['eks-lab', aksNs],
    ['gke-lab', gkeNs],
    ['aks-lab', gkeTarget],
    ['eks-lab', `${aksNs}-refused`],
  ];
  const expected = new Map<string, Map<string, string>>();

  beforeAll(async () => {
    if (noRuntime) return console.warn(`volumes.lab.test: skipped — ${noRuntime}`);
    // node-sim's provisioner gives each claim a directory; without it no mover can run either
    // a lab that does not answer fails here; one whose claims never get a directory has no mover runtime
    const probe = await statefulSet('aks-lab', aksNs, 'managed-csi', 90_000).catch((error: Error) => {
      if (error.message.startsWith('timed out waiting for')) return error;
      throw error;
    });
    if (probe instanceof Error) {
      noRuntime = `this lab has no mover runtime (node-sim running restic pods, its CSI provisioner): ${probe.message}`;
      return console.warn(`volumes.lab.test: skipped — ${noRuntime}`);
    }
    for (const [context, namespace, storageClass, seed] of [['aks-lab', aksNs, 'managed-csi', 1], ['gke-lab', gkeNs, 'standard-rwo', 4]] as const) {
      const dirs = await statefulSet(context, namespace, storageClass);
      dirs.forEach((dir, i) => {
        fill(dir, seed + i);
        expected.set(`${context}/${namespace}/data-db-${i}`, tree(dir));
      });
    }
  }, 600_000);

  afterAll(async () => {
    for (const [context, namespace] of cleanup) await labApi(context).request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
  });

  async function expectArrived(sourceContext: string, sourceNs: string, targetContext: string, targetNs: string, report: JobReport) {
    expect(report.volumes?.map((v) => [v.namespace, v.claim, v.targetNamespace, v.state, v.verified, v.mismatches])).toEqual([0, 1, 2].map((i) => [sourceNs, `data-db-${i}`, targetNs, 'restored', true, 0]));
    for (const v of report.volumes!) expect(v.files).toBeGreaterThan(SMALL_FILES);
    for (let i = 0; i < 3; i++) {
      const dir = await labApi(targetContext).volumeDir(targetNs, `data-db-${i}`);
      // every file identical by sha256, modes and the symlink kept, nothing more
      expect(tree(dir)).toEqual(expected.get(`${sourceContext}/${sourceNs}/data-db-${i}`));
    }
    // the source runs again with its replicas; the target's workload started once its volumes were filled
    const sourceSet = await labApi(sourceContext).request<Obj>('GET', `/apis/apps/v1/namespaces/${sourceNs}/statefulsets/db`);
    expect(sourceSet.spec!.replicas).toBe(3);
    const targetSet = await labApi(targetContext).request<Obj>('GET', `/apis/apps/v1/namespaces/${targetNs}/statefulsets/db`);
    expect(targetSet.spec!.replicas).toBe(3);
    expect(targetSet.metadata.annotations?.['fleetdeck.io/replicas']).toBeUndefined();
    await expect(leftMovers(sourceContext, sourceNs)).resolves.toEqual([]);
    await expect(leftMovers(targetContext, targetNs)).resolves.toEqual([]);
  }

  it('migrates a 3-replica StatefulSet with its data from aks-lab to eks-lab, a killed mover resuming', async (ctx) => {
    ctx.skip(Boolean(noRuntime), noRuntime);
    const stop = new AbortController();
    const killed = killFirstMover('eks-lab', aksNs, 'fleetdeck-restore-data-db-1', stop.signal);
    const args = ['migrate', '--from-context', 'aks-lab', '--to-context', 'eks-lab', '--namespace', aksNs, '--volumes', 'restic', '--repository-env', moverRepositoryEnvPath, '--parallel', '2', '--verify-timeout', '120'];
    const plan = await run([...args, '--dry-run']);
    expect(plan.status, plan.report.error).toBe(0);
    expect(plan.report.volumePlan?.map((v) => [v.claim, v.workloads, v.mover, v.targetStorageClass])).toEqual([0, 1, 2].map((i) => [`data-db-${i}`, ['StatefulSet/db'], 'restic', expect.any(String)]));
    const { status, report, stderr } = await run(args);
    stop.abort();
    expect(status, report.error ?? JSON.stringify(report.volumes)).toBe(0);
    expect(await killed).toBeDefined();
    expect(stderr).toMatch(/volume \S+\/data-db-\d (backup|restore)/);
    await expectArrived('aks-lab', aksNs, 'eks-lab', aksNs, report);
  }, 1_800_000);

  it('migrates from gke-lab to aks-lab into another namespace', async (ctx) => {
    ctx.skip(Boolean(noRuntime), noRuntime);
    const { status, report } = await run(['migrate', '--from-context', 'gke-lab', '--to-context', 'aks-lab', '--namespace', gkeNs, '--namespace-map', `${gkeNs}=${gkeTarget}`, '--volumes', 'restic', '--repository-env', moverRepositoryEnvPath, '--verify-timeout', '120']);
    expect(status, report.error ?? JSON.stringify(report.volumes)).toBe(0);
    await expectArrived('gke-lab', gkeNs, 'aks-lab', gkeTarget, report);
  }, 1_800_000);

  it('finishes a migration whose Fleetdeck process was killed while it restored, from its journal, with what the writers changed since', async (ctx) => {
    ctx.skip(Boolean(noRuntime), noRuntime);
    const target = `${aksNs}-resumed`;
    cleanup.push(['eks-lab', target]);
    const args = ['migrate', '--from-context', 'aks-lab', '--to-context', 'eks-lab', '--namespace', aksNs, '--namespace-map', `${aksNs}=${target}`, '--volumes', 'restic', '--repository-env', moverRepositoryEnvPath, '--verify-timeout', '120'];
    const first = await run(args, (child) => {
      void poll('a restore Job', async () => ((await labApi('eks-lab').request<Obj>('GET', `/apis/batch/v1/namespaces/${target}/jobs/fleetdeck-restore-data-db-0`)) ? true : undefined), 900_000).then(() => child.kill('SIGKILL'));
    });
    expect(first.status).not.toBe(0);
    // the writers ran again after the first backup: the re-run backs up again, and the restore
    // removes from the claim the first run began to fill what the source no longer has
    const changed = await labApi('aks-lab').volumeDir(aksNs, 'data-db-0');
    writeFileSync(path.join(changed, 'written after the first backup.txt'), 'new data');
    rmSync(path.join(changed, 'run.sh'));
    expected.set(`aks-lab/${aksNs}/data-db-0`, tree(changed));
    const { status, report } = await run(args);
    expect(status, report.error ?? JSON.stringify(report.volumes)).toBe(0);
    await expectArrived('aks-lab', aksNs, 'eks-lab', target, report);
  }, 1_800_000);

  it("the app's jobs center: a repository saved in the vault, a migration cancelled while it copies puts the writers back, and resume finishes it", async (ctx) => {
    ctx.skip(Boolean(noRuntime), noRuntime);
    const home = path.join(work, 'app');
    mkdirSync(home, { recursive: true });
    const keys = new FileKeyStore(home);
    const center = new JobsCenter(new JobRunner({ store: new KubeconfigStore([labKubeconfig]), keys, dir: home }), home, new SavedRepositories(new Vault(home, keys)));
    await center.saveRepository({ name: 'lab', env: readFileSync(moverRepositoryEnvPath, 'utf8') });
    const target = `${aksNs}-app`;
    cleanup.push(['eks-lab', target]);
    const copying: TaskInfo[] = [];
    center.onDidChangeTask((info) => info.progress.volumes?.some((v) => v.bytesDone > 0) && copying.push(info));
    const volumes = { mover: 'restic' as const, repository: { saved: 'lab' }, live: false, parallel: 1 };
    const input = { fromContext: 'aks-lab', toContext: 'eks-lab', selection: { namespaces: [aksNs] }, target: { namespaceMap: { [aksNs]: target }, storageClassMap: {}, ingressClassMap: {}, registryMap: {}, conflict: 'skip' as const, dryRun: false, verifyTimeoutSeconds: 120, volumes } };
    const task = await center.startMigrate(input);
    await poll('a volume copying', async () => (copying.length ? true : undefined), 600_000);
    // the writers are stopped while their volumes are copied
    expect((await labApi('aks-lab').request<Obj>('GET', `/apis/apps/v1/namespaces/${aksNs}/statefulsets/db`)).spec!.replicas).toBe(0);
    await center.cancel(task);
    const cancelled = await poll('the task cancelled', async () => ((await center.get(task)).info.state === 'running' ? undefined : (await center.get(task)).info), 300_000);
    expect(cancelled).toMatchObject({ state: 'cancelled', resumable: true });
    expect(copying[0].progress.volumes![0]).toMatchObject({ namespace: aksNs, step: 'backup', bytesTotal: expect.any(Number) });
    // Cancel put the source's writers back; the target was not touched
    expect((await labApi('aks-lab').request<Obj>('GET', `/apis/apps/v1/namespaces/${aksNs}/statefulsets/db`)).spec!.replicas).toBe(3);
    expect(await labApi('eks-lab').request('GET', `/api/v1/namespaces/${target}`).then(() => true, () => false)).toBe(false);

    await center.resume(task);
    const done = await poll('the resumed task done', async () => ((await center.get(task)).info.state === 'running' ? undefined : center.get(task)), 1_500_000);
    expect(done.info.state, done.info.error ?? JSON.stringify(done.report?.volumes)).toBe('Completed');
    await expectArrived('aks-lab', aksNs, 'eks-lab', target, done.report!);
    const stored = readFileSync(path.join(home, 'jobs', 'tasks', `${task.id}.json`), 'utf8');
    expect(stored).not.toContain(/^RESTIC_PASSWORD=(.*)$/m.exec(readFileSync(moverRepositoryEnvPath, 'utf8'))![1]);
    center.dispose();
  }, 1_800_000);

  it('backs the claims up with their data into an archive, and a restore from it fills them on another cluster, verified', async (ctx) => {
    ctx.skip(Boolean(noRuntime), noRuntime);
    const archive = path.join(work, 'with-volumes.tar.gz');
    const target = `${aksNs}-restored`;
    cleanup.push(['gke-lab', target]);
    const volumes = ['--volumes', 'restic', '--repository-env', moverRepositoryEnvPath];
    const backup = await run(['backup', '--context', 'aks-lab', '--namespace', aksNs, '--out', archive, ...volumes]);
    expect(backup.status, backup.report.error ?? JSON.stringify(backup.report.volumes)).toBe(0);
    expect(backup.report.volumes?.map((v) => [v.claim, v.state])).toEqual([0, 1, 2].map((i) => [`data-db-${i}`, 'backed-up']));
    // the archive records, per claim, the data's snapshot and the listing's
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', archive, 'manifest.json'], { encoding: 'utf8' })) as { volumes?: { claim: string; snapshot: string; listing?: string }[] };
    const id = expect.stringMatching(/^[0-9a-f]{64}$/);
    expect(manifest.volumes?.sort((a, b) => a.claim.localeCompare(b.claim))).toEqual([0, 1, 2].map((i) => ({ namespace: aksNs, claim: `data-db-${i}`, snapshot: id, listing: id })));
    const { status, report } = await run(['restore', '--context', 'gke-lab', '--from', archive, '--namespace-map', `${aksNs}=${target}`, ...volumes, '--verify-timeout', '120']);
    expect(status, report.error ?? JSON.stringify(report.volumes)).toBe(0);
    await expectArrived('aks-lab', aksNs, 'gke-lab', target, report);
  }, 1_800_000);

  it('refuses a wrong repository password before anything is written on the target, and never shows a password', async (ctx) => {
    ctx.skip(Boolean(noRuntime), noRuntime);
    const real = readFileSync(moverRepositoryEnvPath, 'utf8');
    const realPassword = /^RESTIC_PASSWORD=(.*)$/m.exec(real)![1];
    const wrong = path.join(work, 'wrong.env');
    writeFileSync(wrong, real.replace(/^RESTIC_PASSWORD=.*$/m, `RESTIC_PASSWORD=wrong-${suffix}`), { mode: 0o600 });
    const target = `${aksNs}-refused`;
    const { status, report, stdout, stderr } = await run(['migrate', '--from-context', 'aks-lab', '--to-context', 'eks-lab', '--namespace', aksNs, '--namespace-map', `${aksNs}=${target}`, '--volumes', 'restic', '--repository-env', wrong]);
    expect(status).toBe(1);
    expect(report.error).toMatch(/refused the password .*nothing was written on the target/);
    expect((await labApi('eks-lab').request('GET', `/api/v1/namespaces/${target}`).then(() => true, () => false))).toBe(false);
    for (const text of [stdout, stderr]) {
      expect(text).not.toContain(`wrong-${suffix}`);
      expect(text).not.toContain(realPassword);
    }
    const sourceSet = await labApi('aks-lab').request<Obj>('GET', `/apis/apps/v1/namespaces/${aksNs}/statefulsets/db`);
    expect(sourceSet.spec!.replicas).toBe(3);
    // the refused check's Job stays for a look, and the report names it; the repository's Secret is removed
    const named = [...report.error!.matchAll(/aks-lab: (Job|Secret) ([^/\s]+)\/([^,)\s]+)/g)].map(([, kind, namespace, name]) => `${kind} ${namespace}/${name}`);
    expect(named).toEqual([expect.stringMatching(new RegExp(`^Job ${aksNs}/fleetdeck-check-`))]);
    expect(await leftMovers('aks-lab', aksNs)).toEqual([named[0].split('/')[1]]);
  }, 300_000);
});
