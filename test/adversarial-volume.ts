// What an application could leave in a volume: names that trip up shells, listings and escapes,
// hard links, a sparse file, special modes, a FIFO, symlink loops and a lost+found with a file.
// Shared by the listing's unit spec and the lab's migration of it, so both face the same volume.
import { spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A path under `dir` as bytes (names that are not UTF-8). */
export const at = (dir: string, name: string | Buffer) => Buffer.concat([Buffer.from(`${dir}/`), Buffer.isBuffer(name) ? name : Buffer.from(name)]);

/** A folder 19 levels down, each name 200 bytes: past PATH_MAX once joined */
export const DEEP = Array.from({ length: 19 }, () => 'd'.repeat(200)).join('/');
export const SPARSE_BYTES = 10_000_000;

/** Fills the existing folder `dir`. */
export function fillAdversarial(dir: string): void {
  const files: [string | Buffer, string][] = [
    ['tab\there', '1'],
    ['cr\rhere', '2'],
    ['cr at end\r', '3'],
    ['back\\slash', '4'],
    ['back\\nslash', '5'],
    ['back\\rslash', '6'],
    ['trailing\\', '7'],
    ['\\leading', '8'],
    ['-dash', '9'],
    ['--', '10'],
    ['=eq', '11'],
    ['=', '12'],
    ['...', '13'],
    [' leading space', '14'],
    ['a'.repeat(255), '15'],
    [Buffer.from('latin\xe9', 'latin1'), '16'],
    [Buffer.from('latin\xe8', 'latin1'), '17'],
    [Buffer.from([0xff, 0xfe]), '18'],
    ['nl\nname', '19'],
    ['\n', '20'],
    ['nl\\n\nmix\ttab\r', '21'],
    ['a', 'a'],
    ['a\tb', 'atb'],
    ['a b', 'ab'],
    ['pct%s%n', 'fmt'],
    ['$(id)`id`', 'cmd'],
    ['uni\u00e9', 'nfc'],
    ['unie\u0301', 'nfd'],
    ['empty', ''],
  ];
  for (const [name, content] of files) writeFileSync(at(dir, name), content);
  mkdirSync(path.join(dir, DEEP), { recursive: true });
  writeFileSync(path.join(dir, DEEP, 'file'), 'deep');
  writeFileSync(path.join(dir, 'setuid'), 's');
  chmodSync(path.join(dir, 'setuid'), 0o4755);
  mkdirSync(path.join(dir, 'sticky'));
  chmodSync(path.join(dir, 'sticky'), 0o1777);
  writeFileSync(path.join(dir, 'hard 1'), 'hard');
  linkSync(path.join(dir, 'hard 1'), path.join(dir, 'hard 2'));
  writeFileSync(path.join(dir, 'sparse'), '');
  truncateSync(path.join(dir, 'sparse'), SPARSE_BYTES);
  spawnSync('mkfifo', [path.join(dir, 'fifo')]);
  mkdirSync(path.join(dir, 'lost+found'));
  writeFileSync(path.join(dir, 'lost+found', '#4711'), 'recovered by fsck');
  symlinkSync('loop 2', path.join(dir, 'loop 1'));
  symlinkSync('loop 1', path.join(dir, 'loop 2'));
  symlinkSync('target\nwith a newline', path.join(dir, 'link'));
  symlinkSync('target\n', path.join(dir, 'link ending in a newline'));
  symlinkSync('dangling', path.join(dir, 'link\nnamed with a newline'));
}
