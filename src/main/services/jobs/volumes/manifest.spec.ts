import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { manifestScript } from '../../../../shared/migration/movers.ts';
import { compareManifests, parseManifests } from './manifest.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'fleetdeck-manifest-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The mover's listing script, run with this machine's sh, find, stat, sha256sum and base64 over a folder standing in for /data. */
function list(dir: string, side: 'S' | 'T'): string {
  const script = manifestScript(side).replace(/^cd \/data/, `cd '${dir}'`);
  const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

function volume(dir: string) {
  mkdirSync(path.join(dir, 'empty folder'), { recursive: true });
  mkdirSync(path.join(dir, 'données/ünïcødé'), { recursive: true });
  writeFileSync(path.join(dir, 'données/ünïcødé/fichier été.txt'), 'bonjour\n');
  writeFileSync(path.join(dir, 'line\nbreak'), 'two lines\nin a name\n');
  writeFileSync(path.join(dir, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  writeFileSync(path.join(dir, 'script.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(path.join(dir, 'script.sh'), 0o750);
  writeFileSync(path.join(dir, 'secret'), 'x');
  chmodSync(path.join(dir, 'secret'), 0o600);
  writeFileSync(path.join(dir, 'empty'), '');
  symlinkSync('données/ünïcødé/fichier été.txt', path.join(dir, 'link to file'));
}

it('lists every file, folder and symlink with names of spaces, newlines and non-ASCII intact, and finds two copies identical', () => {
  const source = path.join(root, 'source');
  const target = path.join(root, 'target');
  volume(source);
  volume(target);
  const { source: s, target: t } = parseManifests(`${list(source, 'S')}some other line\n${list(target, 'T')}`);
  expect([...s.keys()].sort()).toEqual(['big.bin', 'données', 'données/ünïcødé', 'données/ünïcødé/fichier été.txt', 'empty', 'empty folder', 'line\nbreak', 'link to file', 'script.sh', 'secret'].sort());
  expect(s.get('script.sh')).toMatchObject({ type: 'file', mode: 0o750, size: 18 });
  expect(s.get('secret')?.mode).toBe(0o600);
  expect(s.get('empty folder')?.type).toBe('directory');
  expect(s.get('link to file')).toMatchObject({ type: 'symlink', content: 'données/ünïcødé/fichier été.txt' });
  expect(s.get('big.bin')?.content).toBe(spawnSync('sha256sum', [path.join(source, 'big.bin')], { encoding: 'utf8' }).stdout.slice(0, 64));
  expect(compareManifests(s, t)).toEqual({ files: 6, bytes: 3 * 1024 * 1024 + 8 + 20 + 18 + 1, mismatches: 0, named: [] });
});

it('names what differs: content, mode, a symlink target, a missing and an extra entry', () => {
  const source = path.join(root, 'source');
  const target = path.join(root, 'target');
  volume(source);
  volume(target);
  writeFileSync(path.join(target, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 8));
  chmodSync(path.join(target, 'secret'), 0o644);
  rmSync(path.join(target, 'link to file'));
  symlinkSync('elsewhere', path.join(target, 'link to file'));
  rmSync(path.join(target, 'line\nbreak'));
  writeFileSync(path.join(target, 'stray'), '');
  const { source: s, target: t } = parseManifests(list(source, 'S') + list(target, 'T'));
  const result = compareManifests(s, t);
  expect(result.mismatches).toBe(5);
  expect(result.named.sort()).toEqual(
    ['"big.bin": content differs (3145728 bytes, 3145728 on the source)', '"secret": mode 0644, 0600 on the source', '"link to file": points to "elsewhere", not "données/ünïcødé/fichier été.txt"', '"line\\nbreak": missing on the target', '"stray": on the target only'].sort(),
  );
});

it('keeps names that are not UTF-8 apart: two Latin-1 names differing in one byte are two entries, and a change to either is found', () => {
  const source = path.join(root, 'source');
  const target = path.join(root, 'target');
  for (const dir of [source, target]) {
    mkdirSync(dir);
    // 'café' and 'cafè' in Latin-1: both decode as UTF-8 to the same 'caf\uFFFD'
    writeFileSync(Buffer.from(`${dir}/caf\xe9`, 'latin1'), 'one');
    writeFileSync(Buffer.from(`${dir}/caf\xe8`, 'latin1'), dir === source ? 'two' : 'TWO');
  }
  const { source: s, target: t } = parseManifests(list(source, 'S') + list(target, 'T'));
  expect([...s.keys()].sort()).toEqual(['caf\\xe8', 'caf\\xe9']);
  expect(compareManifests(s, t)).toMatchObject({ files: 2, mismatches: 1, named: ['"caf\\\\xe8": content differs (3 bytes, 3 on the source)'] });
});
