import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { z } from 'zod';
import packageJson from '../../../../package.json' with { type: 'json' };
import { FleetdeckError } from '../../../shared/errors.ts';
import { formatBytes } from '../../../shared/quantity.ts';

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
  /** present when the archive is signed: every archive Fleetdeck writes has a key (a passphrase, or this machine's) */
  encryption?: ArchiveEncryption;
  /** the restic snapshot of each claim's data (backup --volumes restic), and of the source volume's listing (none: the data's snapshot holds it) */
  volumes?: { namespace: string; claim: string; snapshot: string; listing?: string }[];
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

/** What an archive may hold: the reader refuses more ('too-large') as the bytes stream in, and the writer never writes more. */
export interface ArchiveLimits {
  /** stored bytes of one object's entry */
  entryBytes: number;
  manifestBytes: number;
  entries: number;
  /** everything the gzip stream unpacks to, tar headers and padding included */
  totalBytes: number;
}

const MiB = 1024 * 1024;
export const archiveLimits: ArchiveLimits = {
  // the API server keeps objects of at most about 1.5 MiB; pretty-printed or encrypted they stay well below this
  entryBytes: 16 * MiB,
  // a manifest entry takes 300 to 1,300 bytes
  manifestBytes: 128 * MiB,
  entries: 200_000,
  totalBytes: 2048 * MiB,
};

const manifestPath = 'manifest.json';
const keyCheckPlaintext = 'fleetdeck-archive-key-check';
/** The only scrypt cost a reader accepts: it is checked before any key is derived, as the manifest is not trusted yet. */
const scryptCost = { N: 32768, r: 8, p: 1 };
// N=32768, r=8 needs 32 MiB: exactly Node's default limit, which it then refuses
const scryptMaxMemory = 64 * MiB;
const saltBytes = { writer: 16, min: 16, max: 64 };

const resourceDirectory = (ref: Pick<ArchiveRef, 'resource' | 'group'>) => (ref.group ? `${ref.resource}.${ref.group}` : ref.resource);

/** `resources/<resource>.<group>/cluster/<name>.json` or `resources/<resource>.<group>/namespaces/<namespace>/<name>.json`; the core group has no suffix. */
export function entryPath(ref: ArchiveRef): string {
  for (const segment of [ref.resource, ref.group, ref.namespace ?? '', ref.name]) {
    if (/[/\\\0]/.test(segment) || segment === '.' || segment === '..') throw new FleetdeckError('invalid-input', `cannot archive ${ref.kind} ${ref.name}: ${JSON.stringify(segment)} is not a valid path segment`);
  }
  if (!ref.resource || !ref.name) throw new FleetdeckError('invalid-input', `cannot archive ${ref.kind} "${ref.name}": resource and name are required`);
  const scope = ref.namespace ? `namespaces/${ref.namespace}` : 'cluster';
  return `resources/${resourceDirectory(ref)}/${scope}/${ref.name}.json`;
}

/**
 * The longest path entryPath gives for names Kubernetes allows: a resource (a DNS label) in a group (a DNS
 * subdomain), a namespace (a label) and a name (at most 253 characters). Longer tar names are refused as they are read.
 */
const maxPathLength = `resources/${'r'.repeat(63)}.${'g'.repeat(253)}/namespaces/${'n'.repeat(63)}/${'x'.repeat(253)}.json`.length;

const invalid = (message: string) => new FleetdeckError('archive-invalid', message);
/** A value from an archive, short enough for a message. */
const shown = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.slice(0, 200)).slice(1, -1) : `(${value === null ? 'null' : typeof value})`);
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

/** Passes a stream through until more than `limit` bytes went by, then fails it with `tooLarge()`. */
function byteBudget(limit: number, tooLarge: () => FleetdeckError): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total > limit) callback(tooLarge());
      else callback(null, chunk);
    },
  });
}

/** A file-system failure on `file` as one line the user can act on. */
function fileError(error: unknown, file: string, action: 'read' | 'write'): FleetdeckError {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT') {
    return action === 'read' ? new FleetdeckError('not-found', `the archive ${file} does not exist`) : new FleetdeckError('not-found', `cannot write ${file}: the folder ${path.dirname(file)} does not exist`);
  }
  if (code === 'EEXIST') return new FleetdeckError('conflict', `${file} already exists: Fleetdeck never overwrites an archive; choose another name or delete it first`);
  if (code === 'EISDIR') return new FleetdeckError('invalid-input', action === 'read' ? `${file} is a folder, not an archive` : `cannot write ${file}: it is a folder`);
  return new FleetdeckError('invalid-input', `cannot ${action} ${file}: ${message}`);
}

interface WriterEncryption {
  key: Buffer;
  manifest: ArchiveEncryption;
}

/**
 * Writes an archive to `<file>.<random>.partial` and renames it to `<file>` only once it is complete. The name is
 * taken when the writer is created (an empty file, created only if none exists), so an existing archive is never
 * overwritten, and a missing folder or a taken name fails before any work is done. The partial file is created
 * afresh too (never a file or symlink already there), readable by the owner only; its random name is never in the
 * way of a later backup when a run is killed.
 */
