import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { FleetdeckError } from '../../shared/errors.ts';
import { createOnce, FileKeyStore, MAX_KEY_FILE_BYTES, readOwnFile, type KeyKind, type KeyStore } from './vault.ts';

/** The part of Electron's safeStorage the desktop key store uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  /** Linux: the secret store behind safeStorage ('gnome_libsecret', 'kwallet5', … or 'basic_text') */
  getSelectedStorageBackend?(): string;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/**
 * Whether safeStorage is backed by a real OS keychain. On Linux without a secret service Electron
 * falls back to 'basic_text', a key built into Chromium itself: that protects nothing, so the
 * key file (mode 0600) is used instead, as by the web shell and the CLI.
 */
export function hasOsKeychain(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  if (platform !== 'linux') return true;
  // 'unknown' only before the app is ready; an Electron without the method predates basic_text's fallback
  const backend = safeStorage.getSelectedStorageBackend?.();
  return backend !== 'basic_text' && backend !== 'unknown';
}

/**
 * The desktop app's keys. When the key file vault.key exists, the desktop app uses it as the web
 * shell and the CLI do: one vault and one machine key for archives on this machine. Without it,
 * the vault is sealed with a random key that the OS keychain keeps encrypted (vault.key.safe,
 * through Electron safeStorage), which only the desktop app can open. The desktop app opens both.
 */
export class SafeStorageKeyStore implements KeyStore {
  private readonly keyFile: FileKeyStore;
  private readonly keychainFile: string;
  private readonly safeStorage: SafeStorageLike;
  private readonly platform: NodeJS.Platform;

  constructor(dir: string, safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform) {
    this.keyFile = new FileKeyStore(dir);
    this.keychainFile = path.join(dir, 'vault.key.safe');
    this.safeStorage = safeStorage;
    this.platform = platform;
  }

  /** Whether new vaults may be sealed with the OS keychain; otherwise the key file is used. */
  private keychainSeals(): boolean {
    return hasOsKeychain(this.safeStorage, this.platform);
  }

  async sealingKey(): Promise<{ kind: KeyKind; key: Buffer }> {
    const shared = await this.keyFile.existingKey('file');
    if (shared) return { kind: 'file', key: shared };
    if (!this.keychainSeals()) return this.keyFile.sealingKey();
    const key = (await this.existingKey('keychain')) ?? this.decrypt(await createOnce(this.keychainFile, this.safeStorage.encryptString(randomBytes(32).toString('base64'))));
    return { kind: 'keychain', key };
  }

  async key(): Promise<Buffer> {
    return (await this.sealingKey()).key;
  }

  async existingKey(kind: KeyKind): Promise<Buffer | undefined> {
    if (kind === 'file') return this.keyFile.existingKey('file');
    // opening needs only a working safeStorage, so a vault sealed before can still be opened (and re-sealed)
    if (!this.safeStorage.isEncryptionAvailable()) return undefined;
    const sealed = await readOwnFile(this.keychainFile, MAX_KEY_FILE_BYTES);
    return sealed && this.decrypt(sealed);
  }

  private decrypt(sealed: Buffer): Buffer {
    let text: string;
    try {
      text = this.safeStorage.decryptString(sealed);
    } catch (error) {
      throw new FleetdeckError('forbidden', `the OS keychain cannot decrypt ${this.keychainFile}: ${(error as Error).message}`);
    }
    const key = Buffer.from(text, 'base64');
    if (key.length !== 32) throw new FleetdeckError('internal', `the vault key ${this.keychainFile} is damaged (expected 32 bytes)`);
    return key;
  }
}
