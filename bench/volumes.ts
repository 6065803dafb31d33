// Volume data moved by `fleetdeck migrate --volumes restic` (issue 20), side by side on the lab:
//   one 2 GiB volume (one file) and one volume of 100,000 files of 4 KiB, aks-lab → eks-lab;
//   Fleetdeck's whole migrate run against the peer, `restic backup` + `restic restore` by hand with
//   the same restic binary and store (goal ≤ 1.25×, the difference being orchestration), and
//   against `tar -cf - | tar -xf -` between two directories (the machine's limit);
//   the Fleetdeck process's peak RSS at both sizes (it must not grow with the volume).
// It measures and prints; it does not assert. Knobs:
//   BENCH_VOLUME_SCALE=0.1     scales both volumes (bytes of the large one, count of the small files)
//   BENCH_VOLUME_CASES=large   runs only some cases (large, small)
// Fairness: restic skips content its repository already holds, so each side (and each case) gets
// a repository of its own, created before the clock starts. Every side reads the same source
// directory, which the bench has just written and synced (so it is in the page cache for all of
// them, and no side shares the disk with its write-back);
// tar and the peer run first. Fleetdeck also hashes every file on both sides (its verification):
// the peer's hashing of source and restored trees (sha256sum) is timed apart and shown too, and
// the same goal is held against restic plus that hashing, the same work done directly. On a
// machine whose sha256sum does not use the CPU's SHA instructions (restic's Go hashing does),
// hashing both trees alone takes a large part of restic's own time, so that the goal against
// restic alone cannot be met by any verified copy there: the bench prints that share.
import { spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { binary } from '../lab/build.ts';
import { clusterByContext, kubeconfigPath } from '../lab/config.ts';
import { LabApi } from '../lab/kube.ts';
import { readMoverRepositoryEnv } from '../lab/object-store.ts';
import type { JobReport } from '../src/shared/migration/report.ts';
import { rowPrinter } from './report.ts';

const root = path.resolve(import.meta.dirname, '..');
const SOURCE = 'aks-lab';
const TARGET = 'eks-lab';
const STORAGE_CLASS = 'managed-csi';
const GOAL = 1.25;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const scale = Number(process.env.BENCH_VOLUME_SCALE ?? 1);
const FOLDERS = 400;

interface Case {
  key: string;
  label: string;
  bytes: number;
  fill: (dir: string) => void;
}

const largeBytes = Math.round(2 * GiB * scale);
const smallFiles = Math.round(100_000 * scale);
const allCases: Case[] = [
  { key: 'large', label: `${(largeBytes / GiB).toFixed(2)} GiB, one file`, bytes: largeBytes, fill: (dir) => fillLarge(dir, largeBytes) },
  { key: 'small', label: `${smallFiles.toLocaleString('en')} files of 4 KiB`, bytes: smallFiles * 4096, fill: (dir) => fillSmall(dir, smallFiles) },
];
const wanted = (process.env.BENCH_VOLUME_CASES ?? 'large,small').split(',');
const cases = allCases.filter((c) => wanted.includes(c.key));
if (!cases.length) throw new Error(`BENCH_VOLUME_CASES: none of ${wanted.join(', ')} is one of ${allCases.map((c) => c.key).join(', ')}`);

const suffix = Date.now().toString(36);
const work = mkdtempSync(path.join(tmpdir(), 'fleetdeck-bench-volumes-'));
const env = { ...process.env, FLEETDECK_HOME: path.join(work, 'home'), PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` };
const repositoryEnv = readMoverRepositoryEnv();
const log = (line: string) => console.error(`bench: ${line}`);
const row = rowPrinter(60, 10, 24);
const seconds = (since: number) => (performance.now() - since) / 1000;
const api = (context: string) => new LabApi(clusterByContext(context));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Random bytes (not zeros: restic would deduplicate and compress those away), written in 16 MiB blocks. */
function fillLarge(dir: string, bytes: number) {
  const block = Buffer.alloc(16 * MiB);
  const fd = openSync(path.join(dir, 'large.bin'), 'w');
  try {
    for (let left = bytes; left > 0; left -= block.length) writeSync(fd, randomFillSync(block), 0, Math.min(left, block.length));
  } finally {
    closeSync(fd);
  }
}

function fillSmall(dir: string, files: number) {
  const block = Buffer.alloc(4096);
  for (let i = 0; i < files; i++) {
    const folder = path.join(dir, `d${i % FOLDERS}`);
    if (i < FOLDERS) mkdirSync(folder);
    writeFileSync(path.join(folder, `f${i}`), randomFillSync(block));
  }
}

/** A namespace with a 1-replica StatefulSet mounting one claim; the claim's directory once bound. */
async function workload(namespace: string, bytes: number): Promise<string> {
  const [dir] = await api(SOURCE).statefulSetWithClaims(namespace, { storageClassName: STORAGE_CLASS, storage: `${Math.max(1, Math.ceil((bytes * 1.5) / GiB))}Gi` });
  return dir;
}

/** The lab's restic binary on a repository of its own (a path next to the lab's repository in the same store). */
function restic(repository: string, args: string[]) {
  const result = spawnSync(binary('restic'), args, { env: { ...process.env, ...repositoryEnv, RESTIC_REPOSITORY: repository, RESTIC_CACHE_DIR: path.join(work, 'restic-cache') }, encoding: 'utf8', maxBuffer: 256 * MiB });
  if (result.status !== 0) throw new Error(`restic ${args[0]} on ${repository} failed (${result.status}): ${result.stderr.slice(-500)}`);
  return result.stdout;
}

function sh(script: string): string {
  const result = spawnSync('sh', ['-c', script], { encoding: 'utf8', maxBuffer: 256 * MiB });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status}): ${result.stderr.slice(-500)}`);
  return result.stdout;
}

