// backup and restore on archive paths that cannot be used: each is one Failed report (stdout) and
// one line (stderr), exit 1, before the cluster is asked.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobReport } from '../../shared/migration/report.ts';
import { ArchiveWriter } from '../services/jobs/archive.ts';
import { run } from './index.ts';

let dir: string;
let kubeconfig: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-cli-jobs-'));
  vi.stubEnv('FLEETDECK_HOME', path.join(dir, 'home'));
  vi.stubEnv('KUBECONFIG', '');
  // the note that a backup without --passphrase-file uses this machine's key
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  kubeconfig = path.join(dir, 'kubeconfig');
  // a cluster nothing listens on: these runs must fail before they connect
  await writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: lab, context: {cluster: c, user: u}}, {name: broken, context: {cluster: gone, user: u}}]\ncurrent-context: lab\n', { mode: 0o600 });
});
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** One CLI run with --output json: its exit code, report and stderr lines. */
async function fleetdeck(...args: string[]): Promise<{ exitCode: number; report: JobReport; errors: string[] }> {
  const result = await run([...args, '--kubeconfig', kubeconfig, '--output', 'json']);
  const output = typeof result.output === 'string' ? result.output : [...result.output].join('');
  return { exitCode: result.exitCode, report: JSON.parse(output) as JobReport, errors: result.errors };
}
const failed = (message: string) => ({ exitCode: 1, report: expect.objectContaining({ state: 'Failed', error: message }), errors: [message] });

/** An archive written without a key: unsigned. */
async function unsignedArchive(file: string): Promise<void> {
  const writer = await ArchiveWriter.create(file);
  await writer.add({ resource: 'configmaps', group: '', namespace: 'shop', name: 'settings', apiVersion: 'v1', kind: 'ConfigMap' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' } });
  await writer.finish({ source: { context: 'prod', cloud: 'aks' }, selection: { namespaces: ['shop'] } });
}

describe('fleetdeck backup and restore on bad archive paths', () => {
  it('--out into a missing folder: a Failed report with one line, before the cluster is asked', async () => {
    const out = path.join(dir, 'missing', 'shop.tar.gz');
    expect(await fleetdeck('backup', '--context', 'lab', '--out', out)).toEqual(failed(`cannot write ${out}: the folder ${path.dirname(out)} does not exist`));
  });

  it('--out naming an existing archive: refused, the archive kept', async () => {
    const file = path.join(dir, 'backup.tar.gz');
    await writeFile(file, 'an earlier archive');
    expect(await fleetdeck('backup', '--context', 'lab', '--out', file)).toEqual(failed(`${file} already exists: Fleetdeck never overwrites an archive; choose another name or delete it first`));
    expect(await readFile(file, 'utf8')).toBe('an earlier archive');
  });

  it('--from naming a folder, or a file that is no archive: a Failed report with one line', async () => {
    expect(await fleetdeck('restore', '--context', 'lab', '--from', dir)).toEqual(failed(`${dir} is a folder, not an archive`));
    const file = path.join(dir, 'notes.tar.gz');
    await writeFile(file, 'not gzip\nat all');
    expect(await fleetdeck('restore', '--context', 'lab', '--from', file, '--allow-unsigned')).toEqual(failed(`${file} is truncated or not a gzip tar archive: incorrect header check`));
  });

  it('--allow-unsigned is what lets an unsigned archive through', async () => {
    const file = path.join(dir, 'unsigned.tar.gz');
    await unsignedArchive(file);
    expect((await fleetdeck('restore', '--context', 'broken', '--from', file)).report.error).toMatch(/is not signed: .* with --allow-unsigned$/);
    // allowed, it gets as far as the target context, which has no cluster: the problem as the kubeconfig check words it, once
    expect(await fleetdeck('restore', '--context', 'broken', '--from', file, '--allow-unsigned')).toEqual(failed('context "broken" references missing cluster "gone"'));
  });
});

describe('fleetdeck --volumes restic --repository-env', () => {
  it('refuses a repository the clusters cannot reach, before the cluster is asked, without printing the password', async () => {
    const env = path.join(dir, 'movers.env');
    await writeFile(env, 'RESTIC_REPOSITORY=/srv/restic\nRESTIC_PASSWORD=hunter2-horse\n', { mode: 0o600 });
    const result = await fleetdeck('migrate', '--from-context', 'lab', '--to-context', 'broken', '--volumes', 'restic', '--repository-env', env);
    expect(result).toEqual(failed(`${env}: RESTIC_REPOSITORY must be a repository both clusters reach, starting with s3:, gs:, azure:, rest: (a local path or sftp: is not reachable from the clusters' pods)`));
    expect(JSON.stringify(result)).not.toContain('hunter2');
    const missing = await fleetdeck('backup', '--context', 'lab', '--out', path.join(dir, 'b.tar.gz'), '--volumes', 'restic', '--repository-env', path.join(dir, 'none.env'));
    expect(missing.report.error).toBe(`cannot read --repository-env ${path.join(dir, 'none.env')}: ENOENT`);
  });
});
