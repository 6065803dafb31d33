// The lab's object store holds a restic repository the way the volume movers use it: what is
// backed up through it comes back identical (content, modes, symlinks, odd names), its
// credentials are checked, and .state/mover-repository.env is all a run needs.
// LAB_STATE_DIR and LAB_PORT_BASE point it at a second lab.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResticLine, type ResticProgress } from '../src/shared/migration/restic-progress.ts';
import { objectStorePort } from './config.ts';
import { moverRepositoryEnvPath, objectStoreBucket, objectStoreDir, readMoverRepositoryEnv, restic } from './object-store.ts';

interface Entry {
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  sha256?: string;
  size?: number;
  target?: string;
}

/** Every entry under root by relative path: type, permission bits, and the file's sha256 or the link's target. */
function manifest(root: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      const relative = path.relative(root, full);
      const stat = lstatSync(full);
      const mode = stat.mode & 0o7777;
      if (stat.isSymbolicLink()) entries.set(relative, { type: 'symlink', mode: 0, target: readlinkSync(full) });
      else if (stat.isDirectory()) {
        entries.set(relative, { type: 'dir', mode });
        walk(full);
      } else entries.set(relative, { type: 'file', mode, size: stat.size, sha256: createHash('sha256').update(readFileSync(full)).digest('hex') });
    }
  };
  walk(root);
  return entries;
}

const smallFiles = 3_000;
const largeFileBytes = 48 * 1024 ** 2;

/** Many small files, one large file, empty folders, symlinks, names with spaces and non-ASCII characters, several modes. */
function mixedContent(root: string) {
  const file = (relative: string, data: Buffer | string, mode = 0o644) => {
    const full = path.join(root, relative);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, data);
    chmodSync(full, mode);
  };
  for (let i = 0; i < smallFiles; i++) file(`small/${String(i % 30).padStart(2, '0')}/file-${i}.bin`, randomBytes(i % 7 === 0 ? 0 : 1 + ((i * 997) % 8192)));
  file('large.bin', randomBytes(largeFileBytes), 0o600);
  mkdirSync(path.join(root, 'empty'));
  mkdirSync(path.join(root, 'nested/empty/deeper'), { recursive: true });
  file('names/with spaces in it.txt', 'spaces\n');
  file('names/café naïve — ünïcödé.txt', 'accents\n', 0o640);
  file('names/日本語のファイル.txt', 'kanji\n');
  file('names/emoji 🚀.txt', 'rocket\n', 0o444);
  file('bin/run.sh', '#!/bin/sh\necho hi\n', 0o755);
  file('bin/owner-only', 'x', 0o700);
  file('bin/everyone', 'x', 0o777);
  chmodSync(path.join(root, 'bin'), 0o750);
  chmodSync(path.join(root, 'empty'), 0o700);
  symlinkSync('large.bin', path.join(root, 'link to large'));
  symlinkSync('../names/日本語のファイル.txt', path.join(root, 'bin/relative-link'));
  symlinkSync('/nonexistent/target', path.join(root, 'dangling'));
}

const env = () => readMoverRepositoryEnv();