/** sha256 of every file, by relative path, sorted: what the peer compares to know the copy is whole. */
const hashes = (dir: string) => sh(`cd '${dir}' && find . -type f -print0 | sort -z | xargs -0 -r sha256sum`);

/** The snapshots are forgotten and pruned: the store keeps only the repository's few small config and key files. */
function emptyRepository(repository: string) {
  const ids = (JSON.parse(restic(repository, ['snapshots', '--json'])) as { id: string }[]).map((s) => s.id);
  if (ids.length) restic(repository, ['forget', '--prune', ...ids]);
}

interface Run {
  status: number;
  seconds: number;
  peakRssMiB: number;
  report?: JobReport;
  stderr: string;
  /** when each phase the CLI printed was first seen, seconds from the start */
  phases: [string, number][];
}

/** The CLI as a user runs it (through its shebang); peak RSS of that process from GNU time; stderr lines timed as they come. */
function fleetdeck(args: string[]): Promise<Run> {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'bench-peak-rss-kb %M', path.join(root, 'bin/fleetdeck.js'), ...args, '--kubeconfig', kubeconfigPath, '--output', 'json'], { env });
  let stdout = '';
  let stderr = '';
  let partial = '';
  const phases: [string, number][] = [];
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      // "fleetdeck: volumes: backing up · …" / "fleetdeck: volume ns/data-db-0 backup 40% …": the phase without its figures
      const phase = /^fleetdeck: (volume \S+ \w+|[^·\d]+)/.exec(line)?.[1]?.trim();
      if (phase && !phases.some(([p]) => p === phase)) phases.push([phase, seconds(started)]);
    }
  });
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const rss = /bench-peak-rss-kb (\d+)/.exec(stderr);
      let report: JobReport | undefined;
      try {
        report = JSON.parse(stdout) as JobReport;
      } catch {
        report = undefined;
      }
      resolve({ status: code ?? 1, seconds: seconds(started), peakRssMiB: rss ? Number(rss[1]) / 1024 : NaN, ...(report ? { report } : {}), stderr, phases });
    }),
  );
}

