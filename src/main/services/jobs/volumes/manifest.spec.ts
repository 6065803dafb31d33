import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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

/** busybox's applets, as the mover image (Alpine) has them; Debian's busybox package provides them here */
const busybox = (() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-busybox-'));
  const installed = spawnSync('busybox', ['--install', '-s', dir]);
  return installed.status === 0 ? dir : undefined;
})();

const maxBuffer = 64 * 2 ** 20;

/**
 * The mover's listing script over a folder standing in for /data, run with this machine's sh and
 * coreutils, or with busybox's sh, find, stat, sha256sum, readlink and base64 only.
 */
function list(dir: string, side: 'S' | 'T', tools: 'coreutils' | 'busybox' = 'coreutils'): string {
  const script = manifestScript(side).replace(/^cd \/data/, `cd '${dir}'`);
  const result = tools === 'busybox' ? spawnSync(path.join(busybox!, 'sh'), ['-c', script], { encoding: 'utf8', env: { PATH: busybox! }, maxBuffer }) : spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', maxBuffer });
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

it.runIf(busybox)('lists the same with busybox (the mover image is Alpine) as with coreutils, names with backslashes and newlines in folders included', () => {
  const dir = path.join(root, 'volume');
  volume(dir);
  mkdirSync(path.join(dir, 'a\\b\nfolder'));
  writeFileSync(path.join(dir, 'a\\b\nfolder', 'inside'), 'x');
  writeFileSync(path.join(dir, 'back\\slash'), 'y');
  const withCoreutils = parseManifests(list(dir, 'S'));
  const withBusybox = parseManifests(list(dir, 'S', 'busybox'));
  expect(withBusybox).toEqual(withCoreutils);
  expect(withBusybox.source.get('a\\b\nfolder/inside')).toMatchObject({ type: 'file', size: 1 });
  expect(withBusybox.source.get('back\\slash')?.content).toBe(spawnSync('sha256sum', [path.join(dir, 'back\\slash')], { encoding: 'utf8' }).stdout.split(' ')[0].replace(/^\\/, ''));
  expect(withBusybox.complete).toEqual({ source: true, target: false });
});

it('reads a listing of many batches, an empty volume, and says when a listing was cut short', () => {
  // find hands sh at most about 128 KiB to 2 MiB of names at a time: 20,000 long names take several batches
  const dir = path.join(root, 'many');
  for (let i = 0; i < 200; i++) {
    const sub = path.join(dir, `folder-${i}-${'x'.repeat(60)}`);
    mkdirSync(sub, { recursive: true });
    for (let j = 0; j < 100; j++) writeFileSync(path.join(sub, `file-${j}-${'y'.repeat(60)}`), `${i}/${j}`);
  }
  const text = list(dir, 'S');
  // several batches (each starts with its N lines after another kind), in short lines: a container runtime splits long ones
  expect(text.match(/^S M .*\nS N /gm)!.length).toBeGreaterThan(0);
  expect(text.split('\n').reduce((longest, l) => Math.max(longest, l.length), 0)).toBeLessThan(200);
  const { source, complete } = parseManifests(text);
  expect(source.size).toBe(200 + 20_000);
  expect(source.get(`folder-7-${'x'.repeat(60)}/file-3-${'y'.repeat(60)}`)?.content).toBe(createHash('sha256').update('7/3').digest('hex'));
  expect(complete.source).toBe(true);
  // a log that lost its last lines (a rotated container log) is not taken for a whole listing
  expect(parseManifests(text.slice(0, text.length / 2)).complete.source).toBe(false);
  const empty = path.join(root, 'empty');
  mkdirSync(empty);
  expect(parseManifests(list(empty, 'T'))).toEqual({ source: new Map(), target: new Map(), complete: { source: false, target: true } });
}, 120_000);

