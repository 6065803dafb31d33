import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import packageJson from '../../../../package.json' with { type: 'json' };
import type { ArchiveEntry, ArchiveKey, ArchiveManifest, ArchiveRef } from './archive.ts';
import { ArchiveReader, ArchiveWriter, entryPath } from './archive.ts';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-archive-'));
  file = path.join(dir, 'backup.tar.gz');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown };
type Item = { ref: ArchiveRef; object: KubeObject; encrypt?: boolean };

const item = (resource: string, group: string, object: KubeObject, encrypt?: boolean): Item => ({
  ref: { resource, group, ...(object.metadata.namespace && { namespace: object.metadata.namespace }), name: object.metadata.name, apiVersion: object.apiVersion, kind: object.kind },
  object,
  encrypt,
});

const configMap = item('configmaps', '', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { color: 'blue' } });
const deployment = item('deployments', 'apps', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3 } });
const crd = item('customresourcedefinitions', 'apiextensions.k8s.io', {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', names: { plural: 'widgets', kind: 'Widget' } },
});
const namespace = item('namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
const password = 'hunter2-correct-horse-battery';
const secret = item('secrets', '', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, stringData: { password } }, true);

const source = { context: 'aks-prod', cloud: 'aks', kubernetesVersion: 'v1.31.2', server: 'https://aks-prod.hcp.westeurope.azmk8s.io' };
const selection = { namespaces: ['shop'] };
const key: ArchiveKey = { passphrase: 'correct horse battery staple', keySource: 'passphrase' };

/** Writes the archive; its manifest as stored in the file. */
async function writeArchive(items: Item[], archiveKey?: ArchiveKey): Promise<ArchiveManifest> {
  await rm(file, { force: true });
  const writer = await ArchiveWriter.create(file, { key: archiveKey });
  for (const { ref, object, encrypt } of items) await writer.add(ref, object, { encrypt });
  const summary = await writer.finish({ source, selection });
  const manifest = await ArchiveReader.manifestOf(file);
  expect(manifest).toEqual({ ...summary, entries: manifest.entries });
  return manifest;
}

/** Opens an archive made without a key, as --allow-unsigned does. */
const openUnsigned = (archive = file) => ArchiveReader.open(archive, { allowUnsigned: true });

async function readAll(reader: ArchiveReader): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  for await (const entry of reader.entries()) entries.push(entry);
  return entries;
}

/** The raw tar entries, in order. */
async function tarEntries(): Promise<{ name: string; bytes: Buffer }[]> {
  const extract = tar.extract();
  const reading = (async () => {
    const entries: { name: string; bytes: Buffer }[] = [];
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      entries.push({ name: entry.header.name, bytes: Buffer.concat(chunks) });
    }
    return entries;
  })();
  extract.end(gunzipSync(await readFile(file)));
  return reading;
}

/** Rebuilds the archive from changed tar entries. */
async function rewrite(change: (entries: { name: string; bytes: Buffer }[]) => { name: string; bytes: Buffer }[]): Promise<void> {
  const pack = tar.pack();
  for (const { name, bytes } of change(await tarEntries())) pack.entry({ name }, bytes);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  await writeFile(file, gzipSync(Buffer.concat(chunks)));
}

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Replaces one entry's bytes and, if asked, its hash in the manifest, so only the content is wrong. */
const replaceEntry = (entryName: string, bytes: Buffer, updateManifest: boolean) =>
  rewrite((entries) =>
    entries.map((entry) => {
      if (entry.name === entryName) return { name: entryName, bytes };
      if (entry.name !== 'manifest.json' || !updateManifest) return entry;
      const manifest = JSON.parse(entry.bytes.toString()) as ArchiveManifest;
      return { name: 'manifest.json', bytes: json({ ...manifest, entries: manifest.entries.map((e) => (e.path === entryName ? { ...e, sha256: sha256(bytes) } : e)) }) };
    }),
  );

const changeManifest = (change: (manifest: Record<string, unknown>) => Record<string, unknown>) =>
  rewrite((entries) => entries.map((entry) => (entry.name === 'manifest.json' ? { name: entry.name, bytes: json(change(JSON.parse(entry.bytes.toString()))) } : entry)));