export class ArchiveWriter {
  private readonly file: string;
  private readonly partial: string;
  private readonly createdAt = new Date();
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

  private constructor(file: string, partial: string, output: WriteStream, encryption: WriterEncryption | undefined) {
    this.file = file;
    this.partial = partial;
    this.output = output;
    this.encryption = encryption;
    // the tar stream counted as a reader counts it
    const budget = byteBudget(archiveLimits.totalBytes, () => new FleetdeckError('too-large', `an archive holds at most ${formatBytes(archiveLimits.totalBytes)} of objects: back up fewer namespaces at a time`));
    this.written = pipeline(this.pack, coalesce, budget, createGzip(), output);
    // a failure surfaces from add() or finish(); until then it must not count as unhandled
    this.written.catch(() => undefined);
  }

  static async create(file: string, options: { key?: ArchiveKey } = {}): Promise<ArchiveWriter> {
    try {
      await (await open(file, 'wx', 0o600)).close();
    } catch (error) {
      throw fileError(error, file, 'write');
    }
    let partial: string | undefined;
    try {
      let encryption: WriterEncryption | undefined;
      if (options.key) {
        const salt = randomBytes(saltBytes.writer);
        const key = await deriveKey(options.key.passphrase, salt, scryptCost);
        const keyCheck = seal(key, Buffer.from(keyCheckPlaintext));
        encryption = { key, manifest: { cipher: 'aes-256-gcm', kdf: 'scrypt', salt: salt.toString('base64'), ...scryptCost, keySource: options.key.keySource, keyCheck } };
      }
      partial = `${file}.${randomBytes(8).toString('hex')}.partial`;
      // 'wx': O_CREAT | O_EXCL, which also refuses a symlink in its place
      const output = createWriteStream(partial, { flags: 'wx', mode: 0o600, flush: true });
      await once(output, 'open');
      return new ArchiveWriter(file, partial, output, encryption);
    } catch (error) {
      await rm(file, { force: true });
      throw error instanceof FleetdeckError ? error : fileError(error, partial ?? file, 'write');
    }
  }

