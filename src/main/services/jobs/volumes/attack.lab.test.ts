// Adversarial volume content moved for real (node-sim's restic movers, the lab's S3 store): a
// copy verifies without a false mismatch, and a re-run after a killed run leaves the target's
// claim identical to the source's current data, whatever the first run and others left in it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobReport } from '../../../../shared/migration/report.ts';
import { moverRepositoryEnvPath } from '../../../../../lab/object-store.ts';
import { at, fillAdversarial } from '../../../../../test/adversarial-volume.ts';
import { labApi, labKubeconfig } from '../../../../../test/lab.ts';

const cli = path.resolve(import.meta.dirname, '../../../../../bin/fleetdeck.js');
const work = mkdtempSync(path.join(tmpdir(), 'fleetdeck-attack-'));
const env = { ...process.env, FLEETDECK_HOME: path.join(work, 'home') };
const namespace = `atk-${Date.now().toString(36)}`;
const noStore = existsSync(moverRepositoryEnvPath) ? undefined : `${moverRepositoryEnvPath} does not exist: this lab has no S3 store for the movers`;

function run(args: string[], onStarted?: (child: ReturnType<typeof spawn>) => void): Promise<{ status: number; report: JobReport }> {
  const child = spawn(process.execPath, [cli, ...args, '--kubeconfig', labKubeconfig, '--output', 'json'], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  onStarted?.(child);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      let report: JobReport;
      try {
        report = JSON.parse(stdout) as JobReport;
      } catch {
        report = { state: 'Failed', counts: { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 }, items: [], transforms: [], error: `no report (exit ${code}): ${stderr.slice(-2000)}` };
      }
      resolve({ status: code ?? 1, report });
    }),
  );
}

/** A socket left by a database that was killed (the path is relative: a volume's path is longer than a socket's may be). */
async function staleSocket(dir: string, name: string) {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(name)}, () => console.log('up'))`], { cwd: dir });
  await new Promise((up) => child.stdout.once('data', up));
  child.kill('SIGKILL');
  await new Promise((exited) => child.on('exit', exited));
  expect(lstatSync(path.join(dir, name)).isSocket()).toBe(true);
}

/** Every entry but sockets (restic does not restore them): type, mode, and the sha256 of a file or the target of a symlink; names as their bytes. */
function tree(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (relative: Buffer) => {
    for (const name of readdirSync(Buffer.concat([Buffer.from(`${dir}/`), relative]), { encoding: 'buffer' })) {
      const entry = relative.length ? Buffer.concat([relative, Buffer.from('/'), name]) : name;
      const full = Buffer.concat([Buffer.from(`${dir}/`), entry]);
      const stat = lstatSync(full);
      const mode = (stat.mode & 0o7777).toString(8);
      const key = entry.toString('hex');
      if (stat.isSocket()) continue;
      if (stat.isSymbolicLink()) entries.set(key, `link ${readlinkSync(full, { encoding: 'buffer' }).toString('hex')}`);
      else if (stat.isDirectory()) {
        entries.set(key, `dir ${mode}`);
        walk(entry);
      } else if (stat.isFIFO()) entries.set(key, `fifo ${mode}`);
      else entries.set(key, `file ${mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
    }
  };
  walk(Buffer.alloc(0));
  return entries;
}

const statefulSet = async (context: string) => (await labApi(context).statefulSetWithClaims(namespace, { storageClassName: 'managed-csi', image: 'mysql:8.4', mountPath: '/var/lib/mysql' }))[0];

const targets: string[] = [];
let source: string;
beforeAll(async () => {
  if (noStore) return;
  source = await statefulSet('aks-lab');
  fillAdversarial(source);
  await staleSocket(source, 'mysql.sock');
}, 300_000);

afterAll(async () => {
  for (const [context, name] of [['aks-lab', namespace], ...targets.map((t) => ['eks-lab', t])]) await labApi(context).request('DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

const migrate = (target: string) => ['migrate', '--from-context', 'aks-lab', '--to-context', 'eks-lab', '--namespace', namespace, '--namespace-map', `${namespace}=${target}`, '--volumes', 'restic', '--repository-env', moverRepositoryEnvPath, '--verify-timeout', '120'];

it('moves adversarial names, hard links, a sparse file, special modes, a FIFO, a lost+found and a stale socket, and verifies them', async (ctx) => {
  ctx.skip(Boolean(noStore), noStore);
  const target = `${namespace}-a`;
  targets.push(target);
  const { status, report } = await run(migrate(target));
  expect(status, report.error ?? JSON.stringify(report.volumes)).toBe(0);
  expect(report.volumes?.map((v) => [v.claim, v.state, v.verified, v.mismatches, v.mismatched])).toEqual([['data-db-0', 'restored', true, 0, undefined]]);
  expect(tree(await labApi('eks-lab').volumeDir(target, 'data-db-0'))).toEqual(tree(source));
}, 900_000);

it('a re-run after a killed run backs up again and leaves the target identical to the source as it is now, whatever the target claim held', async (ctx) => {
  ctx.skip(Boolean(noStore), noStore);
  const target = `${namespace}-b`;
  targets.push(target);
  const first = await run(migrate(target), (child) => {
    const api = labApi('eks-lab');
    const killWhenRestoring = async () => {
      while (child.exitCode === null) {
        if (await api.request('GET', `/apis/batch/v1/namespaces/${target}/jobs/fleetdeck-restore-data-db-0`).then(() => true, () => false)) return void child.kill('SIGKILL');
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    void killWhenRestoring();
  });
  expect(first.status).not.toBe(0);
  const filled = await labApi('eks-lab').volumeDir(target, 'data-db-0');
  // what the first run may have left half-written, and what someone else put there
  mkdirSync(path.join(filled, 'stale folder', 'inside'), { recursive: true });
  writeFileSync(path.join(filled, 'stale folder', 'inside', 'old'), 'old');
  writeFileSync(path.join(filled, 'stale\nname'), 'old');
  writeFileSync(path.join(filled, 'lost+found-not'), 'x');
  // the writers ran again: changed, removed, added, a mode and a symlink target changed, a type changed
  writeFileSync(at(source, 'tab\there'), 'changed');
  unlinkSync(at(source, Buffer.from('latin\xe8', 'latin1')));
  writeFileSync(path.join(source, 'written after the first backup'), 'new');
  chmodSync(path.join(source, 'setuid'), 0o755);
  unlinkSync(path.join(source, 'link'));
  symlinkSync('elsewhere', path.join(source, 'link'));
  rmSync(path.join(source, 'empty'));
  mkdirSync(path.join(source, 'empty'));
  writeFileSync(path.join(source, 'lost+found', '#4712'), 'recovered again');
  const expected = tree(source);
  const { status, report } = await run(migrate(target));
  expect(status, report.error ?? JSON.stringify(report.volumes)).toBe(0);
  expect(report.volumes?.map((v) => [v.claim, v.state, v.verified, v.mismatches])).toEqual([['data-db-0', 'restored', true, 0]]);
  expect(tree(filled)).toEqual(expected);
}, 1_200_000);
