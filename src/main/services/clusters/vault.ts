import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { FleetdeckError } from '../../../shared/errors.ts';

/** Where Fleetdeck keeps its own data: $FLEETDECK_HOME, else $XDG_CONFIG_HOME/fleetdeck, else ~/.config/fleetdeck. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLEETDECK_HOME ?? path.join(env.XDG_CONFIG_HOME ?? path.join(homedir(), '.config'), 'fleetdeck');
}

/** Supplies the 32-byte key the vault is encrypted with. */
export interface KeyStore {
  key(): Promise<Buffer>;
}

/**
 * The key for the web shell and the CLI: a random key in `<data dir>/vault.key`, mode 0600.
 * A key file that others can read is refused rather than used.
 */
export class FileKeyStore implements KeyStore {
  private readonly file: string;
  constructor(dir: string) {
    this.file = path.join(dir, 'vault.key');
  }

  async key(): Promise<Buffer> {
    const info = await stat(this.file).catch(() => undefined);
    if (!info) {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFile(this.file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } else if ((info.mode & 0o077) !== 0) {
      throw new FleetdeckError('forbidden', `refusing the vault key file ${this.file}: its mode is ${(info.mode & 0o777).toString(8)}, it must be 600 (chmod 600 ${this.file})`);
    }
    const key = Buffer.from((await readFile(this.file, 'utf8')).trim(), 'base64');
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

export interface VaultData {
  version: 1;
  entries: VaultEntry[];
  /** context name → the name the user gave it in Fleetdeck */
  displayNames: Record<string, string>;
}

const empty = (): VaultData => ({ version: 1, entries: [], displayNames: {} });

/** Imported kubeconfigs and display names, encrypted at rest with AES-256-GCM. */
export class Vault {
  private readonly file: string;
  private readonly keys: KeyStore;

  constructor(dir: string, keys: KeyStore) {
    this.file = path.join(dir, 'vault.enc');
    this.keys = keys;
  }

  async read(): Promise<VaultData> {
    const sealed = await readFile(this.file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!sealed) return empty();
    if (sealed.length < 29 || sealed[0] !== 1) throw new FleetdeckError('kubeconfig-invalid', `the vault ${this.file} is not a Fleetdeck vault`);
    const decipher = createDecipheriv('aes-256-gcm', await this.keys.key(), sealed.subarray(1, 13));
    decipher.setAuthTag(sealed.subarray(13, 29));
    try {
      return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8')) as VaultData;
    } catch {
      throw new FleetdeckError('forbidden', `the vault ${this.file} cannot be decrypted with this key (wrong key, or the file was changed)`);
    }
  }

  /** Writes atomically (temp file + rename), so a crash never leaves half a vault. */
  async write(data: VaultData): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.keys.key(), iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), body]);
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, sealed, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, this.file);
  }

  private queue: Promise<unknown> = Promise.resolve();

  /** Read, change, write — one change at a time. */
  update(change: (data: VaultData) => void): Promise<VaultData> {
    const next = this.queue.then(async () => {
      const data = await this.read();
      change(data);
      await this.write(data);
      return data;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  static entry(kubeconfig: string, origin: string): VaultEntry {
    return { id: randomUUID(), origin, addedAt: new Date().toISOString(), kubeconfig };
  }
}