  /** Adds one object. Entries keep the order of the calls, so these may overlap. */
  async add(ref: ArchiveRef, object: unknown, options: { encrypt?: boolean } = {}): Promise<void> {
    const path = entryPath(ref);
    if (this.paths.has(path)) throw new FleetdeckError('invalid-input', `${path} is already in the archive`);
    if (options.encrypt && !this.encryption) throw new FleetdeckError('invalid-input', `cannot encrypt ${path}: the archive was created without a key`);
    const plain = pretty(object);
    const over = overBudget(plain, objectBudget);
    if (over) throw new FleetdeckError('too-large', `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} holds ${over}`);
    const bytes = options.encrypt && this.encryption ? pretty(seal(this.encryption.key, plain)) : plain;
    if (bytes.length > archiveLimits.entryBytes) throw new FleetdeckError('too-large', `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} takes ${formatBytes(bytes.length)}, more than the ${formatBytes(archiveLimits.entryBytes)} an archive entry may hold`);
    if (this.entryCount >= archiveLimits.entries) throw new FleetdeckError('too-large', `an archive holds at most ${archiveLimits.entries} objects: back up fewer namespaces at a time`);
    const { resource, group, namespace, name, apiVersion, kind } = ref;
    const entry: ArchiveManifestEntry = { path, sha256: sha256(bytes), resource, group, ...(namespace && { namespace }), name, apiVersion, kind, ...(options.encrypt && { encrypted: true as const }) };
    const checked = entrySchema.safeParse(entry);
    if (!checked.success) throw new FleetdeckError('invalid-input', `cannot archive ${kind} ${name}: its manifest entry ${firstIssue(checked.error)}`);
    this.paths.add(path);
    this.keepEntry(entry);
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

  /** Writes manifest.json (with where the objects came from and how they were chosen), flushes the file to disk and gives it its final name. */
  async finish(description: { source: ArchiveManifest['source']; selection: ArchiveManifest['selection']; volumes?: ArchiveManifest['volumes'] }): Promise<ArchiveManifestSummary> {
    this.entryChunks.push(this.entryChunk.subarray(0, this.entryChunkUsed));
    const summary: ArchiveManifestSummary = {
      format: 'fleetdeck-archive',
      version: 1,
      tool: { name: 'fleetdeck', version: packageJson.version },
      createdAt: this.createdAt.toISOString(),
      source: description.source,
      selection: description.selection,
      counts: Object.fromEntries(this.counts),
      total: this.entryCount,
      // before encryption: the reader frames the signed manifest with the key parameters last
      ...(description.volumes?.length ? { volumes: description.volumes } : {}),
      ...(this.encryption && { encryption: this.encryption.manifest }),
    };
    const { counts: _, ...header } = summary;
    const fault = headerFault(header);
    if (fault) throw new FleetdeckError(fault.tooLarge ? 'too-large' : 'invalid-input', `cannot write ${this.file}: its manifest.json ${fault.text}`);
    // the chunks hold the entries with their separators
    const framed = ([head, tail]: [string, string]) => [Buffer.from(head), ...this.entryChunks, Buffer.from(tail)];
    if (this.encryption) summary.mac = manifestMac(this.encryption.key, framed(manifestFrame(summary, this.entryCount)));
    const manifest = framed(manifestFrame(summary, this.entryCount));
    const manifestBytes = manifest.reduce((sum, part) => sum + part.length, 0);
    const manifestLimit = manifestByteLimit(this.entryCount, archiveLimits);
    if (manifestBytes > manifestLimit) throw new FleetdeckError('too-large', `the archive's manifest would take ${formatBytes(manifestBytes)}, more than the ${formatBytes(manifestLimit)} it may: back up fewer namespaces at a time, or select fewer`);
    await this.writeParts(manifestPath, manifest);
    this.pack.finalize();
    await this.written;
    // replaces only the empty file create() made to hold the name
    await rename(this.partial, this.file);
    return summary;
  }

  /** Stops writing and deletes the partial file and the name it held. */
  async abort(): Promise<void> {
    this.pack.destroy(new Error('archive aborted'));
    await this.written.catch(() => undefined);
    // Windows cannot delete a file that is still open
    if (!this.output.closed) await once(this.output, 'close');
    await rm(this.partial, { force: true });
    await rm(this.file, { force: true });
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

const controlCharacter = /[\u0000-\u001f\u007f]/;

/** Why a tar entry name is not a plain relative path inside the archive, if it is not. */
function unsafeName(name: string): string | undefined {
  if (name.length > maxPathLength) return `is longer than the ${maxPathLength} characters of the longest path an archive holds`;
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'is an absolute path';
  const segments = name.split('/');
  if (segments.includes('..')) return 'climbs out of the archive with ".."';
  if (name.includes('\\')) return 'holds a backslash';
  if (controlCharacter.test(name)) return 'holds a control character';
  if (segments.some((s) => s === '' || s === '.')) return 'has an empty or "." path segment';
  return undefined;
}

/** Longer than any pax or GNU long-name header a Fleetdeck archive holds: a path of maxPathLength characters takes at most about 2 KB. */
const maxExtendedHeader = 4096;

/** A tar header's size field read as tar-stream reads it (octal, or base-256 after a 0x80 byte); NaN where it reads no size. */
function tarSize(field: Buffer): number {
  if (field[0] & 0x80) return field[0] === 0x80 ? field.subarray(1).reduce((sum, byte) => sum * 256 + byte, 0) : Number.NaN;
  let start = 0;
  while (start < field.length && field[start] === 0x20) start++;
  const space = field.indexOf(0x20, start);
  const end = space === -1 ? field.length : space;
  while (start < end && field[start] === 0) start++;
  return start === end ? 0 : Number.parseInt(field.subarray(start, end).toString(), 8);
}

/** The keys of a pax header's records, read as tar-stream reads them. */
function paxKeys(body: Buffer): string[] {
  const keys: string[] = [];
  for (let rest = body; rest.length; ) {
    const space = rest.indexOf(0x20);
    const length = Number.parseInt(rest.subarray(0, space === -1 ? rest.length : space).toString(), 10);
    if (!length) break;
    const record = rest.subarray((space === -1 ? rest.length : space) + 1, length - 1).toString();
    if (!record.includes('=')) break;
    keys.push(record.slice(0, record.indexOf('=')));
    rest = rest.subarray(length);
  }
  return keys;
}

/**
 * Checks the raw tar headers before tar-stream reads them, following entry boundaries (a 512-byte header, then the
 * size rounded up to 512): tar-stream keeps a pax global header and copies it into every later pax header (471,000
 * keys made 20 entries take 14 s), and buffers extended headers of up to 4 MiB. Fleetdeck writes neither, so a
 * global header, an extended header over maxExtendedHeader, and a pax size record (which would move the boundaries)
 * are refused.
 */
function tarHeaderGuard(file: string): Transform {
  const refuse = (message: string) => invalid(`${file} is not an archive Fleetdeck wrote: ${message}`);
  let pending = Buffer.alloc(0);
  // bytes `pending` needs: a header's 512, or a pax header's body
  let needed = 512;
  let paxBody = false;
  // bytes to pass unread: an entry's body and padding
  let skip = 0;
  const padded = (size: number) => size + ((512 - (size % 512)) % 512);
  const take = (block: Buffer) => {
    if (paxBody) {
      if (paxKeys(block).includes('size')) throw refuse('a pax header sets an entry size');
      [paxBody, needed, skip] = [false, 512, padded(block.length) - block.length];
      return;
    }
    const type = String.fromCharCode(block[156]);
    const size = tarSize(block.subarray(124, 136));
    if (!Number.isSafeInteger(size) || size < 0) throw refuse('a tar header has a malformed size');
    if (type === 'g') throw refuse('it holds a pax global header');
    if ('xLKN'.includes(type) && size > maxExtendedHeader) throw new FleetdeckError('too-large', `${file} has a ${size}-byte tar extended header, more than the ${maxExtendedHeader} bytes an archive's may take`);
    if (type === 'x' && size > 0) [paxBody, needed] = [true, size];
    else skip = padded(size);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        for (let at = 0; at < chunk.length; ) {
          if (skip > 0) {
            const passed = Math.min(skip, chunk.length - at);
            skip -= passed;
            at += passed;
            continue;
          }
          const taken = Math.min(needed - pending.length, chunk.length - at);
          pending = Buffer.concat([pending, chunk.subarray(at, at + taken)]);
          at += taken;
          if (pending.length < needed) break;
          const block = pending;
          pending = Buffer.alloc(0);
          take(block);
        }
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback(null, chunk);
    },
  });
}

/**
 * The archive's entries as they are stored, one at a time, checked as they stream in: plain files with plain
 * relative names, each within its size limit (from its header, before its bytes are read), at most so many, and
 * no more unpacked bytes in all than the limit. Entries `wanted` declines are skipped unread (no bytes).
 */
async function* tarEntries(file: string, limits: ArchiveLimits, wanted: (path: string) => boolean = () => true): AsyncGenerator<{ path: string; bytes?: Buffer }> {
  const stats = await stat(file).catch((error: unknown) => {
    throw fileError(error, file, 'read');
  });
  if (stats.isDirectory()) throw new FleetdeckError('invalid-input', `${file} is a folder, not an archive`);
  if (!stats.isFile()) throw new FleetdeckError('invalid-input', `${file} is not a regular file`);
  const input = createReadStream(file);
  const gunzip = createGunzip();
  // counted before the bytes reach anything that keeps them
  const budget = byteBudget(limits.totalBytes, () => new FleetdeckError('too-large', `${file} unpacks to more than ${formatBytes(limits.totalBytes)}, more than an archive may hold`));
  const guard = tarHeaderGuard(file);
  const extract = tar.extract();
  for (const stream of [input, gunzip, budget, guard]) stream.on('error', (error: Error) => extract.destroy(error));
  input.pipe(gunzip).pipe(budget).pipe(guard).pipe(extract);
  let count = 0;
  try {
    for await (const entry of extract) {
      const { name, type, size } = entry.header;
      const label = JSON.stringify(name.slice(0, 200));
      if (++count > limits.entries + 1) throw new FleetdeckError('too-large', `${file} has more than ${limits.entries} entries, more than an archive may hold`);
      const unsafe = unsafeName(name);
      if (unsafe) throw invalid(`${file}: entry name ${label} ${unsafe}`);
      if (type !== 'file') throw invalid(`${file}: entry ${label} is a ${type ?? 'special entry'}, not a file`);
      // the entries before the manifest bound it; its bytes are refused before they are read
      const [limit, holder] = name === manifestPath ? [manifestByteLimit(count - 1, limits), manifestBudget(count - 1).holder] : [limits.entryBytes, 'an entry'];
      // tar-stream reads exactly the header's size as the entry's bytes
      if ((size ?? 0) > limit) throw new FleetdeckError('too-large', `${file}: entry ${label} is ${formatBytes(size ?? 0)}, more than the ${formatBytes(limit)} ${holder} may hold`);
      if (!wanted(name)) {
        entry.resume();
        yield { path: name };
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      yield { path: name, bytes: Buffer.concat(chunks) };
    }
  } catch (error) {
    if (error instanceof FleetdeckError) throw error;
    if ((error as NodeJS.ErrnoException).syscall) throw fileError(error, file, 'read');
    throw invalid(`${file} is truncated or not a gzip tar archive: ${(error as Error).message}`);
  } finally {
    input.destroy();
    gunzip.destroy();
    budget.destroy();
    guard.destroy();
    extract.destroy();
  }
}

/**
 * How many values a JSON text may hold. JSON.parse gives each its own place on the heap (an empty object takes 64
 * bytes for its 3 bytes of text), so a text is bounded by the values it holds, counted before it is parsed, as well as
 * by its bytes: a 12 MB manifest of 4,000,000 `{}` took 256 MB before anything could look at it.
 */
interface JsonBudget {
  values: number;
  /** objects and arrays, the costly values */
  containers: number;
  /** what the text is, for messages: "an object" */
  holder: string;
}

/** Far more than any Kubernetes object holds (the API server keeps at most about 1.5 MiB of one), and some 25 MB of heap at most. */
const objectBudget: JsonBudget = { values: 1 << 20, containers: 1 << 18, holder: 'an object' };

/** Values in a manifest besides its entries and counts: the tool, source, selection and key parameters. */
const headerValues = 4096;

/**
 * The bytes a manifest of `entries` entries may take, known before it is read: a pretty-printed entry and its key of
 * the counts take at most some 6 KB (its names at their longest, in non-ASCII text), the rest far less than 1 MiB.
 */
const manifestByteLimit = (entries: number, limits: ArchiveLimits) => Math.min(limits.manifestBytes, MiB + 8 * 1024 * entries);

/** A manifest of `entries` entries: each is one object of at most nine fields, and one key of the counts. */
const manifestBudget = (entries: number): JsonBudget => ({ values: 11 * entries + headerValues, containers: entries + headerValues, holder: `a manifest of ${entries} ${entries === 1 ? 'entry' : 'entries'}` });

/**
 * How the JSON text in `bytes` exceeds the budget, if it does, found without parsing it: an object or array holds at
 * most one value more than the commas in it, so a text holds at most 1 + commas + containers values. UTF-8 never
 * repeats an ASCII byte inside a multi-byte character, so the bytes can be read one by one.
 */
function overBudget(bytes: Buffer, budget: JsonBudget): string | undefined {
  let commas = 0;
  let containers = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      // a backslash escapes the byte after it
      if (byte === 0x5c) i++;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x2c) commas++;
    else if (byte === 0x7b || byte === 0x5b) containers++;
  }
  if (containers > budget.containers) return `${containers} objects and arrays, more than the ${budget.containers} ${budget.holder} may hold`;
  const values = 1 + commas + containers;
  if (values > budget.values) return `${values} JSON values, more than the ${budget.values} ${budget.holder} may hold`;
  return undefined;
}

