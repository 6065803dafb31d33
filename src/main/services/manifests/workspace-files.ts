// The workspace on disk: listing, reading inside the root only, and writes that survive a crash.
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { FleetdeckError } from '../../../shared/errors.ts';
import { readOpened } from '../../base/files.ts';
import type { WorkspaceFile } from '../../../shared/manifests/lint.ts';
import { isYamlFile } from '../../../shared/manifests/workspace-model.ts';

/** Folders never part of a manifests workspace. */
const skipped = new Set(['.git', 'node_modules', '.terraform', '.idea', '.vscode']);
const MAX_FILES = 50_000;
/** A larger YAML file is not a hand-edited manifest (a vendored chart bundle, a dump). */
const MAX_YAML_BYTES = 5 * 1024 * 1024;

export interface WorkspaceListing {
  files: string[];
  directories: Set<string>;
}

/** Regular files and folders under the root; symlinks are not followed (readdir's entry types come from lstat). */
export async function listWorkspace(root: string): Promise<WorkspaceListing> {
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new FleetdeckError('not-found', `no such folder: ${root}`);
  if (!info.isDirectory()) throw new FleetdeckError('invalid-input', `not a folder: ${root}`);
  const files: string[] = [];
  const directories = new Set<string>(['']);
  const walk = async (relative: string) => {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (skipped.has(entry.name)) continue;
        directories.add(child);
        await walk(child);
      } else if (entry.isFile()) {
        if (files.length >= MAX_FILES) throw new FleetdeckError('invalid-input', `${root} has more than ${MAX_FILES} files; open the folder that holds the manifests`);
        files.push(child);
      }
    }
  };
  await walk('');
  return { files, directories };
}

/** Whether `full` is `root` or lies below it (both absolute and normalized). */
export const within = (root: string, full: string) => full === root || full.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** Whether a real path is in the root's work tree: inside the root, and not in a `.git` (a repository's config and hooks are not manifests). */
export const inWorkTree = (root: string, real: string) => within(root, real) && !path.relative(root, real).split(path.sep).includes('.git');

function refuseOutside(root: string, real: string, shown: string): void {
  if (!within(root, real)) throw new FleetdeckError('forbidden', `${shown} is outside the workspace`);
  if (!inWorkTree(root, real)) throw new FleetdeckError('forbidden', `${shown} is inside .git: Fleetdeck edits the work tree only`);
}

/**
 * The real path of a workspace file, refusing anything that leaves the root (`..`, a symlinked
 * folder, or a symlink as the last component that points outside or nowhere) and anything in
 * `.git`. `root` is a real path. A file that does not exist yet is allowed: writes create it.
 * The answer holds only while nothing changes the folders on the way: the file is checked
 * again once open (readRegularFile, writeFileAtomic).
 */
export async function insideRoot(root: string, relative: string): Promise<string> {
  const resolved = path.resolve(root, relative);
  refuseOutside(root, resolved, relative);
  const parent = await realpath(path.dirname(resolved)).catch(() => undefined);
  if (!parent) throw new FleetdeckError('not-found', `no such folder: ${path.dirname(relative) || '.'}`);
  let real = path.join(parent, path.basename(resolved));
  if ((await lstat(real).catch(() => undefined))?.isSymbolicLink()) {
    // followed only to a target inside the root; a dangling link is refused (a write would land wherever it points)
    real = (await realpath(real).catch(() => undefined)) ?? '';
  }
  refuseOutside(root, real, relative);
  return real;
}

/**
 * Refuses an open file that is not in the root's work tree. O_NOFOLLOW guards only the last
 * component of the path it was opened by: a folder on the way may have turned into a symlink
 * since the path was checked. So the path is resolved again after the open, and counts only if
 * it still leads to the very file that is open (same device and inode); a swap before the open
 * shows as a real path outside, a swap back after it as another file. `shown` names the file in
 * the message.
 */
async function refuseOpenedOutside(handle: FileHandle, file: string, root: string, shown: string): Promise<Stats> {
  const opened = await handle.stat();
  const real = await realpath(file).catch(() => undefined);
  const named = real === undefined ? undefined : await lstat(real).catch(() => undefined);
  if (real === undefined || named?.dev !== opened.dev || named.ino !== opened.ino) throw new FleetdeckError('forbidden', `${shown} is outside the workspace: a folder on its path changed while it was opened`);
  refuseOutside(root, real, shown);
  return opened;
}

/** Changes whenever the file's content may have changed. */
const versionOf = (info: Stats) => `${info.mtimeMs.toFixed(3)}-${info.size}`;

/**
 * A regular file's text and version, opened without following a symlink in its last component
 * and without blocking on a FIFO; text is undefined when the file is larger than `maxBytes`, and
 * a file that grows once open is read only up to its size then (the bounded read of base/files).
 * With a `root`, a file that turns out, once open, to be outside its work tree is refused.
 */
export async function readRegularFile(file: string, maxBytes: number, root: string | undefined): Promise<{ text?: string; version: string }> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = root === undefined ? await handle.stat() : await refuseOpenedOutside(handle, file, root, path.relative(root, file) || path.basename(file));
    if (!info.isFile()) throw new FleetdeckError('invalid-input', `not a regular file: ${path.basename(file)}`);
    return { text: info.size > maxBytes ? undefined : (await readOpened(handle, info.size)).toString('utf8'), version: versionOf(info) };
  } finally {
    await handle.close();
  }
}

export async function readYamlFiles(root: string, files: string[]): Promise<WorkspaceFile[]> {
  const yaml = files.filter(isYamlFile);
  const out: WorkspaceFile[] = [];
  // a few reads in flight: faster than one by one, without opening thousands of files at once
  for (let i = 0; i < yaml.length; i += 64) {
    const batch = yaml.slice(i, i + 64);
    // a file that turned into a symlink or vanished since the listing is skipped, as a large one is
    const texts = await Promise.all(batch.map((file) => readRegularFile(path.join(root, file), MAX_YAML_BYTES, root).then((read) => read.text, () => undefined)));
    batch.forEach((file, j) => texts[j] !== undefined && out.push({ path: file, text: texts[j]! }));
  }
  return out;
}

/** Changes whenever the file's content may have changed. */
export async function fileVersion(file: string): Promise<string> {
  return versionOf(await stat(file));
}

/**
 * Writes through a temporary file in the same folder, flushed to disk, then renamed over the
 * target: after a crash the file holds either the old or the new text, never half of one. With a
 * `root`, the temporary file is checked once open, before anything is written to it (see
 * refuseOpenedOutside), and the target must then be that very file: the rename names the same
 * folder, and finds the temporary file only there. Returns the version written.
 */
export async function writeFileAtomic(file: string, text: string, root: string | undefined): Promise<string> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.fleetdeck-tmp`);
  const shown = root === undefined ? path.basename(file) : path.relative(root, file);
  const mode = await stat(file).then((s) => s.mode & 0o777, () => 0o644);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  let written: Stats;
  try {
    if (root !== undefined) await refuseOpenedOutside(handle, temporary, root, shown);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    written = await handle.stat();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  const landed = await lstat(file).catch(() => undefined);
  if (landed?.dev !== written.dev || landed.ino !== written.ino) throw new FleetdeckError('conflict', `${shown} was replaced while it was written: reopen it to see what it holds now`);
  // the rename itself must reach the disk too
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return versionOf(landed);
}
