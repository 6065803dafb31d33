// Fuzzing the archive reader: random bytes, damaged gzip and tar streams, entries truncated,
// reordered, duplicated and dropped, mutated manifests and entries. Whatever comes in, the reader
// must neither crash nor hang, and every refusal is a FleetdeckError 'archive-invalid' or
// 'too-large' with a one-line message naming the file. Each property runs for a bounded time.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetdeckError } from '../../../shared/errors.ts';
import { ArchiveReader, ArchiveWriter, type ArchiveKey, type ArchiveLimits, type ArchiveRef } from './archive.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-archive-fuzz-'));
const file = path.join(dir, 'fuzzed.tar.gz');
afterAll(() => rm(dir, { recursive: true, force: true }));

const key: ArchiveKey = { passphrase: 'fuzzing passphrase', keySource: 'passphrase' };
/** a bounded time per property; runs that do not fit are left out, not failed */
const budget = (numRuns: number) => ({ numRuns, interruptAfterTimeLimit: 15_000, markInterruptAsFailure: false });

type TarEntry = { name: string; bytes: Buffer };
/** The tar entries of each base archive, unsigned and signed. */
const bases: Record<'unsigned' | 'signed', TarEntry[]> = { unsigned: [], signed: [] };

const objects: [ArchiveRef, Record<string, unknown>, boolean][] = [
  [{ resource: 'namespaces', group: '', name: 'shop', apiVersion: 'v1', kind: 'Namespace' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, false],
  [{ resource: 'configmaps', group: '', namespace: 'shop', name: 'settings', apiVersion: 'v1', kind: 'ConfigMap' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { color: 'blue' } }, false],
  [{ resource: 'deployments', group: 'apps', namespace: 'shop', name: 'web', apiVersion: 'apps/v1', kind: 'Deployment' }, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 2 } }, false],
  [{ resource: 'secrets', group: '', namespace: 'shop', name: 'db', apiVersion: 'v1', kind: 'Secret' }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, stringData: { password: 'hunter2' } }, true],
];

async function tarEntriesOf(gzipped: Buffer): Promise<TarEntry[]> {
  const extract = tar.extract();
  const reading = (async () => {
    const entries: TarEntry[] = [];
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      entries.push({ name: entry.header.name, bytes: Buffer.concat(chunks) });
    }
    return entries;
  })();
  extract.end(gunzipSync(gzipped));
  return reading;
}

async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { name, bytes } of entries) pack.entry({ name }, bytes);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  for (const kind of ['unsigned', 'signed'] as const) {
    const base = path.join(dir, `${kind}.tar.gz`);
    const writer = await ArchiveWriter.create(base, kind === 'signed' ? { key } : {});
    for (const [ref, object, secret] of objects) await writer.add(ref, object, { encrypt: secret && kind === 'signed' });
    await writer.finish({ source: { context: 'aks-prod', cloud: 'aks' }, selection: { namespaces: ['shop'] } });
    bases[kind] = await tarEntriesOf(await readFile(base));
  }
});

/** A refusal as the reader must give it. */
function expectRefusal(error: unknown) {
  if (!(error instanceof FleetdeckError)) throw new Error(`not a FleetdeckError: ${(error as Error)?.stack ?? String(error)}`);
  expect(['archive-invalid', 'too-large']).toContain(error.code);
  expect(error.message).toContain(file);
  expect(error.message).not.toContain('\n');
}

/** Opens, lists and reads the file; every failure must be a proper refusal. */
async function readFully(options: { passphrase?: string; allowUnsigned?: boolean; limits?: ArchiveLimits }) {
  try {
    await ArchiveReader.manifestOf(file, options.limits);
  } catch (error) {
    expectRefusal(error);
  }
  try {
    const reader = await ArchiveReader.open(file, options);
    for await (const entry of reader.entries()) expect(entry.object).toBeTypeOf('object');
    return 'read';
  } catch (error) {
    expectRefusal(error);
    return 'refused';
  }
}

const smallLimits = fc.option(
  fc.record({ entryBytes: fc.integer({ min: 64, max: 4096 }), manifestBytes: fc.integer({ min: 256, max: 8192 }), entries: fc.integer({ min: 1, max: 8 }), totalBytes: fc.integer({ min: 1024, max: 64 * 1024 }) }),
  { nil: undefined },
);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const manifestOf = (entries: TarEntry[]) => JSON.parse(entries.at(-1)!.bytes.toString()) as Record<string, unknown> & { entries: Record<string, unknown>[] };
const withManifest = (entries: TarEntry[], manifest: unknown): TarEntry[] => [...entries.slice(0, -1), { name: 'manifest.json', bytes: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) }];