function parseObject(bytes: Buffer, file: string, path: string, budget: JsonBudget): Record<string, unknown> {
  const over = overBudget(bytes, budget);
  if (over) throw new FleetdeckError('too-large', `${file}: entry ${path} holds ${over}`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    // JSON.parse's own message quotes the text around the fault, which may be a decrypted Secret
    throw invalid(`${file}: entry ${path} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${file}: entry ${path} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** a name as messages print it: on one line; no name in an archive is longer (Kubernetes allows 253 characters) */
const printable = z.string().max(253).refine((text) => !controlCharacter.test(text), 'expected no control characters');
const snapshotId = z.string().regex(/^[0-9a-f]{8,64}$/, 'expected a restic snapshot id');
const scalar = z.union([z.string().max(4096), z.number(), z.boolean(), z.null()]);
const envelopeSchema = z.object({ fleetdeckEncrypted: z.literal(1), iv: z.string().max(64), tag: z.string().max(64), data: z.string().max(4096) }).strict();
/**
 * The manifest as the writer writes it but for its entries and counts, which may be many and are checked one by one
 * (zod reports every fault it finds: 4,000,000 empty entries made 28,000,000 issues); nothing else is accepted.
 */
const headerSchema = z
  .object({
    format: z.literal('fleetdeck-archive'),
    version: z.literal(1),
    tool: z.object({ name: z.literal('fleetdeck'), version: z.string().max(100) }).strict(),
    createdAt: z.iso.datetime(),
    source: z.record(printable, scalar),
    selection: z
      .object({
        namespaces: z.array(printable).optional(),
        selector: z.string().max(4096).optional(),
        includeKinds: z.array(printable).optional(),
        excludeKinds: z.array(printable).optional(),
        workloads: z.array(z.object({ kind: printable, name: printable }).strict()).optional(),
      })
      .strict(),
    total: z.number().int().nonnegative(),
    encryption: z
      .object({
        cipher: z.literal('aes-256-gcm'),
        kdf: z.literal('scrypt'),
        salt: z.string().max(128),
        N: z.number(),
        r: z.number(),
        p: z.number(),
        keySource: z.enum(['passphrase', 'machine']),
        keyCheck: envelopeSchema,
      })
      .strict()
      .optional(),
    mac: z.string().regex(/^[0-9a-f]{64}$/, 'expected a hex HMAC-SHA256').optional(),
    volumes: z.array(z.object({ namespace: printable.max(63), claim: printable, snapshot: snapshotId, listing: snapshotId.optional() }).strict()).max(1000).optional(),
  })
  .strict();
const entrySchema = z
  .object({
    path: z.string().max(maxPathLength).refine((text) => !controlCharacter.test(text), 'expected no control characters'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a hex sha256'),
    resource: printable.max(63),
    group: printable,
    namespace: printable.min(1).max(63).optional(),
    name: printable,
    // a group (a DNS subdomain) and a version (a DNS label)
    apiVersion: z.string().max(253 + 1 + 63).regex(/^([a-z0-9.-]+\/)?[a-z0-9]+$/, 'expected an apiVersion such as v1 or apps/v1'),
    kind: printable,
    encrypted: z.literal(true).optional(),
  })
  .strict();

const issuePath = (path: PropertyKey[]) => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');
/** "is malformed at entries[0].sha256: expected a hex sha256": the first issue only, under `at` */
function firstIssue(error: z.ZodError, at: PropertyKey[] = []): string {
  const [issue] = error.issues;
  return `is malformed at ${issuePath([...at, ...issue.path]) || 'its top level'}: ${issue.message}`;
}

/** Whether a parsed JSON value holds more than `limit` values in all, counted without recursion. */
function holdsMoreThan(value: unknown, limit: number): boolean {
  let count = 1;
  const pending = [value];
  while (pending.length) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null) continue;
    const children = Object.values(node);
    count += children.length;
    if (count > limit) return true;
    for (const child of children) pending.push(child);
  }
  return false;
}

/** Why a manifest's header (all but its entries and counts) is not one a reader takes, if it is not: its size is checked before its schema. */
function headerFault(header: Record<string, unknown>): { tooLarge: boolean; text: string } | undefined {
  if (holdsMoreThan(header, headerValues)) return { tooLarge: true, text: `holds more than ${headerValues} values besides its entries and counts` };
  const checked = headerSchema.safeParse(header);
  return checked.success ? undefined : { tooLarge: false, text: firstIssue(checked.error) };
}

/**
 * The manifest, checked against the writer's format: every entry's path is the one its own resource, group, namespace
 * and name give, and the counts are its entries'. What it may hold is bounded before it is parsed (by `archived`, the
 * number of entries before it in the archive) and each part before a schema sees it, and the entries are checked one
 * by one up to the first fault: a hostile manifest takes no more memory than a real one.
 */
function parseManifest(bytes: Buffer, file: string, archived: number, limits: ArchiveLimits): ArchiveManifest {
  const manifest = parseObject(bytes, file, manifestPath, manifestBudget(archived));
  const quoted = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.slice(0, 100)) : shown(value));
  if (manifest.format !== 'fleetdeck-archive') throw invalid(`${file} is not a Fleetdeck archive (its manifest.json has format ${quoted(manifest.format)})`);
  const { version } = manifest;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw invalid(`${file} has an unknown archive version ${quoted(version)}`);
  if (version > 1) throw invalid(`${file} was written by a newer Fleetdeck (archive version ${version}; this one reads version 1): upgrade Fleetdeck to restore it`);
  // validated, not parsed: the MAC covers the manifest with its keys in the order they were written
  const { entries, counts, ...header } = manifest;
  const fault = headerFault(header);
  if (fault) throw fault.tooLarge ? new FleetdeckError('too-large', `${file}: manifest.json ${fault.text}`) : invalid(`${file}: manifest.json ${fault.text}`);
  if (!Array.isArray(entries)) throw invalid(`${file}: manifest.json is malformed at entries: expected an array`);
  if (entries.length > limits.entries) throw new FleetdeckError('too-large', `${file}: manifest.json lists ${entries.length} entries, more than the ${limits.entries} an archive may hold`);
  for (let i = 0; i < entries.length; i++) {
    const checked = entrySchema.safeParse(entries[i]);
    if (!checked.success) throw invalid(`${file}: manifest.json ${firstIssue(checked.error, ['entries', i])}`);
  }
  const valid = manifest as unknown as ArchiveManifest;
  if (valid.total !== valid.entries.length) throw invalid(`${file}: manifest.json says it lists ${valid.total} entries but lists ${valid.entries.length}`);
  const paths = new Set<string>();
  const tally = new Map<string, number>();
  valid.entries.forEach((entry, i) => {
    let expected: string;
    try {
      expected = entryPath(entry);
    } catch (error) {
      throw invalid(`${file}: manifest.json entry ${i}: ${(error as Error).message}`);
    }
    if (entry.path !== expected) throw invalid(`${file}: manifest.json entry ${i} (${entry.kind} ${entry.name}) has path ${JSON.stringify(entry.path)}, not ${JSON.stringify(expected)}`);
    if (entry.group !== groupOf(entry.apiVersion)) throw invalid(`${file}: manifest.json entry ${entry.path} has group ${JSON.stringify(entry.group)} but apiVersion ${entry.apiVersion}`);
    if (paths.has(entry.path)) throw invalid(`${file}: manifest.json lists ${entry.path} twice`);
    paths.add(entry.path);
    tally.set(resourceDirectory(entry), (tally.get(resourceDirectory(entry)) ?? 0) + 1);
  });
  if (typeof counts !== 'object' || counts === null || Array.isArray(counts)) throw invalid(`${file}: manifest.json is malformed at counts: expected an object`);
  for (const directory of new Set([...Object.keys(counts), ...tally.keys()])) {
    const said = Object.hasOwn(counts, directory) ? (counts as Record<string, unknown>)[directory] : 0;
    const listed = tally.get(directory) ?? 0;
    if (said !== listed) throw invalid(`${file}: manifest.json's counts give ${typeof said === 'number' ? said : shown(said)} for ${shown(directory)}, but it lists ${listed} there`);
  }
  return valid;
}

const machineKeyMessage = (file: string) =>
  `the Secrets in ${file} were encrypted with the machine key of the Fleetdeck installation that made it; restore on that machine or re-create the backup with --passphrase-file`;

/** The key derived from the first passphrase that opens the key check, if one does. */
async function keyOpening(keyCheck: ArchiveEnvelope, salt: Buffer, passphrases: string[]): Promise<Buffer | undefined> {
  for (const passphrase of passphrases) {
    const key = await deriveKey(passphrase, salt, scryptCost);
    if (unseal(key, keyCheck)?.toString() === keyCheckPlaintext) return key;
  }
  return undefined;
}

/** The archive's key, once its manifest MAC is verified; undefined for an unsigned archive the caller accepts. */
async function verifySignature(file: string, manifest: ArchiveManifest, options: ReaderOptions): Promise<Buffer | undefined> {
  const { encryption, mac, entries, ...rest } = manifest;
  if (!encryption) {
    if (mac !== undefined) throw invalid(`${file}: manifest.json has a MAC but no key parameters to check it with`);
    if (entries.some((entry) => entry.encrypted)) throw invalid(`${file}: manifest.json marks entries as encrypted but has no encryption section`);
    if (!options.allowUnsigned) throw invalid(`${file} is not signed: nothing shows that Fleetdeck wrote it or that it is unchanged; restore it only if you trust where it came from, with --allow-unsigned`);
    return undefined;
  }
  const { N, r, p, keySource } = encryption;
  if (N !== scryptCost.N || r !== scryptCost.r || p !== scryptCost.p) throw invalid(`${file} asks for scrypt cost N=${N}, r=${r}, p=${p}; Fleetdeck reads only archives with N=${scryptCost.N}, r=${scryptCost.r}, p=${scryptCost.p}`);
  const salt = Buffer.from(encryption.salt, 'base64');
  if (salt.length < saltBytes.min || salt.length > saltBytes.max) throw invalid(`${file} has a ${salt.length}-byte scrypt salt; Fleetdeck reads salts of ${saltBytes.min} to ${saltBytes.max} bytes`);
  const passphrases = options.passphrase !== undefined ? [options.passphrase] : keySource === 'machine' ? (options.machinePassphrases ?? []) : [];
  if (!passphrases.length) throw invalid(keySource === 'machine' ? machineKeyMessage(file) : `${file} is protected by a passphrase (its Secrets are encrypted, its manifest signed): pass --passphrase-file`);
  const key = await keyOpening(encryption.keyCheck, salt, passphrases);
  if (!key) throw invalid(keySource === 'machine' ? machineKeyMessage(file) : `wrong passphrase for ${file}`);
  const [head, tail] = manifestFrame({ ...rest, encryption }, entries.length);
  const expected = Buffer.from(manifestMac(key, (function* () {
    yield head;
    for (let i = 0; i < entries.length; i++) yield `${i ? ',\n' : ''}${entryText(entries[i])}`;
    yield tail;
  })()), 'hex');
  if (!mac || !timingSafeEqual(Buffer.from(mac, 'hex'), expected)) throw invalid(`${file}: manifest.json was modified after the backup (its MAC does not match)`);
  return key;
}

/** Deeper than any Kubernetes object, and well short of where the restore's copies and JSON.stringify run out of stack (about 5,000). */
const maxDepth = 1000;

/** Whether a parsed JSON value nests deeper than `limit`, found without recursion. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/** Refuses an object that is not the one its manifest entry names: the manifest is what the user sees and what pre-flight checks. */
function checkIdentity(file: string, listed: ArchiveManifestEntry, object: Record<string, unknown>): void {
  const metadata = (typeof object.metadata === 'object' && object.metadata !== null ? object.metadata : {}) as Record<string, unknown>;
  const namespace = metadata.namespace === '' ? undefined : metadata.namespace;
  if (object.apiVersion === listed.apiVersion && object.kind === listed.kind && metadata.name === listed.name && namespace === listed.namespace) return;
  const what = (apiVersion: unknown, kind: unknown, ns: unknown, name: unknown) => `${shown(kind)} ${shown(apiVersion)} ${ns === undefined ? '' : `${shown(ns)}/`}${shown(name)}`;
  throw invalid(`${file}: entry ${listed.path} holds ${what(object.apiVersion, object.kind, namespace, metadata.name)}, but the manifest lists ${what(listed.apiVersion, listed.kind, listed.namespace, listed.name)}`);
}

interface ReaderOptions {
  passphrase?: string;
  /** this machine's keys, each tried when the archive says a machine key made it */
  machinePassphrases?: string[];
  /** accept an archive without a signature (the report then says so) */
  allowUnsigned?: boolean;
  limits?: ArchiveLimits;
}

/** Reads an archive that open() has verified from end to end. */
export class ArchiveReader {
  readonly manifest: ArchiveManifest;
  /** the manifest's MAC was verified with the key; false only for an unsigned archive opened with allowUnsigned */
  readonly signed: boolean;
  private readonly file: string;
  private readonly key: Buffer | undefined;
  private readonly limits: ArchiveLimits;

  private constructor(file: string, manifest: ArchiveManifest, key: Buffer | undefined, limits: ArchiveLimits) {
    this.file = file;
    this.manifest = manifest;
    this.key = key;
    this.signed = key !== undefined;
    this.limits = limits;
  }

  /**
   * Checks every entry against the manifest (its hash, and its place in the manifest's order) in one pass, then the manifest's signature. The manifest comes last, so
   * entries are hashed as they stream by and only their hashes are kept. Each object is checked against its
   * manifest entry as entries() reads it (encrypted ones can only be read once the key is known).
   */
  static async open(file: string, options: ReaderOptions = {}): Promise<ArchiveReader> {
    const limits = options.limits ?? archiveLimits;
    const hashes = new Map<string, string>();
    let manifestBytes: Buffer | undefined;
    // reported after the hashes: a damaged entry is better explained by its sha256 than by its JSON
    let malformed: FleetdeckError | undefined;
    for await (const { path, bytes } of tarEntries(file, limits) as AsyncGenerator<{ path: string; bytes: Buffer }>) {
      if (manifestBytes) throw invalid(`${file}: entry ${path} comes after manifest.json, which is the last entry of an archive`);
      if (path === manifestPath) {
        manifestBytes = bytes;
        continue;
      }
      if (hashes.has(path)) throw invalid(`${file}: entry ${path} appears twice`);
      hashes.set(path, sha256(bytes));
      try {
        parseObject(bytes, file, path, objectBudget);
      } catch (error) {
        malformed ??= error as FleetdeckError;
      }
    }
    if (!manifestBytes) throw invalid(`${file} has no manifest.json: not a Fleetdeck archive, or truncated`);
    const manifest = parseManifest(manifestBytes, file, hashes.size, limits);
    const order = [...hashes.keys()];
    for (const entry of manifest.entries) {
      const hash = hashes.get(entry.path);
      if (hash === undefined) throw invalid(`${file}: entry ${entry.path} is listed in the manifest but missing from the archive`);
      if (hash !== entry.sha256) throw invalid(`${file}: entry ${entry.path} was modified after the backup (sha256 mismatch)`);
      hashes.delete(entry.path);
    }
    const [unlisted] = hashes.keys();
    if (unlisted !== undefined) throw invalid(`${file}: entry ${unlisted} is not listed in the manifest`);
    const misplaced = manifest.entries.findIndex((entry, i) => entry.path !== order[i]);
    if (misplaced >= 0) throw invalid(`${file}: entries are not in the order manifest.json lists them (${order[misplaced]} stands where it lists ${manifest.entries[misplaced].path})`);
    if (malformed) throw malformed;
    return new ArchiveReader(file, manifest, await verifySignature(file, manifest, options), limits);
  }

  /** The manifest alone, its format checked but its signature not: enough to list an archive (open() verifies before anything is restored). */
  static async manifestOf(file: string, limits: ArchiveLimits = archiveLimits): Promise<ArchiveManifest> {
    let archived = 0;
    for await (const { bytes } of tarEntries(file, limits, (p) => p === manifestPath)) {
      if (bytes) return parseManifest(bytes, file, archived, limits);
      archived++;
    }
    throw invalid(`${file} has no manifest.json: not a Fleetdeck archive, or truncated`);
  }

  /**
   * The objects in archive order, decrypted, each the object its manifest entry names; each is checked again, as
   * the file may have changed since open(). Entries the filter declines are passed over without being read.
   */
  async *entries(filter: (ref: ArchiveRef) => boolean = () => true): AsyncIterable<ArchiveEntry> {
    const changed = `${this.file} changed after it was opened`;
    const expected = new Map(this.manifest.entries.map((entry) => [entry.path, entry]));
    const wanted = (path: string) => {
      const listed = expected.get(path);
      return listed !== undefined && filter(listed);
    };
    for await (const { path, bytes } of tarEntries(this.file, this.limits, wanted)) {
      if (path === manifestPath) continue;
      const listed = expected.get(path);
      if (!listed) throw invalid(`${changed}: entry ${path} is not listed in the manifest, or appears twice`);
      expected.delete(path);
      if (!bytes) continue;
      if (sha256(bytes) !== listed.sha256) throw invalid(`${changed}: entry ${path} was modified (sha256 mismatch)`);
      const content = parseObject(bytes, this.file, path, objectBudget);
      const object = listed.encrypted ? this.decrypt(content, path) : content;
      checkIdentity(this.file, listed, object);
      if (nestsDeeperThan(object, maxDepth)) throw invalid(`${this.file}: entry ${path} nests more than ${maxDepth} levels deep`);
      const { resource, group, namespace, name, apiVersion, kind } = listed;
      const ref: ArchiveRef = { resource, group, ...(namespace && { namespace }), name, apiVersion, kind };
      yield { ref, path, object };
    }
    const [missing] = expected.keys();
    if (missing !== undefined) throw invalid(`${changed}: entry ${missing} is missing`);
  }

  private decrypt(envelope: Record<string, unknown>, path: string): Record<string, unknown> {
    // the key was checked by open(), so a failure here is a damaged envelope
    const plaintext = this.key && unseal(this.key, envelope);
    if (!plaintext) throw invalid(`${this.file}: entry ${path} cannot be decrypted: it was modified after the backup`);
    return parseObject(plaintext, this.file, path, objectBudget);
  }
}
