import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { sourceListingScript, verifyScript } from '../../../../shared/migration/movers.ts';
import { readVerification } from './manifest.ts';

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

type Tools = 'coreutils' | 'busybox';

/** A mover's script over folders standing in for /data and /fleetdeck, with this machine's sh and coreutils, or with busybox's applets only. */
function run(script: string, tools: Tools): string {
  const result = tools === 'busybox' ? spawnSync(path.join(busybox!, 'sh'), ['-c', script], { encoding: 'utf8', env: { PATH: busybox! } }) : spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** The backup's listing of `source`, then the restore's verify container over `target`: its log, and the listing kept in the snapshot. */
function verify(source: string, target: string, tools: Tools = 'coreutils'): { log: string; listing: string } {
  const meta = mkdtempSync(path.join(root, 'meta-'));
  run(sourceListingScript({ data: source, meta }), tools);
  return { log: run(verifyScript({ data: target, meta }), tools), listing: readFileSync(path.join(meta, 'listing'), 'utf8') };
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
  writeFileSync(path.join(dir, 'back\\slash and\ttab'), 'y');
  symlinkSync('données/ünïcødé/fichier été.txt', path.join(dir, 'link to file'));
}

const BYTES = 3 * 1024 * 1024 + 8 + 20 + 18 + 1 + 1;

it('finds two copies identical: names with spaces, tabs, backslashes, newlines and non-ASCII, modes, a symlink; a lost+found on one side only is the file system’s', () => {
  const source = path.join(root, 'source');
  const target = path.join(root, 'target');
  volume(source);
  volume(target);
  mkdirSync(path.join(target, 'lost+found'));
  const { log, listing } = verify(source, target);
  expect(readVerification(log)).toEqual({ files: 7, bytes: BYTES, mismatches: 0, named: [] });
  // the listing kept in the snapshot: one sorted line per entry
  const sha = (file: string) => spawnSync('sha256sum', [path.join(source, file)], { encoding: 'utf8' }).stdout.replace(/^\\/, '').slice(0, 64);
  const owner = `${process.getuid!()}:${process.getgid!()}`;
  expect(listing.split('\n')).toEqual(expect.arrayContaining([`d 755:${owner} - - ./empty folder`, `f 750:${owner} 18 ${sha('script.sh')} ./script.sh`, `f 600:${owner} 1 ${sha('secret')} ./secret`, `f 644:${owner} 1 ${sha('back\\slash and\ttab')} ./back\\slash and\ttab`]));
  expect(listing.split('\n').filter(Boolean)).toHaveLength(11);
  expect([...listing.trimEnd().split('\n')].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(listing.trimEnd().split('\n'));
});

it('names what differs: content, mode, a symlink target, a type, a missing and an extra entry', () => {
  const source = path.join(root, 'source');
  const target = path.join(root, 'target');
  volume(source);
  volume(target);
  writeFileSync(path.join(target, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 8));
  chmodSync(path.join(target, 'secret'), 0o644);
  rmSync(path.join(target, 'link to file'));
  symlinkSync('elsewhere', path.join(target, 'link to file'));
  rmSync(path.join(target, 'line\nbreak'));
  rmSync(path.join(target, 'empty'));
  mkdirSync(path.join(target, 'empty'));
  writeFileSync(path.join(target, 'stray'), '');
  const result = readVerification(verify(source, target).log);
  expect(result).toMatchObject({ files: 7, bytes: BYTES, mismatches: 6 });
  expect('named' in result && result.named.sort()).toEqual(
    [
      '"big.bin": content differs (3145728 bytes, 3145728 on the source)',
      '"secret": mode 0644, 0600 on the source',
      '"link to file": points to "elsewhere", not "données/ünïcødé/fichier été.txt"',
      '"line\\nbreak": missing on the target',
      '"empty": a directory on the target, a file on the source',
      '"stray": on the target only',
    ].sort(),
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
  expect(readVerification(verify(source, target).log)).toEqual({ files: 2, bytes: 6, mismatches: 1, named: ['"caf\\\\xe8": content differs (3 bytes, 3 on the source)'] });
});

it.runIf(busybox)('lists and compares the same with busybox (the mover image is Alpine) as with coreutils', () => {
  const source = path.join(root, 'source');
  const target = path.join(root, 'target');
  volume(source);
  volume(target);
  mkdirSync(path.join(source, 'a\\b\nfolder'));
  writeFileSync(path.join(source, 'a\\b\nfolder', 'inside'), 'x');
  chmodSync(path.join(target, 'script.sh'), 0o700);
  const withCoreutils = verify(source, target);
  const withBusybox = verify(source, target, 'busybox');
  expect(withBusybox.listing).toBe(withCoreutils.listing);
  expect(readVerification(withBusybox.log)).toEqual(readVerification(withCoreutils.log));
  expect(readVerification(withBusybox.log)).toMatchObject({ mismatches: 3, named: expect.arrayContaining(['"a\\\\b\\nfolder/inside": missing on the target', '"script.sh": mode 0700, 0750 on the source']) });
});

it('keeps the log short however many entries the volume has: 20,000 files, 25 different, 10 of them named; an empty volume; a log cut short; a snapshot without a listing', () => {
  const source = path.join(root, 'many');
  const target = path.join(root, 'copy');
  for (const dir of [source, target]) {
    for (let i = 0; i < 200; i++) {
      const sub = path.join(dir, `folder-${i}-${'x'.repeat(60)}`);
      mkdirSync(sub, { recursive: true });
      for (let j = 0; j < 100; j++) writeFileSync(path.join(sub, `file-${j}-${'y'.repeat(60)}`), dir === target && i === 7 && j < 25 ? 'changed' : `${i}/${j}`);
    }
  }
  const { log, listing } = verify(source, target);
  expect(listing.split('\n').filter(Boolean)).toHaveLength(20_200);
  expect(log.length).toBeLessThan(8_000);
  const result = readVerification(log);
  expect(result).toMatchObject({ files: 20_000, mismatches: 25 });
  expect('named' in result && result.named).toHaveLength(10);
  // a log that lost its last lines is not taken for a whole verification
  expect(readVerification(log.slice(0, log.indexOf('V C')))).toEqual({ problem: 'cut-short' });
  const empty = path.join(root, 'empty');
  mkdirSync(empty);
  expect(readVerification(verify(empty, empty).log)).toEqual({ files: 0, bytes: 0, mismatches: 0, named: [] });
  // a snapshot taken by an older Fleetdeck holds no listing
  const meta = mkdtempSync(path.join(root, 'meta-'));
  expect(readVerification(run(verifyScript({ data: empty, meta }), 'coreutils'))).toEqual({ problem: 'no-listing' });
}, 120_000);
