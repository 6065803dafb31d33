import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { KubeconfigSourceError } from '../../shared/contract/clusters.ts';
import { FleetdeckError, type ErrorCode } from '../../shared/errors.ts';
import { formatBytes } from '../../shared/quantity.ts';
import { readRegularFile, replaceFile, withFileLock } from '../base/files.ts';

/** Where Fleetdeck keeps its own data: $FLEETDECK_HOME, else $XDG_CONFIG_HOME/fleetdeck, else ~/.config/fleetdeck. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLEETDECK_HOME ?? path.join(env.XDG_CONFIG_HOME ?? path.join(homedir(), '.config'), 'fleetdeck');
}

/**
 * Which key sealed a vault, recorded in the first byte of vault.enc: 1 the key file, 2 the desktop
 * app's OS keychain. Vaults written before the byte said which key all start with 1, the desktop
 * app's too (those were sealed with its keychain).
 */
export type KeyKind = 'file' | 'keychain';
const kindByte: Record<KeyKind, number> = { file: 1, keychain: 2 };

/** The keys a host holds for the vault and for this machine's archives. */
export interface KeyStore {
  /** The key new vaults and archives made without a passphrase are sealed with (created on first use), and its kind. */
  sealingKey(): Promise<{ kind: KeyKind; key: Buffer }>;
  /** The sealing key alone: what archives made without a passphrase are encrypted with. */
  key(): Promise<Buffer>;
  /** The key of this kind if this host holds one; never creates one. */
  existingKey(kind: KeyKind): Promise<Buffer | undefined>;
}

const keyFileName = 'vault.key';

/** A key file holds one key, a few dozen bytes. */
export const MAX_KEY_FILE_BYTES = 4096;
/** The vault holds imported kubeconfigs; a write that would grow it past this is refused, so it stays readable. */
export const MAX_VAULT_BYTES = 64 * 2 ** 20;

const fileType = (info: Stats) =>
  info.isSymbolicLink() ? 'a symbolic link' : info.isDirectory() ? 'a folder' : info.isFIFO() ? 'a FIFO' : info.isSocket() ? 'a socket' : 'a device';

/**
 * Reads one of the files Fleetdeck keeps in its data folder (vault.enc, vault.key,
 * vault.key.safe); undefined when it does not exist. Fleetdeck writes them itself as regular
 * files, so anything else in their place is refused before it is opened: a symbolic link (it
 * would choose which file is read), a FIFO (reading it would wait forever), a folder or a device;
 * then, with ownerOnly (a key in the clear), a file others may read or write; then a file larger
 * than maxBytes.
 */
export async function readOwnFile(file: string, maxBytes: number, { ownerOnly = false } = {}): Promise<Buffer | undefined> {
  const info = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info) return undefined;
  if (!info.isFile()) throw new FleetdeckError('forbidden', `refusing ${file}: it is ${fileType(info)}, not a regular file${info.isSymbolicLink() ? ' (put the file itself in its place)' : ''}`);
  if (ownerOnly && (info.mode & 0o077) !== 0) throw new FleetdeckError('forbidden', `refusing ${file}: its mode is ${(info.mode & 0o777).toString(8)}, it must be 600 (chmod 600 ${file})`);
  if (info.size > maxBytes) throw new FleetdeckError('too-large', `refusing ${file}: it is larger than ${formatBytes(maxBytes)}`);
  // checked again once open (without waiting, should a FIFO have taken its place, and not through a link)
  return readRegularFile(file, maxBytes, 'forbidden', { noFollow: true });
}

/**
 * Creates the key file with content unless it exists, safely against other processes doing the
 * same: the content goes to a temporary file that is then hard-linked into place, so the file
 * appears whole or not at all. Returns the content that won (ours, or the one another process
 * linked first).
 */
export async function createOnce(file: string, content: Buffer | string): Promise<Buffer> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, content, { mode: 0o600, flush: true });
    await link(temp, file);
    return Buffer.from(content);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readOwnFile(file, MAX_KEY_FILE_BYTES);
    if (!winner) throw error;
    return winner;
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * The key file every host uses when it exists: a random key in `<data dir>/vault.key`, mode 0600.
 * A key file that others can read (or that is not a regular file) is refused rather than used.
 */
export class FileKeyStore implements KeyStore {
  readonly file: string;
  constructor(dir: string) {
    this.file = path.join(dir, keyFileName);
  }

  async sealingKey(): Promise<{ kind: KeyKind; key: Buffer }> {
    return { kind: 'file', key: await this.key() };
  }

  async key(): Promise<Buffer> {
    return (await this.existingKey('file')) ?? this.decode(await createOnce(this.file, randomBytes(32).toString('base64')));
  }

  async existingKey(kind: KeyKind): Promise<Buffer | undefined> {
    if (kind !== 'file') return undefined;
    const text = await readOwnFile(this.file, MAX_KEY_FILE_BYTES, { ownerOnly: true });
    return text && this.decode(text);
  }

  private decode(text: Buffer): Buffer {
    const key = Buffer.from(text.toString('utf8').trim(), 'base64');
    if (key.length !== 32) throw new FleetdeckError('internal', `the vault key file ${this.file} is damaged (expected 32 bytes)`);
    return key;
  }
}

