// The workspace on disk: listing, reading inside the root only, and writes that survive a crash.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FleetdeckError } from '../../../shared/errors.ts';
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

/**
 * The real path of a workspace file, refusing anything that leaves the root (`..`, a symlinked
 * folder, or a symlink as the last component that points outside or nowhere) and anything in
 * `.git` (a repository's config and hooks are not manifests). `root` is a real path. A file that
 * does not exist yet is allowed: writes create it.
 */
export async function insideRoot(root: string, relative: string): Promise<string> {
  const outside = () => new FleetdeckError('forbidden', `${relative} is outside the workspace`);
  const refuse = (full: string) => {
    if (!within(root, full)) throw outside();
    if (path.relative(root, full).split(path.sep).includes('.git')) throw new FleetdeckError('forbidden', `${relative} is inside .git: Fleetdeck edits the work tree only`);
  };
  const resolved = path.resolve(root, relative);
  refuse(resolved);
  const parent = await realpath(path.dirname(resolved)).catch(() => undefined);
  if (!parent) throw new FleetdeckError('not-found', `no such folder: ${path.dirname(relative) || '.'}`);
  let real = path.join(parent, path.basename(resolved));
  if ((await lstat(real).catch(() => undefined))?.isSymbolicLink()) {
    // followed only to a target inside the root; a dangling link is refused (a write would land wherever it points)
    real = (await realpath(real).catch(() => undefined)) ?? '';
  }
  refuse(real);
  return real;
}

/**
 * A regular file's text, opened without following a symlink in its last component (a link swapped
 * in after the checks above is refused, not followed) and without blocking on a FIFO; undefined
 * when it is larger than `maxBytes`.
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<string | undefined> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new FleetdeckError('invalid-input', `not a regular file: ${path.basename(file)}`);
    return info.size > maxBytes ? undefined : await handle.readFile('utf8');
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
    const texts = await Promise.all(batch.map((file) => readRegularFile(path.join(root, file), MAX_YAML_BYTES).catch(() => undefined)));
    batch.forEach((file, j) => texts[j] !== undefined && out.push({ path: file, text: texts[j]! }));
  }
  return out;
}

/** Changes whenever the file's content may have changed. */
export async function fileVersion(file: string): Promise<string> {
  const info = await stat(file);
  return `${info.mtimeMs.toFixed(3)}-${info.size}`;
}

/**
 * Writes through a temporary file in the same folder, flushed to disk, then renamed over the
 * target: after a crash the file holds either the old or the new text, never half of one.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.fleetdeck-tmp`);
  const mode = await stat(file).then((s) => s.mode & 0o777, () => 0o644);
  const handle = await open(temporary, 'w', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  // the rename itself must reach the disk too
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