describe('lab object store with restic', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'fleetdeck-object-store-'));
  const source = path.join(work, 'source');
  const target = path.join(work, 'target');
  const prefix = `lab-test-${randomUUID()}`;
  let repository = '';

  beforeAll(() => {
    mkdirSync(source);
    mixedContent(source);
    repository = `s3:http://127.0.0.1:${objectStorePort}/${objectStoreBucket}/${prefix}`;
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    // the store keeps objects as files (and a metadata file per object, named after its key): drop this test's repository
    rmSync(path.join(objectStoreDir, 'buckets', objectStoreBucket, prefix), { recursive: true, force: true });
    const metadata = path.join(objectStoreDir, 'metadata', objectStoreBucket);
    for (const name of readdirSync(metadata).filter((n) => n.startsWith(`${prefix}_`))) rmSync(path.join(metadata, name));
  });

  it('mover-repository.env names the lab store and carries the password and credentials', () => {
    expect(statSync(moverRepositoryEnvPath).mode & 0o777).toBe(0o600);
    const { RESTIC_REPOSITORY, RESTIC_PASSWORD, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = env();
    expect(RESTIC_REPOSITORY).toBe(`s3:http://127.0.0.1:${objectStorePort}/${objectStoreBucket}/repository`);
    expect(RESTIC_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
    expect(AWS_ACCESS_KEY_ID).toMatch(/^LAB[0-9A-F]{16}$/);
    expect(AWS_SECRET_ACCESS_KEY).toMatch(/^[0-9a-f]{48}$/);
    // the lab initialised that repository: it opens with the file's password as it is
    const config = restic(['cat', 'config', '--no-lock']);
    expect(config.stderr).toBe('');
    expect(config.status).toBe(0);
  });

  it('backs up mixed content, restores it elsewhere, and every file, mode and symlink is identical', () => {
    const init = restic(['init'], { RESTIC_REPOSITORY: repository });
    expect(init.status, init.stderr).toBe(0);

    const backup = restic(['backup', '.', '--json', '--host', 'lab-test'], { RESTIC_REPOSITORY: repository }, source);
    expect(backup.status, backup.stderr).toBe(0);
    const lines = backup.stdout.split('\n').map((line) => parseResticLine(line, 'backup'));
    const progress = lines.flatMap((line) => (line?.type === 'progress' ? [line.progress] : []));
    expect(lines.filter((line) => line?.type === 'error')).toEqual([]);
    const summary = progress.at(-1) as ResticProgress;
    expect(summary.done).toBe(true);
    const expected = manifest(source);
    const bytes = [...expected.values()].reduce((sum, e) => sum + (e.size ?? 0), 0);
    const files = [...expected.values()].filter((e) => e.type === 'file').length;
    expect(summary).toMatchObject({ bytesDone: bytes, bytesTotal: bytes, filesDone: files });
    expect(summary.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    // status lines came before the summary, and never went past the total
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((p) => p.bytesDone <= p.bytesTotal)).toBe(true);

    const snapshots = restic(['snapshots', '--json'], { RESTIC_REPOSITORY: repository });
    expect(snapshots.status, snapshots.stderr).toBe(0);
    const listed = JSON.parse(snapshots.stdout) as { id: string; paths: string[]; hostname: string }[];
    expect(listed.map((s) => ({ id: s.id, paths: s.paths, hostname: s.hostname }))).toEqual([{ id: summary.snapshotId, paths: [source], hostname: 'lab-test' }]);

    const restore = restic(['restore', summary.snapshotId!, '--target', target, '--json'], { RESTIC_REPOSITORY: repository });
    expect(restore.status, restore.stderr).toBe(0);
    const restored = restore.stdout.split('\n').map((line) => parseResticLine(line, 'restore')).flatMap((line) => (line?.type === 'progress' ? [line.progress] : []));
    expect(restored.at(-1)).toMatchObject({ done: true, bytesDone: bytes, bytesTotal: bytes });

    const actual = manifest(target);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    const differences = [...expected].filter(([name, entry]) => JSON.stringify(actual.get(name)) !== JSON.stringify(entry)).map(([name]) => name);
    expect(differences).toEqual([]);
    // the checks above look at what they should
    expect(actual.get('link to large')).toEqual({ type: 'symlink', mode: 0, target: 'large.bin' });
    expect(actual.get('names/emoji 🚀.txt')?.mode).toBe(0o444);
    expect(actual.get('bin')).toEqual({ type: 'dir', mode: 0o750 });
    expect(actual.get('nested/empty/deeper')?.type).toBe('dir');
    expect(actual.get('large.bin')?.size).toBe(largeFileBytes);
  });

  it('refuses a wrong secret key and a wrong repository password', () => {
    const badKey = restic(['snapshots', '--json'], { RESTIC_REPOSITORY: repository, AWS_SECRET_ACCESS_KEY: `${env().AWS_SECRET_ACCESS_KEY}x` });
    expect(badKey.status).not.toBe(0);
    expect(badKey.stderr).toMatch(/signature we calculated does not match/);
    const badPassword = restic(['snapshots', '--json'], { RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: 'not the password' });
    // restic 0.17: 12 is "wrong password"
    expect(badPassword.status).toBe(12);
    expect(parseResticLine(badPassword.stderr.trim().split('\n').at(-1)!, 'restore')).toEqual({ type: 'error', message: 'wrong password or no key found', fatal: true });
  });
});