export interface VaultEntry {
  id: string;
  /** where it came from: a file name, or "pasted" */
  origin: string;
  addedAt: string;
  /** the kubeconfig YAML as imported, credentials included */
  kubeconfig: string;
}

/** A restic repository the user saved for volume movers: its settings, credentials included. */
export interface VaultRepository {
  name: string;
  addedAt: string;
  env: Record<string, string>;
}

export interface VaultData {
  version: 1;
  entries: VaultEntry[];
  /** context name → the name the user gave it in Fleetdeck */
  displayNames: Record<string, string>;
  /** absent in vaults written before repositories could be saved */
  repositories?: VaultRepository[];
}

const empty = (): VaultData => ({ version: 1, entries: [], displayNames: {} });

/** The vault's data if key opens it: [kind byte][12-byte IV][16-byte GCM tag][ciphertext]. */
function unseal(sealed: Buffer, key: Buffer): VaultData | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
  decipher.setAuthTag(sealed.subarray(13, 29));
  try {
    return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8')) as VaultData;
  } catch {
    return undefined;
  }
}

/** Imported kubeconfigs, display names and saved restic repositories, encrypted at rest with AES-256-GCM. */
export class Vault {
  readonly file: string;
  private readonly keyFile: string;
  private readonly keys: KeyStore;

  constructor(dir: string, keys: KeyStore) {
    this.file = path.join(dir, 'vault.enc');
    this.keyFile = path.join(dir, keyFileName);
    this.keys = keys;
  }

  /** The vault's contents, or why this host cannot open it (it is then left as it is). */
  async open(): Promise<{ data: VaultData } | { problem: KubeconfigSourceError }> {
    const problem = (code: ErrorCode, message: string, notice?: true) => ({ problem: { source: this.file, code, message, ...(notice ? { notice } : {}) } });
    let sealed: Buffer | undefined;
    try {
      sealed = await readOwnFile(this.file, MAX_VAULT_BYTES);
    } catch (error) {
      if (error instanceof FleetdeckError) return problem(error.code, error.message);
      return problem('forbidden', `cannot read the vault ${this.file}: ${(error as Error).message}`);
    }
    if (!sealed) return { data: empty() };
    const kind = (Object.keys(kindByte) as KeyKind[]).find((k) => kindByte[k] === sealed[0]);
    if (!kind || sealed.length < 29) return problem('kubeconfig-invalid', `the vault ${this.file} is not a Fleetdeck vault (damaged, or written by a newer Fleetdeck)`);
    // a key-file vault may also be one the desktop app sealed with the keychain before the first byte said which
    const candidates: KeyKind[] = kind === 'file' ? ['file', 'keychain'] : ['keychain'];
    const held: KeyKind[] = [];
    for (const candidate of candidates) {
      let key: Buffer | undefined;
      try {
        key = await this.keys.existingKey(candidate);
      } catch (error) {
        return problem(error instanceof FleetdeckError ? error.code : 'forbidden', `the vault ${this.file} cannot be opened: ${(error as Error).message}`);
      }
      if (!key) continue;
      held.push(candidate);
      const data = unseal(sealed, key);
      if (data) return { data };
    }
    const desktopOnly = 'the clusters imported in the desktop app are listed only there';
    if (kind === 'keychain' && !held.length) return problem('forbidden', `the vault ${this.file} is sealed with the desktop app's OS keychain, which is not available here: ${desktopOnly}`, true);
    if (!held.length) return problem('forbidden', `the vault ${this.file} cannot be opened: its key file ${this.keyFile} does not exist (if the desktop app made this vault, it sealed it with the OS keychain and ${desktopOnly})`);
    const elsewhere = held.includes('keychain') ? '' : ` (or the desktop app sealed it with the OS keychain before it shared the key file, and ${desktopOnly})`;
    return problem('forbidden', `the vault ${this.file} cannot be decrypted with this machine's key: the key or the vault was changed${elsewhere}`);
  }

  /** Writes atomically (temp file + rename), so a crash never leaves half a vault. */
  async write(data: VaultData): Promise<void> {
    const { kind, key } = await this.keys.sealingKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([Buffer.from([kindByte[kind]]), iv, cipher.getAuthTag(), body]);
    if (sealed.length > MAX_VAULT_BYTES) throw new FleetdeckError('too-large', `the vault would be larger than ${formatBytes(MAX_VAULT_BYTES)}: remove imported kubeconfigs you no longer need`);
    await replaceFile(this.file, sealed);
  }

  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Read, change, write — one change at a time, also across the Fleetdeck processes sharing the
   * folder (a lock file); a vault this host cannot open is never overwritten.
   */
  update(change: (data: VaultData) => void): Promise<VaultData> {
    const next = this.queue.then(() =>
      withFileLock(`${this.file}.lock`, `the vault ${this.file}`, async () => {
        const opened = await this.open();
        if ('problem' in opened) throw new FleetdeckError(opened.problem.code, `${opened.problem.message}; the vault was left unchanged`);
        const { data } = opened;
        change(data);
        await this.write(data);
        return data;
      }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  static entry(kubeconfig: string, origin: string): VaultEntry {
    return { id: randomUUID(), origin, addedAt: new Date().toISOString(), kubeconfig };
  }
}
