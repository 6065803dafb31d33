import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { FleetdeckError, type ErrorCode } from '../../shared/errors.ts';
import { formatBytes } from '../../shared/quantity.ts';

/**
 * Reads a file a kubeconfig names (or a kubeconfig itself): only a regular file of at most
 * maxBytes, so a FIFO, a device such as /dev/zero or a huge file can neither block nor exhaust
 * memory; with noFollow, not through a symbolic link either. Errors of the file system (ENOENT,
 * EACCES) are passed on as they are.
 */
export async function readRegularFile(file: string, maxBytes: number, refusedCode: ErrorCode, { noFollow = false } = {}): Promise<Buffer> {
  // without O_NONBLOCK, opening a FIFO waits for a writer
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (noFollow ? (constants.O_NOFOLLOW ?? 0) : 0);
  const handle = await open(file, flags).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP') throw new FleetdeckError(refusedCode, `${file} is a symbolic link, not a regular file`);
    throw error;
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FleetdeckError(refusedCode, `${file} is not a regular file`);
    if (stat.size > maxBytes) throw new FleetdeckError('too-large', `${file} is larger than ${formatBytes(maxBytes)}`);
    return await readOpened(handle, stat.size);
  } finally {
    await handle.close();
  }
}

/** The first `size` bytes of an open file (its size when checked): a file that grows meanwhile is not read past them. */
export async function readOpened(handle: FileHandle, size: number): Promise<Buffer> {
  const buffer = Buffer.alloc(size);
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
    if (!bytesRead) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/**
 * Replaces one of Fleetdeck's own files (settings, the vault) through a temporary file renamed over
 * it: a reader, or a crash, sees the old contents or the new, never half of them. Private to the user.
 */
export async function replaceFile(file: string, data: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, data, { mode: 0o600, flush: true });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

const LOCK_WAIT_MS = 10_000;
/** a holder that has not finished in this long has crashed in a way its pid does not show (a reused pid) */
const LOCK_STALE_MS = 60_000;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Runs task while holding `lock`, a file created exclusively, so that Fleetdeck processes sharing a
 * data folder (the desktop app, a web shell, the CLI) change a file one at a time. A lock whose
 * process is gone, or older than a minute, is taken over.
 */
export async function withFileLock<T>(lock: string, what: string, task: () => Promise<T>): Promise<T> {
  await mkdir(path.dirname(lock), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const handle = await open(lock, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      return undefined;
    });
    if (handle) {
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    }
    const holder = await stat(lock).then(
      async (s) => ({ pid: Number(await readFile(lock, 'utf8').catch(() => '')), ageMs: Date.now() - s.mtimeMs }),
      () => undefined,
    );
    // an empty pid: the holder has created the file and not written it yet
    if (holder && ((holder.pid && !alive(holder.pid)) || holder.ageMs > LOCK_STALE_MS)) await unlink(lock).catch(() => undefined);
    else if (Date.now() > deadline) throw new FleetdeckError('conflict', `${what} is being changed by another Fleetdeck process${holder?.pid ? ` (pid ${holder.pid})` : ''}; try again`);
    else await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
  }
  try {
    return await task();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}
