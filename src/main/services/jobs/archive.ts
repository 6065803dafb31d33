import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip, createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import packageJson from '../../../../package.json' with { type: 'json' };
import { FleetdeckError } from '../../../shared/errors.ts';

/*
 * The backup archive: a tar.gz with one JSON file per Kubernetes object and manifest.json as the last entry.
 * Its layout is a contract other tools rely on; see entryPath and ArchiveManifest.
 */

export interface ArchiveRef {
  resource: string;
  /** "" for the core group */
  group: string;
  namespace?: string;
  name: string;
  apiVersion: string;
  kind: string;
}

export interface ArchiveKey {
  passphrase: string;
  /** 'machine': the caller derived the passphrase from this installation's key; only recorded, for error messages */
  keySource: 'passphrase' | 'machine';
}

/** One encrypted entry content, stored as JSON in place of the object. */
export interface ArchiveEnvelope {
  fleetdeckEncrypted: 1;
  iv: string;
  tag: string;
  data: string;
}

export interface ArchiveEncryption {
  cipher: 'aes-256-gcm';
  kdf: 'scrypt';
  /** base64 */
  salt: string;
  N: number;
  r: number;
  p: number;
  keySource: ArchiveKey['keySource'];
  /** a fixed known plaintext, so a wrong passphrase is told apart from a damaged entry */
  keyCheck: ArchiveEnvelope;
}

export interface ArchiveManifestEntry extends ArchiveRef {
  path: string;
  /** hex sha256 of the stored bytes (the envelope for an encrypted entry) */
  sha256: string;
  encrypted?: true;
}

export interface ArchiveManifest {
  format: 'fleetdeck-archive';
  version: 1;
  tool: { name: 'fleetdeck'; version: string };
  createdAt: string;
  source: unknown;
  selection: unknown;
  /** entries per resource directory ("configmaps", "deployments.apps") */
  counts: Record<string, number>;
  total: number;
  /** in archive order */
  entries: ArchiveManifestEntry[];
  encryption?: ArchiveEncryption;
  /**
   * HMAC-SHA256 of the manifest without this field, keyed from the passphrase: with it the sha256
   * list cannot be rewritten to match changed entries. Present whenever encryption is.
   */
  mac?: string;
}

export interface ArchiveEntry {
  ref: ArchiveRef;
  path: string;
  object: Record<string, unknown>;
}

const manifestPath = 'manifest.json';
const keyCheckPlaintext = 'fleetdeck-archive-key-check';
const scryptCost = { N: 32768, r: 8, p: 1 };
// N=32768, r=8 needs 32 MiB: exactly Node's default limit, which it then refuses
const scryptMaxMemory = 256 * 1024 * 1024;

const resourceDirectory = (ref: Pick<ArchiveRef, 'resource' | 'group'>) => (ref.group ? `${ref.resource}.${ref.group}` : ref.resource);

/** `resources/<resource>.<group>/cluster/<name>.json` or `resources/<resource>.<group>/namespaces/<namespace>/<name>.json`; the core group has no suffix. */
export function entryPath(ref: ArchiveRef): string {
  for (const segment of [ref.resource, ref.group, ref.namespace ?? '', ref.name]) {
    if (segment.includes('/') || segment === '.' || segment === '..') throw new FleetdeckError('invalid-input', `cannot archive ${ref.kind} ${ref.name}: "${segment}" is not a valid path segment`);
  }
  if (!ref.resource || !ref.name) throw new FleetdeckError('invalid-input', `cannot archive ${ref.kind} "${ref.name}": resource and name are required`);
  const scope = ref.namespace ? `namespaces/${ref.namespace}` : 'cluster';
  return `resources/${resourceDirectory(ref)}/${scope}/${ref.name}.json`;
}

const invalid = (message: string) => new FleetdeckError('archive-invalid', message);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const pretty = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
const ENTRY_CHUNK = 1 << 20;