describe('entryPath', () => {
  it('follows the resource directory layout, with no group suffix for the core group', () => {
    expect(entryPath(configMap.ref)).toBe('resources/configmaps/namespaces/shop/settings.json');
    expect(entryPath(deployment.ref)).toBe('resources/deployments.apps/namespaces/shop/web.json');
    expect(entryPath(crd.ref)).toBe('resources/customresourcedefinitions.apiextensions.k8s.io/cluster/widgets.example.com.json');
    expect(entryPath(namespace.ref)).toBe('resources/namespaces/cluster/shop.json');
  });

  it('refuses names that would leave their directory', () => {
    expect(() => entryPath({ ...configMap.ref, name: '../../etc/passwd' })).toThrow(/not a valid path segment/);
    expect(() => entryPath({ ...configMap.ref, namespace: '..' })).toThrow(/not a valid path segment/);
  });
});

describe('archive', () => {
  it('round-trips objects with the same content and order, and describes them in the manifest', async () => {
    const items = [configMap, deployment, crd, namespace];
    const written = await writeArchive(items);

    expect(written).toMatchObject({ format: 'fleetdeck-archive', version: 1, tool: { name: 'fleetdeck', version: packageJson.version }, source, selection });
    expect(Date.parse(written.createdAt)).not.toBeNaN();
    expect(written.counts).toEqual({ configmaps: 1, 'deployments.apps': 1, 'customresourcedefinitions.apiextensions.k8s.io': 1, namespaces: 1 });
    expect(written.total).toBe(4);
    expect(written.encryption).toBeUndefined();
    expect(written.entries.map((entry) => entry.path)).toEqual([
      'resources/configmaps/namespaces/shop/settings.json',
      'resources/deployments.apps/namespaces/shop/web.json',
      'resources/customresourcedefinitions.apiextensions.k8s.io/cluster/widgets.example.com.json',
      'resources/namespaces/cluster/shop.json',
    ]);
    expect(written.entries[2]).toEqual({ path: entryPath(crd.ref), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), ...crd.ref });
    expect(written.entries[2]).not.toHaveProperty('namespace');

    const stored = await tarEntries();
    expect(stored.map((entry) => entry.name)).toEqual([...written.entries.map((entry) => entry.path), 'manifest.json']);
    expect(stored[1].bytes.toString()).toBe(`${JSON.stringify(deployment.object, null, 2)}\n`);
    // manifest.json is written in parts, but is the plain pretty JSON of the manifest
    expect(stored.at(-1)!.bytes.toString()).toBe(`${JSON.stringify(written, null, 2)}\n`);
    expect(stored.slice(0, 4).map((entry) => sha256(entry.bytes))).toEqual(written.entries.map((entry) => entry.sha256));
    expect(JSON.parse(stored[4].bytes.toString())).toEqual(written);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const reader = await openUnsigned();
    expect(reader.signed).toBe(false);
    expect(reader.manifest).toEqual(written);
    expect(await readAll(reader)).toEqual(items.map(({ ref, object }) => ({ ref, path: entryPath(ref), object })));
  });

  it('encrypts Secrets on disk, keeps their path and kind in clear, and decrypts them on read', async () => {
    const written = await writeArchive([configMap, secret], key);

    const tarBytes = gunzipSync(await readFile(file)).toString('latin1');
    expect(tarBytes).not.toContain(password);
    expect(tarBytes).toContain('resources/secrets/namespaces/shop/db.json');
    expect(tarBytes).toContain('"color": "blue"');
    const stored = await tarEntries();
    expect(stored.at(-1)!.bytes.toString()).toBe(`${JSON.stringify(written, null, 2)}\n`);
    expect(Object.keys(written).slice(-2)).toEqual(['encryption', 'mac']);
    const envelope = JSON.parse(stored[1].bytes.toString());
    expect(Object.keys(envelope).sort()).toEqual(['data', 'fleetdeckEncrypted', 'iv', 'tag']);
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
    expect(written.entries[1]).toMatchObject({ path: 'resources/secrets/namespaces/shop/db.json', kind: 'Secret', name: 'db', encrypted: true });
    expect(written.entries[0]).not.toHaveProperty('encrypted');
    expect(written.encryption).toMatchObject({ cipher: 'aes-256-gcm', kdf: 'scrypt', N: 32768, r: 8, p: 1, keySource: 'passphrase' });
    expect(Buffer.from(written.encryption?.salt ?? '', 'base64')).toHaveLength(16);

    const reader = await ArchiveReader.open(file, { passphrase: key.passphrase });
    expect(reader.signed).toBe(true);
    expect((await readAll(reader)).map((entry) => entry.object)).toEqual([configMap.object, secret.object]);
  });

  it('refuses a wrong or missing passphrase, and names the machine key when that was used', async () => {
    await writeArchive([secret], key);
    await expect(ArchiveReader.open(file, { passphrase: 'wrong' })).rejects.toThrow(`wrong passphrase for ${file}`);
    await expect(ArchiveReader.open(file)).rejects.toMatchObject({ code: 'archive-invalid', message: `${file} is protected by a passphrase (its Secrets are encrypted, its manifest signed): pass --passphrase-file` });

    await writeArchive([secret], { passphrase: 'this machine', keySource: 'machine' });
    await expect(ArchiveReader.open(file, { passphrase: 'another machine' })).rejects.toThrow(/encrypted with the machine key of the Fleetdeck installation that made it/);
  });

  it('needs its passphrase when made with one, even without Secrets', async () => {
    await writeArchive([configMap], key);
    await expect(ArchiveReader.open(file)).rejects.toThrow(/pass --passphrase-file/);
    expect(await readAll(await ArchiveReader.open(file, { passphrase: key.passphrase }))).toHaveLength(1);
  });

  it('refuses to encrypt without a key, and a duplicate entry, and goes on afterwards', async () => {
    const writer = await ArchiveWriter.create(file);
    await expect(writer.add(secret.ref, secret.object, { encrypt: true })).rejects.toMatchObject({ code: 'invalid-input' });
    await writer.add(configMap.ref, configMap.object);
    await expect(writer.add(configMap.ref, { ...configMap.object, data: {} })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/already in the archive/) });
    const manifest = await writer.finish({ source, selection });
    expect(manifest.total).toBe(1);
    expect(await readAll(await openUnsigned())).toEqual([{ ref: configMap.ref, path: entryPath(configMap.ref), object: configMap.object }]);
  });

  it('writes to .partial, holding the name with an empty file, and renames it on finish; abort deletes both', async () => {
    const writer = await ArchiveWriter.create(file);
    await writer.add(configMap.ref, configMap.object);
    expect(existsSync(`${file}.partial`)).toBe(true);
    expect((await stat(file)).size).toBe(0);
    await writer.finish({ source, selection });
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect((await stat(file)).size).toBeGreaterThan(0);

    const other = path.join(dir, 'aborted.tar.gz');
    const aborted = await ArchiveWriter.create(other);
    await aborted.add(configMap.ref, configMap.object);
    await aborted.abort();
    expect(existsSync(`${other}.partial`)).toBe(false);
    expect(existsSync(other)).toBe(false);
  });

  it('refuses an entry with one byte changed', async () => {
    await writeArchive([configMap, deployment]);
    const settings = (await tarEntries())[0];
    const bytes = Buffer.from(settings.bytes);
    bytes[bytes.indexOf('blue')] ^= 1;
    await replaceEntry(settings.name, bytes, false);
    await expect(ArchiveReader.open(file)).rejects.toMatchObject({
      code: 'archive-invalid',
      message: `${file}: entry resources/configmaps/namespaces/shop/settings.json was modified after the backup (sha256 mismatch)`,
    });
  });

  it('refuses an entry that is not valid JSON even when its hash was updated', async () => {
    await writeArchive([configMap]);
    await replaceEntry(entryPath(configMap.ref), Buffer.from('{ "kind": '), true);
    await expect(ArchiveReader.open(file)).rejects.toThrow(/entry resources\/configmaps\/namespaces\/shop\/settings.json is not valid JSON/);
  });

  it('refuses a keyed archive whose entry and manifest hash were both rewritten (the manifest MAC)', async () => {
    await writeArchive([configMap, secret], key);
    await replaceEntry(entryPath(configMap.ref), json({ ...configMap.object, data: { color: 'red' } }), true);
    await expect(ArchiveReader.open(file, { passphrase: key.passphrase })).rejects.toMatchObject({ code: 'archive-invalid', message: `${file}: manifest.json was modified after the backup (its MAC does not match)` });
  });

  it('opens a keyed archive with the machine passphrase only when the machine key made it', async () => {
    await writeArchive([secret], { passphrase: 'machine-derived', keySource: 'machine' });
    expect((await readAll(await ArchiveReader.open(file, { machinePassphrase: 'machine-derived' })))[0].object).toEqual(secret.object);
    await writeArchive([secret], key);
    await expect(ArchiveReader.open(file, { machinePassphrase: 'machine-derived' })).rejects.toThrow(/is protected by a passphrase \(its Secrets are encrypted, its manifest signed\): pass --passphrase-file/);
  });

  it('re-checks every entry while reading, as the file may change after open', async () => {
    await writeArchive([configMap, deployment]);
    const reader = await openUnsigned();
    const stored = (await tarEntries())[1];
    await replaceEntry(stored.name, Buffer.from(stored.bytes.toString().replace('3', '9')), false);
    await expect(readAll(reader)).rejects.toThrow(/changed after it was opened: entry resources\/deployments.apps\/namespaces\/shop\/web.json was modified/);
    await rewrite((entries) => entries.filter((entry) => entry.name !== stored.name));
    await expect(readAll(reader)).rejects.toThrow(/changed after it was opened: entry resources\/deployments.apps\/namespaces\/shop\/web.json is missing/);
  });

  it('refuses a truncated file', async () => {
    await writeArchive([configMap, deployment, crd, namespace]);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length / 2));
    await expect(ArchiveReader.open(file)).rejects.toMatchObject({ code: 'archive-invalid', message: expect.stringContaining(`${file} is truncated or not a gzip tar archive: `) });
  });

  it('says when the file does not exist', async () => {
    await expect(ArchiveReader.open(file)).rejects.toMatchObject({ code: 'not-found', message: `the archive ${file} does not exist` });
  });

  it('refuses a file that is not a gzip tar archive', async () => {
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\n');
    await expect(ArchiveReader.open(file)).rejects.toThrow(`${file} is truncated or not a gzip tar archive: incorrect header check`);
    await writeFile(file, gzipSync('not a tar archive'));
    await expect(ArchiveReader.open(file)).rejects.toThrow(`${file} is truncated or not a gzip tar archive`);
  });

  it('refuses a tar archive without manifest.json', async () => {
    await writeArchive([configMap]);
    await rewrite((entries) => entries.filter((entry) => entry.name !== 'manifest.json'));
    await expect(ArchiveReader.open(file)).rejects.toThrow(`${file} has no manifest.json: not a Fleetdeck archive, or truncated`);
  });

  it('refuses an entry not listed in the manifest, and one listed but missing', async () => {
    await writeArchive([configMap, deployment]);
    const extra = { name: 'resources/secrets/namespaces/shop/injected.json', bytes: json(secret.object) };
    await rewrite((entries) => [extra, ...entries]);
    await expect(ArchiveReader.open(file)).rejects.toThrow(`${file}: entry resources/secrets/namespaces/shop/injected.json is not listed in the manifest`);

    await rewrite((entries) => entries.filter((entry) => entry.name !== extra.name && entry.name !== entryPath(deployment.ref)));
    await expect(ArchiveReader.open(file)).rejects.toThrow(`${file}: entry resources/deployments.apps/namespaces/shop/web.json is listed in the manifest but missing from the archive`);
  });

  it('refuses an unknown format and a newer version', async () => {
    await writeArchive([configMap]);
    await changeManifest((manifest) => ({ ...manifest, version: 2 }));
    await expect(ArchiveReader.open(file)).rejects.toThrow(/written by a newer Fleetdeck \(archive version 2; this one reads version 1\)/);
    await changeManifest((manifest) => ({ ...manifest, version: 1, format: 'velero' }));
    await expect(ArchiveReader.open(file)).rejects.toThrow(`${file} is not a Fleetdeck archive (its manifest.json has format "velero")`);
  });

  it('streams 20,000 entries in order, their manifest (several chunks of text) signed and listed whole', { timeout: 60_000 }, async () => {
    const count = 20_000;
    const writer = await ArchiveWriter.create(file, { key });
    for (let i = 0; i < count; i++) {
      await writer.add({ ...configMap.ref, name: `settings-${i}` }, { ...configMap.object, metadata: { name: `settings-${i}`, namespace: 'shop' } });
    }
    expect((await writer.finish({ source, selection })).counts).toEqual({ configmaps: count });

    // open() checks the MAC over the whole manifest text and every entry against it
    const reader = await ArchiveReader.open(file, { passphrase: key.passphrase });
    expect(reader.manifest.entries.map((e) => e.name)).toEqual(Array.from({ length: count }, (_, i) => `settings-${i}`));
    let read = 0;
    for await (const entry of reader.entries()) {
      if (entry.ref.name !== `settings-${read}`) throw new Error(`entry ${read} is ${entry.ref.name}`);
      read++;
    }
    expect(read).toBe(count);
  });
});
