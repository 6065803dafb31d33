// Adversarial volume content against the listing and the in-pod comparison (movers.ts
// sourceListingScript, verifyScript): a copy of identical content verifies, and every real
// difference is named, with coreutils and with busybox (the mover image is Alpine).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sourceListingScript, verifyScript } from '../../../../shared/migration/movers.ts';
import { at, DEEP, fillAdversarial, SPARSE_BYTES } from '../../../../../test/adversarial-volume.ts';
import { readVerification, type Verification } from './manifest.ts';

let root: string;
const servers: Server[] = [];
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'fleetdeck-attack-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
  rmSync(root, { recursive: true, force: true });
});

const busybox = (() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-busybox-'));
  return spawnSync('busybox', ['--install', '-s', dir]).status === 0 ? dir : undefined;
})();
const toolsets = ['coreutils', ...(busybox ? ['busybox'] : [])] as const;
type Tools = (typeof toolsets)[number];

function run(script: string, tools: Tools): string {
  const result = tools === 'busybox' ? spawnSync(path.join(busybox!, 'sh'), ['-c', script], { encoding: 'utf8', env: { PATH: busybox! } }) : spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

function verify(source: string, target: string, tools: Tools): Verification {
  const meta = mkdtempSync(path.join(root, 'meta-'));
  run(sourceListingScript({ data: source, meta }), tools);
  return readVerification(run(verifyScript({ data: target, meta }), tools));
}

/** The shared adversarial volume, in a new folder. */
function adversarial(dir: string) {
  mkdirSync(dir);
  fillAdversarial(dir);
}

/** A socket, as a database leaves in its data folder; open until the test ends (closing one removes it). */
async function socket(file: string) {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((listening) => server.listen(file, listening));
}

describe.each(toolsets)('with %s', (tools) => {
  it('finds a copy of adversarial names, hard links, a sparse file, special modes, a FIFO, symlink loops and lost+found identical', () => {
    adversarial(path.join(root, 'source'));
    adversarial(path.join(root, 'target'));
    expect(verify(path.join(root, 'source'), path.join(root, 'target'), tools)).toMatchObject({ files: 35, mismatches: 0, named: [] });
  });

  const changes: [string, (dir: string) => void, string][] = [
    ['a byte of a name with a tab', (d) => writeFileSync(at(d, 'tab\there'), 'X'), '"tab\\there": content differs (1 bytes, 1 on the source)'],
    ['a byte of a name with a CR', (d) => writeFileSync(at(d, 'cr at end\r'), 'X'), '"cr at end\\r": content differs (1 bytes, 1 on the source)'],
    ['a byte of a name with \\n as two characters', (d) => writeFileSync(at(d, 'back\\nslash'), 'X'), '"back\\\\nslash": content differs (1 bytes, 1 on the source)'],
    ['a byte of a name ending in a backslash', (d) => writeFileSync(at(d, 'trailing\\'), 'X'), '"trailing\\\\": content differs (1 bytes, 1 on the source)'],
    ['a byte of a name starting with =', (d) => writeFileSync(at(d, '='), 'XY'), '"=": content differs (2 bytes, 2 on the source)'],
    ['a byte of a name that is a newline', (d) => writeFileSync(at(d, '\n'), 'XY'), '"\\n": content differs (2 bytes, 2 on the source)'],
    ['a byte of one of two Latin-1 names', (d) => writeFileSync(at(d, Buffer.from('latin\xe8', 'latin1')), 'XY'), '"latin\\\\xe8": content differs (2 bytes, 2 on the source)'],
    ['a byte of the NFD name', (d) => writeFileSync(at(d, 'unie\u0301'), 'XYZ'), '"unie\u0301": content differs (3 bytes, 3 on the source)'],
    ['a byte deep down', (d) => writeFileSync(path.join(d, DEEP, 'file'), 'DEEP'), `"${DEEP}/file": content differs (4 bytes, 4 on the source)`],
    ['one of two hard links broken and changed', (d) => (unlinkSync(path.join(d, 'hard 2')), writeFileSync(path.join(d, 'hard 2'), 'HARD')), '"hard 2": content differs (4 bytes, 4 on the source)'],
    ['a byte in a sparse file', (d) => writeFileSync(path.join(d, 'sparse'), Buffer.alloc(SPARSE_BYTES, 0).fill(1, 5, 6)), `"sparse": content differs (${SPARSE_BYTES} bytes, ${SPARSE_BYTES} on the source)`],
    ['the setuid bit', (d) => chmodSync(path.join(d, 'setuid'), 0o755), '"setuid": mode 0755, 4755 on the source'],
    ['the sticky bit', (d) => chmodSync(path.join(d, 'sticky'), 0o777), '"sticky": mode 0777, 1777 on the source'],
    ['an empty file missing', (d) => unlinkSync(path.join(d, 'empty')), '"empty": missing on the target'],
    ['the FIFO missing', (d) => unlinkSync(path.join(d, 'fifo')), '"fifo": missing on the target'],
    ['a file named with a newline extra', (d) => writeFileSync(path.join(d, 'extra\n'), ''), '"extra\\n": on the target only'],
    ['a symlink target with a newline', (d) => (unlinkSync(path.join(d, 'link')), symlinkSync('target\nwith a newlinE', path.join(d, 'link'))), '"link": points to "target\\nwith a newlinE", not "target\\nwith a newline"'],
    ['a symlink target that lost its newline', (d) => (unlinkSync(path.join(d, 'link ending in a newline')), symlinkSync('target', path.join(d, 'link ending in a newline'))), '"link ending in a newline": points to "target", not "target\\n"'],
    ['a loop made a self-loop', (d) => (unlinkSync(path.join(d, 'loop 1')), symlinkSync('loop 1', path.join(d, 'loop 1'))), '"loop 1": points to "loop 1", not "loop 2"'],
    ['a file turned into a symlink', (d) => (unlinkSync(path.join(d, 'empty')), symlinkSync('x', path.join(d, 'empty'))), '"empty": a symlink on the target, a file on the source'],
  ];
  it.each(changes)('names %s', (_, change, named) => {
    adversarial(path.join(root, 'source'));
    adversarial(path.join(root, 'target'));
    change(path.join(root, 'target'));
    expect(verify(path.join(root, 'source'), path.join(root, 'target'), tools)).toMatchObject({ mismatches: 1, named: [named] });
  });

  it.runIf(process.getuid?.() === 0)('names an owner changed, of a file and of a folder (a database refuses a data folder that is not its user\'s)', () => {
    for (const dir of ['source', 'target']) {
      mkdirSync(path.join(root, dir, 'pgdata'), { recursive: true });
      writeFileSync(path.join(root, dir, 'pgdata', 'PG_VERSION'), '16');
    }
    chownSync(path.join(root, 'target', 'pgdata'), 999, 999);
    chownSync(path.join(root, 'target', 'pgdata', 'PG_VERSION'), 999, 0);
    chmodSync(path.join(root, 'target', 'pgdata', 'PG_VERSION'), 0o600);
    expect(verify(path.join(root, 'source'), path.join(root, 'target'), tools)).toMatchObject({
      mismatches: 2,
      named: expect.arrayContaining([`"pgdata": owner 999:999, 0:${process.getgid!()} on the source`, `"pgdata/PG_VERSION": mode 0600, 0644 on the source; owner 999:0, 0:${process.getgid!()} on the source`]),
    });
  });

  it('leaves sockets out: restic does not restore them, and they hold no data', async () => {
    for (const dir of ['source', 'target']) mkdirSync(path.join(root, dir));
    writeFileSync(path.join(root, 'source', 'ibdata'), 'rows');
    writeFileSync(path.join(root, 'target', 'ibdata'), 'rows');
    await socket(path.join(root, 'source', 'mysql.sock'));
    await socket(path.join(root, 'source', 'sock\nwith a newline'));
    expect(verify(path.join(root, 'source'), path.join(root, 'target'), tools)).toEqual({ files: 1, bytes: 4, mismatches: 0, named: [] });
  });

  it('compares what a lost+found holds (restic copies it), though not the folder itself', () => {
    for (const dir of ['source', 'target']) {
      mkdirSync(path.join(root, dir, 'lost+found', 'sub'), { recursive: true });
      writeFileSync(path.join(root, dir, 'lost+found', '#1234'), 'recovered');
      writeFileSync(path.join(root, dir, 'lost+found', 'sub', 'kept'), 'kept');
    }
    chmodSync(path.join(root, 'target', 'lost+found'), 0o700);
    expect(verify(path.join(root, 'source'), path.join(root, 'target'), tools)).toMatchObject({ files: 2, mismatches: 0 });
    writeFileSync(path.join(root, 'target', 'lost+found', '#1234'), 'RECOVERED');
    rmSync(path.join(root, 'target', 'lost+found', 'sub', 'kept'));
    expect(verify(path.join(root, 'source'), path.join(root, 'target'), tools)).toMatchObject({
      mismatches: 2,
      named: expect.arrayContaining(['"lost+found/#1234": content differs (9 bytes, 9 on the source)', '"lost+found/sub/kept": missing on the target']),
    });
    // a fresh file system's empty lost+found on the target only is not a difference
    const empty = path.join(root, 'empty');
    mkdirSync(path.join(root, 'fresh', 'lost+found'), { recursive: true });
    mkdirSync(empty);
    expect(verify(empty, path.join(root, 'fresh'), tools)).toEqual({ files: 0, bytes: 0, mismatches: 0, named: [] });
  });
});