function deriveKey(passphrase: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { ...cost, maxmem: scryptMaxMemory }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** The manifest without its entries: what finish() returns (an archive's entries are read back with manifestOf). */
export type ArchiveManifestSummary = Omit<ArchiveManifest, 'entries'>;

/** One entry as it sits, pretty-printed, in the manifest's entries array. */
const entryText = (entry: ArchiveManifestEntry) => JSON.stringify(entry, null, 2).replace(/^/gm, '    ');

/**
 * pretty(manifest) split around its entries: head, the entryText()s joined with ",\n", tail. The
 * manifest is never one string holding every entry (at 50,000 entries that is tens of MB, twice
 * over for the MAC).
 */
function manifestFrame(manifest: ArchiveManifestSummary, count: number): [head: string, tail: string] {
  const { format, version, tool, createdAt, source, selection, counts, total, ...rest } = manifest;
  const marker = '\u0000entries\u0000';
  // key order as the manifest is written: the entries come after total
  const text = `${JSON.stringify({ format, version, tool, createdAt, source, selection, counts, total, entries: count ? [marker] : [], ...rest }, null, 2)}\n`;
  if (!count) return [text, ''];
  const [head, tail] = text.split(`    ${JSON.stringify(marker)}`);
  return [head, tail];
}

function manifestMac(key: Buffer, parts: Iterable<string | Buffer>): string {
  const macKey = createHmac('sha256', key).update('fleetdeck archive manifest').digest();
  const hmac = createHmac('sha256', macKey);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

function seal(key: Buffer, plaintext: Buffer): ArchiveEnvelope {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { fleetdeckEncrypted: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** The plaintext, or undefined when the key is wrong or the envelope was changed. */
function unseal(key: Buffer, envelope: unknown): Buffer | undefined {
  const { fleetdeckEncrypted, iv, tag, data } = (envelope ?? {}) as Partial<ArchiveEnvelope>;
  if (fleetdeckEncrypted !== 1 || typeof iv !== 'string' || typeof tag !== 'string' || typeof data !== 'string') return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), { authTagLength: 16 });
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
  } catch {
    return undefined;
  }
}

/**
 * tar-stream emits each header, body and padding as its own small chunk, and zlib makes one thread-pool round trip
 * per chunk: joined into 64 KiB chunks, writing is about three times faster.
 */
async function* coalesce(chunks: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    pending.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= 64 * 1024) {
      yield Buffer.concat(pending);
      pending = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(pending);
}

interface WriterEncryption {
  key: Buffer;
  manifest: ArchiveEncryption;
}

/** Writes an archive to `<file>.partial` and renames it to `<file>` only once it is complete. */
export class ArchiveWriter {
  private readonly file: string;
  private readonly partial: string;
  private readonly createdAt = new Date();
  private readonly source: unknown;
  private readonly selection: unknown;
  private readonly encryption: WriterEncryption | undefined;
  private readonly pack = tar.pack();
  private readonly output: WriteStream;
  private readonly written: Promise<void>;
  /** the manifest's entries as text, packed into large buffers (far smaller than one object each) */
  private readonly entryChunks: Buffer[] = [];
  private entryChunk = Buffer.allocUnsafe(ENTRY_CHUNK);
  private entryChunkUsed = 0;
  private entryCount = 0;
  private readonly paths = new Set<string>();
  private readonly counts = new Map<string, number>();

  private constructor(file: string, output: WriteStream, options: { source: unknown; selection: unknown }, encryption: WriterEncryption | undefined) {
    this.file = file;
    this.partial = `${file}.partial`;
    this.output = output;
    this.source = options.source;
    this.selection = options.selection;
    this.encryption = encryption;
    this.written = pipeline(this.pack, coalesce, createGzip(), output);
    // a failure surfaces from add() or finish(); until then it must not count as unhandled
    this.written.catch(() => undefined);
  }

  static async create(file: string, options: { source: unknown; selection: unknown; key?: ArchiveKey }): Promise<ArchiveWriter> {
    let encryption: WriterEncryption | undefined;
    if (options.key) {
      const salt = randomBytes(16);
      const key = await deriveKey(options.key.passphrase, salt, scryptCost);
      const keyCheck = seal(key, Buffer.from(keyCheckPlaintext));
      encryption = { key, manifest: { cipher: 'aes-256-gcm', kdf: 'scrypt', salt: salt.toString('base64'), ...scryptCost, keySource: options.key.keySource, keyCheck } };
    }
    const output = createWriteStream(`${file}.partial`, { mode: 0o600, flush: true });
    await once(output, 'open');
    return new ArchiveWriter(file, output, options, encryption);
  }

  /** Adds one object. Entries keep the order of the calls, so these may overlap. */
  async add(ref: ArchiveRef, object: unknown, options: { encrypt?: boolean } = {}): Promise<void> {
    const path = entryPath(ref);
    if (this.paths.has(path)) throw new FleetdeckError('invalid-input', `${path} is already in the archive`);
    if (options.encrypt && !this.encryption) throw new FleetdeckError('invalid-input', `cannot encrypt ${path}: the archive was created without a key`);
    const bytes = options.encrypt && this.encryption ? pretty(seal(this.encryption.key, pretty(object))) : pretty(object);
    const { resource, group, namespace, name, apiVersion, kind } = ref;
    this.paths.add(path);
    this.keepEntry({ path, sha256: sha256(bytes), resource, group, ...(namespace && { namespace }), name, apiVersion, kind, ...(options.encrypt && { encrypted: true as const }) });
    this.counts.set(resourceDirectory(ref), (this.counts.get(resourceDirectory(ref)) ?? 0) + 1);
    await this.write(path, bytes);
  }

  private keepEntry(entry: ArchiveManifestEntry): void {
    const text = Buffer.from(`${this.entryCount ? ',\n' : ''}${entryText(entry)}`);
    if (this.entryChunkUsed + text.length > this.entryChunk.length) {
      this.entryChunks.push(this.entryChunk.subarray(0, this.entryChunkUsed));
      this.entryChunk = Buffer.allocUnsafe(Math.max(ENTRY_CHUNK, text.length));
      this.entryChunkUsed = 0;
    }
    this.entryChunkUsed += text.copy(this.entryChunk, this.entryChunkUsed);
    this.entryCount++;
  }

  /** Writes manifest.json, flushes the file to disk and gives it its final name. */
  async finish(): Promise<ArchiveManifestSummary> {
    this.entryChunks.push(this.entryChunk.subarray(0, this.entryChunkUsed));
    const summary: ArchiveManifestSummary = {
      format: 'fleetdeck-archive',
      version: 1,
      tool: { name: 'fleetdeck', version: packageJson.version },
      createdAt: this.createdAt.toISOString(),
      source: this.source,
      selection: this.selection,
      counts: Object.fromEntries(this.counts),
      total: this.entryCount,
      ...(this.encryption && { encryption: this.encryption.manifest }),
    };
    // the chunks hold the entries with their separators
    const framed = ([head, tail]: [string, string]) => [Buffer.from(head), ...this.entryChunks, Buffer.from(tail)];
    if (this.encryption) summary.mac = manifestMac(this.encryption.key, framed(manifestFrame(summary, this.entryCount)));
    await this.writeParts(manifestPath, framed(manifestFrame(summary, this.entryCount)));
    this.pack.finalize();
    await this.written;
    await rename(this.partial, this.file);
    return summary;
  }

  /** Stops writing and deletes the partial file. */
  async abort(): Promise<void> {
    this.pack.destroy(new Error('archive aborted'));
    await this.written.catch(() => undefined);
    // Windows cannot delete a file that is still open
    if (!this.output.closed) await once(this.output, 'close');
    await rm(this.partial, { force: true });
  }

  /** Resolves once the pack has taken the entry, which waits for the gzip and the disk when they fall behind. */
  private async write(path: string, bytes: Buffer): Promise<void> {
    const header = { name: path, size: bytes.length, mode: 0o600, mtime: this.createdAt };
    try {
      await new Promise<void>((resolve, reject) => {
        const sink = this.pack.entry(header, bytes, (error) => (error ? reject(error) : resolve()));
        // the callback gets the error too; unhandled, the sink's 'error' event would crash the process
        sink.on('error', () => undefined);
      });
    } catch (error) {
      // the pack only says it was destroyed; the pipeline knows why (a full disk, say)
      await this.written;
      throw error;
    }
  }

  /** An entry written part by part, as fast as the gzip and the disk take it. */
  private async writeParts(path: string, parts: Buffer[]): Promise<void> {
    const header = { name: path, size: parts.reduce((sum, p) => sum + p.length, 0), mode: 0o600, mtime: this.createdAt };
    try {
      await new Promise<void>((resolve, reject) => {
        const sink = this.pack.entry(header, (error) => (error ? reject(error) : resolve()));
        sink.on('error', () => undefined);
        void (async () => {
          for (const part of parts.slice(0, -1)) if (!sink.write(part)) await once(sink, 'drain');
          sink.end(parts.at(-1));
        })().catch(reject);
      });
    } catch (error) {
      await this.written;
      throw error;
    }
  }
}

/** The archive's entries as they are stored, one at a time. */
async function* tarEntries(file: string): AsyncGenerator<{ path: string; bytes: Buffer }> {
  const input = createReadStream(file);
  const gunzip = createGunzip();
  const extract = tar.extract();
  input.on('error', (error) => extract.destroy(error));
  gunzip.on('error', (error) => extract.destroy(error));
  input.pipe(gunzip).pipe(extract);
  try {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      yield { path: entry.header.name, bytes: Buffer.concat(chunks) };
    }
  } catch (error) {
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') throw new FleetdeckError('not-found', `the archive ${file} does not exist`);
    if (syscall) throw error;
    throw invalid(`${file} is truncated or not a gzip tar archive: ${(error as Error).message}`);
  } finally {
    input.destroy();
    gunzip.destroy();
    extract.destroy();
  }
}

function parseObject(bytes: Buffer, file: string, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw invalid(`${file}: entry ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${file}: entry ${path} is not a JSON object`);
  return value as Record<string, unknown>;
}

function parseManifest(bytes: Buffer, file: string): ArchiveManifest {
  const manifest = parseObject(bytes, file, manifestPath);
  if (manifest.format !== 'fleetdeck-archive') throw invalid(`${file} is not a Fleetdeck archive (its manifest.json has format ${JSON.stringify(manifest.format)})`);
  const { version } = manifest;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw invalid(`${file} has an unknown archive version ${JSON.stringify(version)}`);
  if (version > 1) throw invalid(`${file} was written by a newer Fleetdeck (archive version ${version}; this one reads version 1): upgrade Fleetdeck to restore it`);
  if (!Array.isArray(manifest.entries)) throw invalid(`${file}: manifest.json has no list of entries`);
  return manifest as unknown as ArchiveManifest;
}

const machineKeyMessage = (file: string) =>
  `the Secrets in ${file} were encrypted with the machine key of the Fleetdeck installation that made it; restore on that machine or re-create the backup with --passphrase-file`;

async function unlock(file: string, encryption: ArchiveEncryption | undefined, passphrase: string | undefined): Promise<Buffer> {
  if (!encryption) throw invalid(`${file}: manifest.json marks entries as encrypted but has no encryption section`);
  if (encryption.cipher !== 'aes-256-gcm' || encryption.kdf !== 'scrypt') throw invalid(`${file} uses an unknown encryption (${encryption.cipher}, ${encryption.kdf})`);
  if (passphrase === undefined) throw invalid(encryption.keySource === 'machine' ? machineKeyMessage(file) : `${file} is protected by a passphrase (its Secrets are encrypted, its manifest signed): pass --passphrase-file`);
  let key: Buffer;
  try {
    key = await deriveKey(passphrase, Buffer.from(encryption.salt, 'base64'), encryption);
  } catch (error) {
    throw invalid(`${file}: unusable scrypt parameters in manifest.json: ${(error as Error).message}`);
  }
  if (unseal(key, encryption.keyCheck)?.toString() !== keyCheckPlaintext) throw invalid(encryption.keySource === 'machine' ? machineKeyMessage(file) : `wrong passphrase for ${file}`);
  return key;
}

/** Reads an archive that open() has verified from end to end. */
export class ArchiveReader {
  readonly manifest: ArchiveManifest;
  private readonly file: string;
  private readonly key: Buffer | undefined;

  private constructor(file: string, manifest: ArchiveManifest, key: Buffer | undefined) {
    this.file = file;
    this.manifest = manifest;
    this.key = key;
  }

  /**
   * Checks every entry against the manifest in one pass. The manifest comes last, so entries are hashed as they
   * stream by and only their hashes are kept.
   */
  static async open(file: string, options: { passphrase?: string; machinePassphrase?: string } = {}): Promise<ArchiveReader> {
    const hashes = new Map<string, string>();
    let manifestBytes: Buffer | undefined;
    // reported after the hashes: a damaged entry is better explained by its sha256 than by its JSON
    let malformed: FleetdeckError | undefined;
    for await (const { path, bytes } of tarEntries(file)) {
      if (hashes.has(path) || (path === manifestPath && manifestBytes)) throw invalid(`${file}: entry ${path} appears twice`);
      if (path === manifestPath) {
        manifestBytes = bytes;
        continue;
      }
      hashes.set(path, sha256(bytes));
      try {
        parseObject(bytes, file, path);
      } catch (error) {
        malformed ??= error as FleetdeckError;
      }
    }
    if (!manifestBytes) throw invalid(`${file} has no manifest.json: not a Fleetdeck archive, or truncated`);
    const manifest = parseManifest(manifestBytes, file);
    for (const entry of manifest.entries) {
      const hash = hashes.get(entry.path);
      if (hash === undefined) throw invalid(`${file}: entry ${entry.path} is listed in the manifest but missing from the archive`);
      if (hash !== entry.sha256) throw invalid(`${file}: entry ${entry.path} was modified after the backup (sha256 mismatch)`);
      hashes.delete(entry.path);
    }
    const [unlisted] = hashes.keys();
    if (unlisted !== undefined) throw invalid(`${file}: entry ${unlisted} is not listed in the manifest`);
    if (malformed) throw malformed;
    const encrypted = manifest.entries.some((entry) => entry.encrypted);
    if (!encrypted && !manifest.encryption) return new ArchiveReader(file, manifest, undefined);
    const passphrase = options.passphrase ?? (manifest.encryption?.keySource === 'machine' ? options.machinePassphrase : undefined);
    const key = await unlock(file, manifest.encryption, passphrase);
    const { mac: _, entries, ...signed } = manifest;
    const mac = manifest.mac;
    const [head, tail] = manifestFrame(signed, entries.length);
    const expected = Buffer.from(manifestMac(key, (function* () {
      yield head;
      for (let i = 0; i < entries.length; i++) yield `${i ? ',\n' : ''}${entryText(entries[i])}`;
      yield tail;
    })()), 'hex');
    if (!mac || !/^[0-9a-f]{64}$/.test(mac) || !timingSafeEqual(Buffer.from(mac, 'hex'), expected)) throw invalid(`${file}: manifest.json was modified after the backup (its MAC does not match)`);
    return new ArchiveReader(file, manifest, key);
  }

  /** The manifest alone, unverified: enough to list an archive (open() verifies before anything is restored). */
  static async manifestOf(file: string): Promise<ArchiveManifest> {
    for await (const { path, bytes } of tarEntries(file)) if (path === manifestPath) return parseManifest(bytes, file);
    throw invalid(`${file} has no manifest.json: not a Fleetdeck archive, or truncated`);
  }

  /**
   * The objects in archive order, decrypted; each is checked again, as the file may have changed
   * since open(). Entries the filter declines are passed over without being parsed.
   */
  async *entries(filter: (ref: ArchiveRef) => boolean = () => true): AsyncIterable<ArchiveEntry> {
    const changed = `${this.file} changed after it was opened`;
    const expected = new Map(this.manifest.entries.map((entry) => [entry.path, entry]));
    for await (const { path, bytes } of tarEntries(this.file)) {
      if (path === manifestPath) continue;
      const listed = expected.get(path);
      if (!listed) throw invalid(`${changed}: entry ${path} is not listed in the manifest, or appears twice`);
      expected.delete(path);
      if (!filter(listed)) continue;
      if (sha256(bytes) !== listed.sha256) throw invalid(`${changed}: entry ${path} was modified (sha256 mismatch)`);
      const content = parseObject(bytes, this.file, path);
      const { resource, group, namespace, name, apiVersion, kind } = listed;
      const ref: ArchiveRef = { resource, group, ...(namespace && { namespace }), name, apiVersion, kind };
      yield { ref, path, object: listed.encrypted ? this.decrypt(content, path) : content };
    }
    const [missing] = expected.keys();
    if (missing !== undefined) throw invalid(`${changed}: entry ${missing} is missing`);
  }

  private decrypt(envelope: Record<string, unknown>, path: string): Record<string, unknown> {
    // the key was checked by open(), so a failure here is a damaged envelope
    const plaintext = this.key && unseal(this.key, envelope);
    if (!plaintext) throw invalid(`${this.file}: entry ${path} cannot be decrypted: it was modified after the backup`);
    return parseObject(plaintext, this.file, path);
  }
}