async function removeNamespace(context: string, namespace: string) {
  const lab = api(context);
  await lab.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(1000)) {
    if (!(await lab.request('GET', `/api/v1/namespaces/${namespace}`).then(() => true, () => false))) return;
  }
  log(`${context} namespace ${namespace} still exists 180 s after it was deleted`);
}

const ratio = (ours: number, peer: number) => `${(ours / peer).toFixed(2)}×`;
const results: { label: string; ours?: Run; peer: number; peerBackup: number; peerHash: number; tar: number; error?: string }[] = [];
const baseRepository = repositoryEnv.RESTIC_REPOSITORY.replace(/\/+$/, '');
const repositories: string[] = [];
const namespaces: [string, string][] = [];
const dataDirs: string[] = [];

log(`work directory ${work}; scale ${scale}`);
try {
  for (const c of cases) {
    const namespace = `bench-vol-${c.key}-${suffix}`;
    const targetNamespace = `${namespace}-moved`;
    namespaces.push([SOURCE, namespace], [TARGET, targetNamespace]);
    log(`${c.label}: a StatefulSet with its claim in ${SOURCE} ${namespace}…`);
    const source = await workload(namespace, c.bytes);
    dataDirs.push(source);
    let started = performance.now();
    c.fill(source);
    // written back to disk before anything is timed: the first side timed would otherwise share the disk with the write-back
    sh('sync');
    log(`${c.label}: written into ${source} and synced in ${seconds(started).toFixed(1)} s`);

    // the machine's limit: one process reads, one writes, through a pipe
    const tarTarget = path.join(work, `tar-${c.key}`);
    mkdirSync(tarTarget);
    started = performance.now();
    sh(`tar -C '${source}' -cf - . | tar -C '${tarTarget}' -xf -`);
    const tar = seconds(started);
    rmSync(tarTarget, { recursive: true, force: true });
    log(`${c.label}: tar | tar ${tar.toFixed(1)} s`);

    // the peer: restic by hand, on a repository of its own
    const peerRepository = `${baseRepository}-bench-${suffix}-peer-${c.key}`;
    repositories.push(peerRepository);
    restic(peerRepository, ['init']);
    const peerTarget = path.join(work, `peer-${c.key}`);
    started = performance.now();
    restic(peerRepository, ['backup', source, '--host', 'bench']);
    const peerBackup = seconds(started);
    restic(peerRepository, ['restore', 'latest', '--target', peerTarget]);
    const peer = seconds(started);
    started = performance.now();
    const whole = hashes(source) === hashes(path.join(peerTarget, source));
    const peerHash = seconds(started);
    rmSync(peerTarget, { recursive: true, force: true });
    if (!whole) throw new Error(`${c.label}: the peer's restore differs from the source (sha256sum)`);
    log(`${c.label}: restic backup ${peerBackup.toFixed(1)} s + restore ${(peer - peerBackup).toFixed(1)} s, sha256sum of both trees ${peerHash.toFixed(1)} s`);

    // Fleetdeck, on a repository of its own too
    const oursRepository = `${baseRepository}-bench-${suffix}-ours-${c.key}`;
    repositories.push(oursRepository);
    restic(oursRepository, ['init']);
    const envFile = path.join(work, `ours-${c.key}.env`);
    writeFileSync(envFile, Object.entries({ ...repositoryEnv, RESTIC_REPOSITORY: oursRepository }).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
    log(`${c.label}: fleetdeck migrate ${SOURCE} → ${TARGET}…`);
    const ours = await fleetdeck(['migrate', '--from-context', SOURCE, '--to-context', TARGET, '--namespace', namespace, '--namespace-map', `${namespace}=${targetNamespace}`, '--volumes', 'restic', '--repository-env', envFile]);
    const volume = ours.report?.volumes?.[0];
    const error =
      ours.status !== 0 ? `exit ${ours.status}: ${ours.report?.error ?? ours.stderr.split('\n').filter((l) => !l.startsWith('bench-peak-rss-kb')).slice(-3).join(' / ')}` : volume?.state !== 'restored' || !volume.verified ? `volume not restored and verified: ${JSON.stringify(volume ?? null)}` : undefined;
    results.push({ label: c.label, ours, peer, peerBackup, peerHash, tar, ...(error ? { error } : {}) });
    log(`${c.label}: fleetdeck ${ours.seconds.toFixed(1)} s (movers' backup + restore + verify ${volume?.seconds ?? '?'} s), peak RSS ${ours.peakRssMiB.toFixed(0)} MiB${error ? `, FAILED: ${error}` : ''}`);
    log(`${c.label}: phases first seen (s from start): ${ours.phases.map(([p, s]) => `${p} @${s.toFixed(1)}`).join('; ')}`);
    // one look: a failed run may have left no bound claim
    const target = await api(TARGET).volumeDir(targetNamespace, 'data-db-0', 0).catch(() => undefined);
    if (target) dataDirs.push(target);
  }
} catch (error) {
  process.exitCode = 1;
  log(`failed: ${(error as Error).message}`);
} finally {
  log('cleaning up: namespaces, repositories, work directory…');
  for (const [context, namespace] of namespaces) await removeNamespace(context, namespace);
  for (const repository of repositories) {
    try {
      emptyRepository(repository);
    } catch (error) {
      log(`could not empty ${repository}: ${(error as Error).message}`);
    }
  }
  // node-sim's provisioner removes a deleted claim's directory (reclaim policy Delete)
  for (const deadline = Date.now() + 60_000; dataDirs.some(existsSync) && Date.now() < deadline; ) await sleep(1000);
  for (const dir of dataDirs.filter(existsSync)) log(`the volume directory ${dir} is still there after its namespace was deleted`);
  rmSync(work, { recursive: true, force: true });
}

console.log();
row('measure', 'Fleetdeck', 'peer / limit', 'ratio');
for (const r of results) {
  if (!r.ours || r.error) {
    row(`${r.label}: migrate`, 'FAILED', '', r.error);
    continue;
  }
  const ours = r.ours.seconds;
  const moverSeconds = r.ours.report?.volumes?.[0]?.seconds;
  const goal = (peer: number) => `${ratio(ours, peer)} goal ${ours / peer <= GOAL ? 'met' : 'NOT met'}`;
  row(`${r.label}: migrate vs restic backup + restore`, `${ours.toFixed(1)} s`, `${r.peerBackup.toFixed(1)} + ${(r.peer - r.peerBackup).toFixed(1)} s (≤ ${GOAL}×)`, goal(r.peer));
  row(`${r.label}: sha256sum of both trees, alone`, `${r.peerHash.toFixed(1)} s`, `${r.peer.toFixed(1)} s`, `${ratio(r.peerHash, r.peer)} of restic's time`);
  row(`${r.label}: migrate vs restic + sha256sum`, `${ours.toFixed(1)} s`, `${(r.peer + r.peerHash).toFixed(1)} s (≤ ${GOAL}×)`, `${goal(r.peer + r.peerHash)} (the same work)`);
  row(`${r.label}: migrate vs tar | tar`, `${ours.toFixed(1)} s`, `${r.tar.toFixed(1)} s`, ratio(ours, r.tar));
  if (moverSeconds !== undefined) row(`${r.label}: of it in mover Jobs (report)`, `${moverSeconds} s`, '', `${((100 * moverSeconds) / ours).toFixed(0)}% of the run`);
  row(`${r.label}: Fleetdeck peak RSS`, `${r.ours.peakRssMiB.toFixed(0)} MiB`);
}
const measured = results.filter((r) => r.ours && !r.error);
if (measured.length === 2) row(`peak RSS: ${measured[1].label} vs ${measured[0].label}`, `${measured[1].ours!.peakRssMiB.toFixed(0)} MiB`, `${measured[0].ours!.peakRssMiB.toFixed(0)} MiB`, `${ratio(measured[1].ours!.peakRssMiB, measured[0].ours!.peakRssMiB)} (flat is 1.00×)`);
if (results.some((r) => r.error)) process.exitCode = 1;
