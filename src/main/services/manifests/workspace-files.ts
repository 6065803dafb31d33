// The workspace on disk: listing, reading inside the root only, and writes that survive a crash.
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
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

/** The absolute path of a workspace file, refusing anything that leaves the root (also through symlinks). */
export async function insideRoot(root: string, relative: string): Promise<string> {
  const resolved = path.resolve(root, relative);
  const rootReal = await realpath(root);
  const parentReal = await realpath(path.dirname(resolved)).catch(() => undefined);
  if (!parentReal) throw new FleetdeckError('not-found', `no such folder: ${path.dirname(relative) || '.'}`);
  const real = path.join(parentReal, path.basename(resolved));
  if (real !== rootReal && !real.startsWith(rootReal + path.sep)) throw new FleetdeckError('invalid-input', `${relative} is outside the workspace`);
  return real;
}

export async function readYamlFiles(root: string, files: string[]): Promise<WorkspaceFile[]> {
  const yaml = files.filter(isYamlFile);
  const out: WorkspaceFile[] = [];
  // a few reads in flight: faster than one by one, without opening thousands of files at once
  for (let i = 0; i < yaml.length; i += 64) {
    const batch = yaml.slice(i, i + 64);
    const texts = await Promise.all(
      batch.map(async (file) => {
        const full = path.join(root, file);
        const size = (await stat(full)).size;
        return size > MAX_YAML_BYTES ? undefined : readFile(full, 'utf8');
      }),
    );
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
