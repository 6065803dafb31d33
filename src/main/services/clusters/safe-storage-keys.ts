import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FleetdeckError } from '../../../shared/errors.ts';
import type { KeyStore } from './vault.ts';

/** The part of Electron's safeStorage the desktop key store uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/** The desktop's vault key: random, kept encrypted by the OS keychain through Electron safeStorage. */
export class SafeStorageKeyStore implements KeyStore {
  private readonly file: string;
  private readonly safeStorage: SafeStorageLike;

  constructor(dir: string, safeStorage: SafeStorageLike) {
    this.file = path.join(dir, 'vault.key.safe');
    this.safeStorage = safeStorage;
  }

  async key(): Promise<Buffer> {
    if (!this.safeStorage.isEncryptionAvailable()) throw new FleetdeckError('forbidden', 'the OS keychain is not available, so the vault cannot be opened (safeStorage unavailable)');
    const sealed = await readFile(this.file).catch(() => undefined);
    if (sealed) return Buffer.from(this.safeStorage.decryptString(sealed), 'base64');
    const key = randomBytes(32);
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFile(this.file, this.safeStorage.encryptString(key.toString('base64')), { mode: 0o600, flag: 'wx' });
    return key;
  }
}