describe('archive reader fuzzing', () => {
  it('refuses random bytes, gzipped or not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 8192 }), fc.boolean(), async (bytes, gzipped) => {
        await writeFile(file, gzipped ? gzipSync(bytes) : bytes);
        expect(await readFully({ allowUnsigned: true })).toBe('refused');
      }),
      budget(300),
    );
  }, 60_000);

  it('refuses a damaged archive: bytes flipped or cut anywhere in the tar or the gzip stream', async () => {
    const tarBytes = await tarOf(bases.unsigned);
    const gzipped = gzipSync(tarBytes);
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        smallLimits,
        async (inGzip, flips, cut, limits) => {
          const bytes = Buffer.from(inGzip ? gzipped : tarBytes);
          for (const [at, xor] of flips) bytes[at % bytes.length] ^= xor;
          const damaged = cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
          await writeFile(file, inGzip ? damaged : gzipSync(damaged));
          await readFully({ allowUnsigned: true, ...(limits ? { limits } : {}) });
        },
      ),
      budget(300),
    );
  }, 60_000);

  it('refuses entries reordered, duplicated, dropped or foreign, signed or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'unsigned' | 'signed'>('unsigned', 'signed'),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        fc.array(fc.record({ name: fc.oneof(fc.string(), fc.constantFrom('manifest.json', '../x.json', '/abs', 'resources/configmaps/namespaces/shop/settings.json')), bytes: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) }), { maxLength: 2 }),
        smallLimits,
        async (kind, picks, foreign, limits) => {
          const base = bases[kind];
          // picks choose the entries in their new order: repeats duplicate, misses drop
          const entries = [...picks.map((i) => base[i % base.length]), ...foreign.filter((f) => f.name)];
          await writeFile(file, gzipSync(await tarOf(entries)));
          const outcome = await readFully({ passphrase: key.passphrase, allowUnsigned: kind === 'unsigned', ...(limits ? { limits } : {}) });
          const intact = entries.length === base.length && entries.every((e, i) => e === base[i]);
          if (!intact) expect(outcome).toBe('refused');
        },
      ),
      budget(150),
    );
  }, 60_000);

  it('refuses a mutated manifest, or reads an archive that is still whole', async () => {
    const paths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] =>
      typeof value === 'object' && value !== null ? [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, Array.isArray(value) ? Number(k) : k]))] : [prefix];
    const set = (root: unknown, at: (string | number)[], value: unknown, remove: boolean): unknown => {
      if (!at.length) return value;
      const copy = structuredClone(root) as Record<string | number, unknown>;
      let holder = copy;
      for (const step of at.slice(0, -1)) holder = holder[step] as Record<string | number, unknown>;
      if (remove) delete holder[at.at(-1)!];
      else holder[at.at(-1)!] = value;
      return copy;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'unsigned' | 'signed'>('unsigned', 'signed'),
        fc.array(fc.tuple(fc.nat(), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(null, -1, 1e308, 2 ** 31, '', '..', '/etc/passwd', 'a'.repeat(5000), [null])), fc.boolean()), { minLength: 1, maxLength: 4 }),
        async (kind, mutations) => {
          let manifest: unknown = manifestOf(bases[kind]);
          for (const [pick, value, remove] of mutations) {
            const all = paths(manifest);
            manifest = set(manifest, all[pick % all.length], value, remove);
          }
          await writeFile(file, gzipSync(await tarOf(withManifest(bases[kind], manifest))));
          await readFully({ passphrase: key.passphrase, allowUnsigned: kind === 'unsigned' });
        },
      ),
      budget(150),
    );
  }, 60_000);

  it('reads or refuses a manifest made large by repetition anywhere in it, in one line and without filling the heap', async () => {
    type Manifest = ReturnType<typeof manifestOf> & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const hole = '\u0000hole';
    const places: Record<string, (manifest: Manifest) => void> = {
      entries: (m) => (m.entries = hole as never),
      'an entry': (m) => (m.entries[0] = hole as never),
      'an entry field': (m) => (m.entries[0].name = hole),
      counts: (m) => (m.counts = hole),
      source: (m) => (m.source = hole),
      selection: (m) => (m.selection = hole),
      'selected namespaces': (m) => (m.selection.namespaces = hole),
      'selected workloads': (m) => (m.selection.workloads = hole),
      tool: (m) => (m.tool = hole),
      'key parameters': (m) => (m.encryption = hole),
      'an unknown field': (m) => (m.extra = hole),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'unsigned' | 'signed'>('unsigned', 'signed'),
        fc.constantFrom(...Object.keys(places)),
        fc.oneof(fc.constantFrom('{}', '[]', '0', '""', 'null', '[[]]', '{"a":{}}', '"shop"'), fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value))),
        fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100_000, max: 2_000_000 })),
        fc.boolean(),
        async (kind, place, unit, times, keyed) => {
          const manifest = manifestOf(bases[kind]) as Manifest;
          places[place](manifest);
          // keyed: an object of distinct keys; else an array of copies; at most 16 MB of text either way
          const count = Math.max(1, Math.min(times, Math.floor(16_000_000 / (unit.length + (keyed ? 10 : 1)))));
          const repeated = keyed ? `{${Array.from({ length: count }, (_, i) => `"k${i}":${unit}`).join(',')}}` : `[${`${unit},`.repeat(count - 1)}${unit}]`;
          const text = JSON.stringify(manifest).replace(JSON.stringify(hole), () => repeated);
          await writeFile(file, gzipSync(await tarOf([...bases[kind].slice(0, -1), { name: 'manifest.json', bytes: Buffer.from(text) }])));
          const before = process.memoryUsage().rss;
          await readFully({ passphrase: key.passphrase, allowUnsigned: kind === 'unsigned' });
          // the reads hold the manifest's bytes, not what parsing what it repeats would take (up to 1 GB, and zod's issues on top)
          expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
        },
      ),
      budget(60),
    );
  }, 60_000);

  it('refuses an entry whose content was replaced, even with its hash updated in an unsigned manifest', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.oneof(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), fc.string()), async (pick, text) => {
        const entries = [...bases.unsigned];
        const at = pick % (entries.length - 1);
        const bytes = Buffer.from(text);
        entries[at] = { name: entries[at].name, bytes };
        const manifest = manifestOf(entries);
        manifest.entries = manifest.entries.map((e) => (e.path === entries[at].name ? { ...e, sha256: sha256(bytes) } : e));
        await writeFile(file, gzipSync(await tarOf(withManifest(entries, manifest))));
        expect(await readFully({ allowUnsigned: true })).toBe('refused');
      }),
      budget(200),
    );
  }, 60_000);
});
