import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { chmod, lstat, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import packageJson from '../../../../package.json' with { type: 'json' };
import type { ArchiveEntry, ArchiveKey, ArchiveManifest, ArchiveRef } from './archive.ts';
import { ArchiveReader, archiveLimits, ArchiveWriter, entryPath } from './archive.ts';
import type { KubeObject } from '../../../shared/kube-object.ts';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-archive-'));
  file = path.join(dir, 'backup.tar.gz');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

type Item = { ref: ArchiveRef; object: KubeObject | Record<string, unknown>; encrypt?: boolean };

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

type RawEntry = Partial<tar.Header> & { name: string; bytes?: Buffer };

/** A tar stream of these entries, as they are given (links, devices and odd names included). */
async function tarOf(entries: RawEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { bytes, ...header } of entries) pack.entry(header, bytes ?? Buffer.alloc(0));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A raw ustar header, whatever its type and size: tar-stream's pack writes only what Fleetdeck writes. */
function rawHeader(name: string, size: number, type = '0'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name.slice(0, 100), 0);
  header.write('0000644\0', 100);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('        ', 148);
  header.write(type, 156);
  header.write('ustar\u000000', 257);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}
const padding = (size: number) => (512 - (size % 512)) % 512;
const rawEntry = (name: string, body: Buffer, type = '0') => Buffer.concat([rawHeader(name, body.length, type), body, Buffer.alloc(padding(body.length))]);
/** One pax record, "<length> <key>=<value>\n", its length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length++;
  return `${length}${body}`;
}

/** Rebuilds the archive from changed tar entries. */
async function rewrite(change: (entries: { name: string; bytes: Buffer }[]) => RawEntry[]): Promise<void> {
  await writeFile(file, gzipSync(await tarOf(change(await tarEntries()))));
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

  it('writes to a .partial file of its own, owner-only, holding the name with an empty file, and renames it on finish; abort deletes both', async () => {
    const writer = await ArchiveWriter.create(file);
    await writer.add(configMap.ref, configMap.object);
    const [partial, ...more] = (await readdir(dir)).filter((name) => name.endsWith('.partial'));
    expect(more).toEqual([]);
    expect(partial).toMatch(/^backup\.tar\.gz\.[0-9a-f]{16}\.partial$/);
    expect((await stat(path.join(dir, partial))).mode & 0o777).toBe(0o600);
    expect((await stat(file)).size).toBe(0);
    await writer.finish({ source, selection });
    expect(await readdir(dir)).toEqual(['backup.tar.gz']);
    expect((await stat(file)).size).toBeGreaterThan(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const other = path.join(dir, 'aborted.tar.gz');
    const aborted = await ArchiveWriter.create(other);
    await aborted.add(configMap.ref, configMap.object);
    await aborted.abort();
    expect(await readdir(dir)).toEqual(['backup.tar.gz']);
  });

  it('never writes through a symlink planted at <out>.partial, and a partial left by a killed run is not in the way', async () => {
    const earlier = path.join(dir, 'earlier.tar.gz');
    await writeFile(earlier, 'an earlier archive', { mode: 0o644 });
    await chmod(earlier, 0o644);
    await symlink(earlier, `${file}.partial`);
    await writeFile(`${file}.0123456789abcdef.partial`, 'left by a killed run');
    await writeArchive([configMap]);
    expect(await readFile(earlier, 'utf8')).toBe('an earlier archive');
    expect((await stat(earlier)).mode & 0o777).toBe(0o644);
    const written = await lstat(file);
    expect(written.isFile()).toBe(true);
    expect(written.mode & 0o777).toBe(0o600);
    expect(await readAll(await openUnsigned())).toHaveLength(1);
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
    // JSON.parse's own message would quote the text around the fault, over two lines
    await replaceEntry(entryPath(configMap.ref), Buffer.from('{ "kind": "Secret",\n "password": hunter2 }'), true);
    await expect(openUnsigned()).rejects.toMatchObject({ code: 'archive-invalid', message: `${file}: entry ${entryPath(configMap.ref)} is not valid JSON` });
  });

  it('refuses a keyed archive whose entry and manifest hash were both rewritten (the manifest MAC)', async () => {
    await writeArchive([configMap, secret], key);
    await replaceEntry(entryPath(configMap.ref), json({ ...configMap.object, data: { color: 'red' } }), true);
    await expect(ArchiveReader.open(file, { passphrase: key.passphrase })).rejects.toMatchObject({ code: 'archive-invalid', message: `${file}: manifest.json was modified after the backup (its MAC does not match)` });
  });

  it('opens a keyed archive with the machine passphrase only when the machine key made it', async () => {
    await writeArchive([secret], { passphrase: 'machine-derived', keySource: 'machine' });
    expect((await readAll(await ArchiveReader.open(file, { machinePassphrases: ['machine-derived'] })))[0].object).toEqual(secret.object);
    await writeArchive([secret], key);
    await expect(ArchiveReader.open(file, { machinePassphrases: ['machine-derived'] })).rejects.toThrow(/is protected by a passphrase \(its Secrets are encrypted, its manifest signed\): pass --passphrase-file/);
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

describe('archive trust', () => {
  it('refuses an unsigned archive whatever key is at hand, unless the caller allows it', async () => {
    await writeArchive([configMap]);
    const refusal = { code: 'archive-invalid', message: `${file} is not signed: nothing shows that Fleetdeck wrote it or that it is unchanged; restore it only if you trust where it came from, with --allow-unsigned` };
    for (const options of [{}, { passphrase: key.passphrase }, { machinePassphrases: ['this machine'] }]) await expect(ArchiveReader.open(file, options)).rejects.toMatchObject(refusal);
    const reader = await ArchiveReader.open(file, { passphrase: key.passphrase, allowUnsigned: true });
    expect(reader.signed).toBe(false);
    expect(await readAll(reader)).toHaveLength(1);
  });

  it('takes a signed archive stripped of its signature for an unsigned one, and refuses it outright when it has encrypted entries', async () => {
    await writeArchive([configMap], key);
    await changeManifest(({ encryption: _, mac: __, ...rest }) => rest);
    await expect(ArchiveReader.open(file, { passphrase: key.passphrase })).rejects.toThrow(`${file} is not signed`);

    await writeArchive([configMap, secret], key);
    await changeManifest(({ encryption: _, mac: __, ...rest }) => rest);
    await expect(ArchiveReader.open(file, { passphrase: key.passphrase, allowUnsigned: true })).rejects.toMatchObject({ code: 'archive-invalid', message: `${file}: manifest.json marks entries as encrypted but has no encryption section` });
    await changeManifest((manifest) => ({ ...manifest, mac: 'a'.repeat(64) }));
    await expect(ArchiveReader.open(file, { allowUnsigned: true })).rejects.toThrow(`${file}: manifest.json has a MAC but no key parameters to check it with`);
  });

  describe('refuses an object that is not the one its manifest entry names, even in a signed archive', () => {
    const harmless = item('configmaps', '', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'harmless', namespace: 'shop' }, data: {} });
    const escalation = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'harmless', namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }],
    };
    const listed = 'ConfigMap v1 shop/harmless';
    const cases: [string, Item, string][] = [
      ['another kind and group', { ref: harmless.ref, object: escalation as KubeObject }, 'ClusterRoleBinding rbac.authorization.k8s.io/v1 shop/harmless'],
      ['another name', { ref: harmless.ref, object: { ...harmless.object, metadata: { name: 'other', namespace: 'shop' } } }, 'ConfigMap v1 shop/other'],
      ['another namespace', { ref: harmless.ref, object: { ...harmless.object, metadata: { name: 'harmless', namespace: 'kube-system' } } }, 'ConfigMap v1 kube-system/harmless'],
      ['no namespace', { ref: harmless.ref, object: { ...harmless.object, metadata: { name: 'harmless' } } }, 'ConfigMap v1 harmless'],
      ['another version', { ref: harmless.ref, object: { ...harmless.object, apiVersion: 'v2' } }, 'ConfigMap v2 shop/harmless'],
      ['no metadata', { ref: harmless.ref, object: { apiVersion: 'v1', kind: 'ConfigMap' } as KubeObject }, 'ConfigMap v1 (undefined)'],
    ];
    it.each(cases)('%s', async (_, hostile, holds) => {
      await writeArchive([configMap, hostile], key);
      const reader = await ArchiveReader.open(file, { passphrase: key.passphrase });
      const seen: string[] = [];
      await expect((async () => {
        for await (const entry of reader.entries()) seen.push(entry.path);
      })()).rejects.toMatchObject({ code: 'archive-invalid', message: `${file}: entry resources/configmaps/namespaces/shop/harmless.json holds ${holds}, but the manifest lists ${listed}` });
      // refused before it is handed out
      expect(seen).toEqual([entryPath(configMap.ref)]);
    });

    it('inside an encrypted entry too, once decrypted', async () => {
      await writeArchive([{ ref: secret.ref, object: { ...escalation, metadata: { name: 'db', namespace: 'shop' } }, encrypt: true }], key);
      await expect(readAll(await ArchiveReader.open(file, { passphrase: key.passphrase }))).rejects.toThrow(`${file}: entry resources/secrets/namespaces/shop/db.json holds ClusterRoleBinding rbac.authorization.k8s.io/v1 shop/db, but the manifest lists Secret v1 shop/db`);
    });
  });

  it('refuses a manifest entry whose path or group is not the one its own resource, namespace, name and apiVersion give', async () => {
    await writeArchive([configMap]);
    const first = (change: (entry: Record<string, unknown>) => Record<string, unknown>) => changeManifest((m) => ({ ...m, entries: (m.entries as Record<string, unknown>[]).map(change) }));
    await first((entry) => ({ ...entry, resource: 'clusterrolebindings', group: 'rbac.authorization.k8s.io', apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' }));
    await expect(openUnsigned()).rejects.toThrow(
      `${file}: manifest.json entry 0 (ClusterRoleBinding settings) has path "resources/configmaps/namespaces/shop/settings.json", not "resources/clusterrolebindings.rbac.authorization.k8s.io/namespaces/shop/settings.json"`,
    );
    await writeArchive([configMap]);
    await first((entry) => ({ ...entry, apiVersion: 'rbac.authorization.k8s.io/v1' }));
    await expect(openUnsigned()).rejects.toThrow(`${file}: manifest.json entry resources/configmaps/namespaces/shop/settings.json has group "" but apiVersion rbac.authorization.k8s.io/v1`);
    await writeArchive([configMap]);
    await first((entry) => ({ ...entry, name: '../../../etc/passwd', path: 'resources/configmaps/namespaces/shop/../../../etc/passwd.json' }));
    await expect(openUnsigned()).rejects.toThrow(`${file}: manifest.json entry 0: cannot archive ConfigMap ../../../etc/passwd: "../../../etc/passwd" is not a valid path segment`);
  });

  describe('refuses tar entries that are not plain files with plain relative names', () => {
    const cases: [string, RawEntry, string][] = [
      ['a name climbing out', { name: '../../evil.json' }, 'entry name "../../evil.json" climbs out of the archive with ".."'],
      ['a name climbing out midway', { name: 'resources/../../evil.json' }, 'entry name "resources/../../evil.json" climbs out of the archive with ".."'],
      ['an absolute name', { name: '/etc/cron.d/evil' }, 'entry name "/etc/cron.d/evil" is an absolute path'],
      ['a drive letter', { name: 'C:/evil.json' }, 'entry name "C:/evil.json" is an absolute path'],
      ['a backslash', { name: 'resources\\..\\evil.json' }, 'entry name "resources\\\\..\\\\evil.json" holds a backslash'],
      ['a NUL (through a pax header)', { name: 'resources/a\u0000b.json', pax: {} }, 'entry name "resources/a\\u0000b.json" holds a control character'],
      ['a line break', { name: 'resources/a\nb.json' }, 'entry name "resources/a\\nb.json" holds a control character'],
      ['an empty segment', { name: 'resources//evil.json' }, 'entry name "resources//evil.json" has an empty or "." path segment'],
      ['a symlink', { name: 'resources/configmaps/link.json', type: 'symlink', linkname: '/etc/passwd' }, 'entry "resources/configmaps/link.json" is a symlink, not a file'],
      ['a hard link', { name: 'resources/configmaps/link.json', type: 'link', linkname: 'manifest.json' }, 'entry "resources/configmaps/link.json" is a link, not a file'],
      ['a device', { name: 'resources/tty', type: 'character-device' }, 'entry "resources/tty" is a character-device, not a file'],
      ['a fifo', { name: 'resources/fifo', type: 'fifo' }, 'entry "resources/fifo" is a fifo, not a file'],
      ['a folder', { name: 'resources', type: 'directory' }, 'entry "resources" is a directory, not a file'],
    ];
    it.each(cases)('%s', async (_, hostile, message) => {
      await writeArchive([configMap]);
      await rewrite((entries) => [hostile, ...entries]);
      await expect(openUnsigned()).rejects.toMatchObject({ code: 'archive-invalid', message: `${file}: ${message}` });
      await expect(ArchiveReader.manifestOf(file)).rejects.toMatchObject({ code: 'archive-invalid', message: `${file}: ${message}` });
    });
  });

  it('refuses a duplicated entry, entries out of the manifest\'s order and entries after manifest.json', async () => {
    const cases: [(entries: RawEntry[]) => RawEntry[], string][] = [
      [([first, ...rest]) => [first, first, ...rest], `entry ${entryPath(configMap.ref)} appears twice`],
      [([first, second, manifest]) => [second, first, manifest], `entries are not in the order manifest.json lists them (${entryPath(deployment.ref)} stands where it lists ${entryPath(configMap.ref)})`],
      [([first, second, manifest]) => [second, manifest, first], `entry ${entryPath(configMap.ref)} comes after manifest.json, which is the last entry of an archive`],
      [(entries) => [...entries, entries.at(-1)!], 'entry manifest.json comes after manifest.json, which is the last entry of an archive'],
    ];
    for (const [change, message] of cases) {
      await writeArchive([configMap, deployment]);
      await rewrite(change);
      await expect(openUnsigned()).rejects.toMatchObject({ code: 'archive-invalid', message: `${file}: ${message}` });
    }
  });

  it('accepts only the scrypt cost the writer uses, before deriving any key (a large p would run for hours)', async () => {
    for (const [cost, shown] of [[{ p: 1_000_000 }, 'N=32768, r=8, p=1000000'], [{ N: 2 ** 24 }, 'N=16777216, r=8, p=1'], [{ r: 1024 }, 'N=32768, r=1024, p=1'], [{ N: 2 }, 'N=2, r=8, p=1']] as const) {
      await writeArchive([configMap], key);
      await changeManifest((m) => ({ ...m, encryption: { ...(m.encryption as object), ...cost } }));
      await expect(ArchiveReader.open(file, { passphrase: key.passphrase })).rejects.toMatchObject({ code: 'archive-invalid', message: `${file} asks for scrypt cost ${shown}; Fleetdeck reads only archives with N=32768, r=8, p=1` });
    }
    await changeManifest((m) => ({ ...m, encryption: { ...(m.encryption as object), N: 32768, salt: Buffer.alloc(80).toString('base64') } }));
    await expect(ArchiveReader.open(file, { passphrase: key.passphrase })).rejects.toThrow(`${file} has a 80-byte scrypt salt; Fleetdeck reads salts of 16 to 64 bytes`);
  });
});

describe('archive size limits', () => {
  const GiB = 1024 ** 3;
  /** gzip members of one MiB of zeros each: a gzip stream may hold many, and each is about 1 KB */
  const zeros = (mib: number) => {
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    return Buffer.concat(Array.from({ length: mib }, () => member));
  };
  const tarHeader = async (header: Partial<tar.Header> & { name: string }) => {
    const pack = tar.pack();
    pack.entry(header).on('error', () => undefined);
    const [chunk] = (await once(pack, 'data')) as [Buffer];
    pack.destroy();
    return chunk;
  };

  it('refuses a 1 GiB entry packed into a 1 MB file from its header, without unpacking it or growing the heap', async () => {
    const name = entryPath(configMap.ref);
    await writeFile(file, Buffer.concat([gzipSync(await tarHeader({ name, size: GiB })), zeros(1024)]));
    expect((await stat(file)).size).toBeLessThan(2 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    await expect(openUnsigned()).rejects.toMatchObject({ code: 'too-large', message: `${file}: entry "${name}" is 1024 MiB, more than the 16 MiB an entry may hold` });
    await expect(ArchiveReader.manifestOf(file)).rejects.toMatchObject({ code: 'too-large' });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a manifest over its limit from its header', async () => {
    await writeFile(file, Buffer.concat([gzipSync(await tarHeader({ name: 'manifest.json', size: 2 * archiveLimits.manifestBytes })), zeros(4)]));
    await expect(ArchiveReader.manifestOf(file)).rejects.toMatchObject({ code: 'too-large', message: `${file}: entry "manifest.json" is 256 MiB, more than the 1 MiB a manifest of 0 entries may hold` });
  });

  it('stops unpacking at the total limit, even when the stream holds no entry at all', async () => {
    await writeFile(file, zeros(48));
    const limits = { ...archiveLimits, totalBytes: 32 * 1024 * 1024 };
    await expect(ArchiveReader.open(file, { limits })).rejects.toMatchObject({ code: 'too-large', message: `${file} unpacks to more than 32 MiB, more than an archive may hold` });
    await expect(ArchiveReader.manifestOf(file, limits)).rejects.toMatchObject({ code: 'too-large' });
  });

  it('refuses more entries than the limit, and a manifest or an entry over a lowered limit', async () => {
    await writeArchive(Array.from({ length: 12 }, (_, i) => item('configmaps', '', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'shop' } })));
    await expect(ArchiveReader.open(file, { allowUnsigned: true, limits: { ...archiveLimits, entries: 10 } })).rejects.toMatchObject({ code: 'too-large', message: `${file} has more than 10 entries, more than an archive may hold` });
    await expect(ArchiveReader.open(file, { allowUnsigned: true, limits: { ...archiveLimits, manifestBytes: 1024 } })).rejects.toMatchObject({ code: 'too-large', message: expect.stringMatching(/entry "manifest.json" is [\d.]+ KiB, more than the 1 KiB a manifest of 12 entries may hold/) });
    await expect(ArchiveReader.open(file, { allowUnsigned: true, limits: { ...archiveLimits, entryBytes: 64 } })).rejects.toMatchObject({ code: 'too-large', message: expect.stringMatching(/entry "resources\/configmaps\/namespaces\/shop\/cm-0.json" is \d+ bytes, more than the 64 bytes an entry may hold/) });
  });

  it('refuses tar headers Fleetdeck never writes before tar-stream reads them: a pax global header, extended headers over 4 KiB, a pax size', async () => {
    const object = Buffer.from(JSON.stringify(configMap.object));
    const cases: [Buffer, string, string][] = [
      [rawEntry('pax_global_header', Buffer.from(paxRecord('comment', 'x')), 'g'), 'archive-invalid', `${file} is not an archive Fleetdeck wrote: it holds a pax global header`],
      [rawEntry('PaxHeader', Buffer.from(paxRecord('comment', 'x'.repeat(5000))), 'x'), 'too-large', `${file} has a 5014-byte tar extended header, more than the 4096 bytes an archive's may take`],
      [rawEntry('././@LongLink', Buffer.alloc(5000, 'a'), 'L'), 'too-large', `${file} has a 5000-byte tar extended header, more than the 4096 bytes an archive's may take`],
      [rawEntry('PaxHeader', Buffer.from(paxRecord('size', '2')), 'x'), 'archive-invalid', `${file} is not an archive Fleetdeck wrote: a pax header sets an entry size`],
    ];
    for (const [header, code, message] of cases) {
      await writeFile(file, gzipSync(Buffer.concat([header, rawEntry(entryPath(configMap.ref), object), Buffer.alloc(1024)])));
      await expect(openUnsigned()).rejects.toMatchObject({ code, message });
      await expect(ArchiveReader.manifestOf(file)).rejects.toMatchObject({ code, message });
    }
  });

  it('reads back an archive of the longest names Kubernetes allows, and refuses a tar name one character longer', async () => {
    const longest = item('r'.repeat(63), 'g'.repeat(253), { apiVersion: `${'g'.repeat(253)}/v1`, kind: 'Widget', metadata: { name: 'x'.repeat(253), namespace: 'n'.repeat(63) } });
    const name = entryPath(longest.ref);
    expect(name).toHaveLength(661);
    await writeArchive([longest]);
    expect((await readAll(await openUnsigned())).map((entry) => entry.path)).toEqual([name]);
    const longer = `${name.slice(0, -5)}y.json`;
    await rewrite((entries) => [{ name: longer, bytes: entries[0].bytes }, ...entries]);
    await expect(openUnsigned()).rejects.toMatchObject({ code: 'archive-invalid', message: `${file}: entry name ${JSON.stringify(longer.slice(0, 200))} is longer than the 661 characters of the longest path an archive holds` });
  });

  it('never writes an entry the reader would refuse', async () => {
    const writer = await ArchiveWriter.create(file);
    const big = { ...configMap.object, data: { blob: 'x'.repeat(archiveLimits.entryBytes) } };
    await expect(writer.add(configMap.ref, big)).rejects.toMatchObject({ code: 'too-large', message: 'ConfigMap shop/settings takes 16.0 MiB, more than the 16 MiB an archive entry may hold' });
    await writer.abort();
  });
});

describe('JSON that would fill the heap', () => {
  const MiB = 1024 * 1024;
  const listed = (count: number, value: string) => `[${`${value},`.repeat(count - 1)}${value}]`;
  const keyed = (count: number, value: string) => `{${Array.from({ length: count }, (_, i) => `"k${i}":${value}`).join(',')}}`;
  /** A manifest's text with raw JSON text in place of some of its values. */
  const manifestText = (parts: Record<string, string>) => {
    const base = { format: 'fleetdeck-archive', version: 1, tool: { name: 'fleetdeck', version: packageJson.version }, createdAt: new Date().toISOString(), source: {}, selection: {}, counts: {}, total: 0, entries: [] };
    let text = JSON.stringify({ ...base, ...Object.fromEntries(Object.keys(parts).map((key) => [key, `\u0000${key}`])) });
    for (const [key, value] of Object.entries(parts)) text = text.replace(JSON.stringify(`\u0000${key}`), () => value);
    return Buffer.from(text);
  };

  // a fresh process per read: its peak memory is the read's, whatever the tests before left in this one
  const probe = `
    const [archive, file, how] = process.argv.slice(1);
    const { ArchiveReader } = await import(archive);
    let outcome = { read: true };
    try {
      await (how === 'open' ? ArchiveReader.open(file, { allowUnsigned: true }) : ArchiveReader.manifestOf(file));
    } catch (error) {
      outcome = { code: error.code, message: error.message };
    }
    process.stdout.write(JSON.stringify({ ...outcome, peak: process.resourceUsage().maxRSS * 1024 }));
  `;
  type Probe = { read?: true; code?: string; message?: string; peak: number };
  function readInFreshProcess(how: 'open' | 'manifestOf', archive = file): Probe {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', probe, path.join(import.meta.dirname, 'archive.ts'), archive, how], { encoding: 'utf8', timeout: 120_000 });
    // a heap exhausted ends the process with a V8 report instead
    expect(child.status, child.stderr.slice(0, 500)).toBe(0);
    return JSON.parse(child.stdout) as Probe;
  }
  /** The peak memory of a fresh process reading a small archive. */
  let baseline = 0;
  beforeAll(async () => {
    const small = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-archive-baseline-')), 'small.tar.gz');
    const writer = await ArchiveWriter.create(small);
    await writer.add(configMap.ref, configMap.object);
    await writer.finish({ source, selection });
    baseline = Math.max(...(['open', 'manifestOf'] as const).map((how) => readInFreshProcess(how, small).peak));
    await rm(path.dirname(small), { recursive: true });
  });
  /** open() and manifestOf() both refuse the file as `expected` says, each holding little more memory than for a small archive. */
  const bothRefuseFlat = (expected: object) => {
    for (const how of ['open', 'manifestOf'] as const) {
      const { peak, ...outcome } = readInFreshProcess(how);
      expect(outcome).toMatchObject(expected);
      expect(peak - baseline).toBeLessThan(64 * MiB);
    }
  };

  // zod collected 7 issues per empty entry: 3.5 GB in 200 ms for 4,000,000; JSON.parse alone took 256 MB for them
  const manifests: [string, Record<string, string>][] = [
    ['4,000,000 empty entries', { entries: listed(4_000_000, '{}') }],
    ['1,000,000 counts', { counts: keyed(1_000_000, '1') }],
    ['1,000,000 source fields', { source: keyed(1_000_000, '{}') }],
    ['4,000,000 selected namespaces', { selection: `{"namespaces":${listed(4_000_000, '""')}}` }],
    ['4,000,000 empty arrays as the tool', { tool: listed(4_000_000, '[]') }],
  ];
  /** `count` objects as they could stand before a manifest; 2,000 of them allow it 16 MB */
  const objects = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `resources/configmaps/namespaces/shop/cm-${i}.json`, bytes: Buffer.from('{}') }));
  it.each(manifests)('a manifest of %s: refused in one line before it is parsed, memory flat', { timeout: 60_000 }, async (_, parts) => {
    await writeFile(file, gzipSync(await tarOf([...objects(2000), { name: 'manifest.json', bytes: manifestText(parts) }])));
    expect((await stat(file)).size).toBeLessThan(8 * MiB);
    bothRefuseFlat({ code: 'too-large', message: expect.stringMatching(/^[^\n]*: entry manifest\.json holds \d+ (JSON values|objects and arrays), more than the \d+ a manifest of 2000 entries may hold$/) });
  });

  /** Streams a gzip tar of these raw parts to the archive file. */
  const writeRaw = (parts: () => Iterable<Buffer>) => pipeline(Readable.from(parts()), createGzip({ level: 1 }), createWriteStream(file));

  it('a manifest of one 126 MiB string: refused from its tar header, as 0 entries before it allow it 1 MiB, memory flat', { timeout: 60_000 }, async () => {
    const head = Buffer.from('{"format":"fleetdeck-archive","version":1,"source":{"x":"');
    const tail = Buffer.from('"},"entries":[]}');
    const size = head.length + 126 * MiB + tail.length;
    await writeRaw(function* () {
      yield rawHeader('manifest.json', size);
      yield head;
      for (let i = 0; i < 126; i++) yield Buffer.alloc(MiB, 'a');
      yield Buffer.concat([tail, Buffer.alloc(padding(size) + 1024)]);
    });
    expect((await stat(file)).size).toBeLessThan(MiB);
    bothRefuseFlat({ code: 'too-large', message: `${file}: entry "manifest.json" is 126.0 MiB, more than the 1 MiB a manifest of 0 entries may hold` });
  });

  it('100,000 entries named by GNU long-name headers longer than any path an archive holds: refused at the first, memory flat', { timeout: 60_000 }, async () => {
    const name = (i: number) => `r/${'a'.repeat(990)}/${String(i).padStart(20, '0')}.json`;
    await writeRaw(function* () {
      for (let i = 0; i < 100_000; i++) yield Buffer.concat([rawEntry('././@LongLink', Buffer.from(`${name(i)}\0`), 'L'), rawEntry('x', Buffer.from('{}'))]);
      yield Buffer.alloc(1024);
    });
    bothRefuseFlat({ code: 'archive-invalid', message: `${file}: entry name ${JSON.stringify(name(0).slice(0, 200))} is longer than the 661 characters of the longest path an archive holds` });
  });

  it('a 4 MiB pax global header of 471,000 keys, then entries with pax headers of their own: refused before tar-stream copies it, memory flat', { timeout: 120_000 }, async () => {
    const records: string[] = [];
    for (let i = 0, size = 0; size < 4 * MiB - 64; i++) size += records[records.push(paxRecord(`k${i.toString(36)}`, '')) - 1].length;
    await writeRaw(function* () {
      yield rawEntry('pax_global_header', Buffer.from(records.join('')), 'g');
      for (let i = 0; i < 20; i++) yield Buffer.concat([rawEntry('PaxHeader', Buffer.from(paxRecord('comment', 'x')), 'x'), rawEntry(`e${i}.json`, Buffer.from('{}'))]);
      yield Buffer.alloc(1024);
    });
    bothRefuseFlat({ code: 'archive-invalid', message: `${file} is not an archive Fleetdeck wrote: it holds a pax global header` });
  });

  it('a manifest as large as its archive allows: its parts bounded before a schema sees them, its entries checked up to the first fault', { timeout: 60_000 }, async () => {
    const count = 20_000;
    // zod's issues for every bad member of one part took 120 MB for 20,000
    const cases: [Record<string, string>, string, string][] = [
      [{ entries: listed(count, '{}'), total: String(count) }, 'archive-invalid', 'manifest.json is malformed at entries[0].path: Invalid input: expected string, received undefined'],
      [{ source: keyed(count, '{}') }, 'too-large', 'manifest.json holds more than 4096 values besides its entries and counts'],
      [{ counts: keyed(count, '{}') }, 'archive-invalid', "manifest.json's counts give (object) for k0, but it lists 0 there"],
    ];
    for (const [parts, code, message] of cases) {
      await writeFile(file, gzipSync(await tarOf([...objects(count), { name: 'manifest.json', bytes: manifestText(parts) }])));
      bothRefuseFlat({ code, message: `${file}: ${message}` });
    }
  });

  it('an object of 4,000,000 empty objects, under the entry size limit: refused in one line before it is parsed, memory flat', { timeout: 60_000 }, async () => {
    await writeArchive([configMap]);
    const bomb = Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","namespace":"shop"},"data":${listed(4_000_000, '{}')}}`);
    expect(bomb.length).toBeLessThan(archiveLimits.entryBytes);
    await replaceEntry(entryPath(configMap.ref), bomb, true);
    const { peak, ...outcome } = readInFreshProcess('open');
    expect(outcome).toEqual({ code: 'too-large', message: `${file}: entry ${entryPath(configMap.ref)} holds 4000003 objects and arrays, more than the 262144 an object may hold` });
    expect(peak - baseline).toBeLessThan(64 * MiB);
  });

  it('never writes what the reader refuses: an object of too many values, a name too long, a selection too large', async () => {
    const writer = await ArchiveWriter.create(file);
    const crowded = { ...configMap.object, data: Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`k${i}`, {}])) };
    await expect(writer.add(configMap.ref, crowded)).rejects.toMatchObject({ code: 'too-large', message: 'ConfigMap shop/settings holds 300003 objects and arrays, more than the 262144 an object may hold' });
    const long = 'x'.repeat(300);
    await expect(writer.add({ ...configMap.ref, name: long }, { ...configMap.object, metadata: { name: long, namespace: 'shop' } })).rejects.toMatchObject({
      code: 'invalid-input',
      message: `cannot archive ConfigMap ${long}: its manifest entry is malformed at name: Too big: expected string to have <=253 characters`,
    });
    await writer.add(configMap.ref, configMap.object);
    await expect(writer.finish({ source, selection: { namespaces: Array.from({ length: 5000 }, (_, i) => `ns-${i}`) } })).rejects.toMatchObject({
      code: 'too-large',
      message: `cannot write ${file}: its manifest.json holds more than 4096 values besides its entries and counts`,
    });
    await writer.abort();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('malformed input', () => {
  it('refuses a manifest that is not in the writer\'s format with the place of the first fault', async () => {
    const cases: [(m: Record<string, unknown>) => Record<string, unknown>, string][] = [
      [(m) => ({ ...m, entries: [null] }), 'at entries[0]: Invalid input: expected object, received null'],
      [(m) => ({ ...m, entries: 'all' }), 'at entries: expected an array'],
      [(m) => ({ ...m, total: '1' }), 'at total: Invalid input: expected number, received string'],
      [(m) => ({ ...m, createdAt: 42 }), 'at createdAt: Invalid input: expected string, received number'],
      [(m) => ({ ...m, source: { nested: { deeper: [] } } }), 'at source.nested: Invalid input'],
      [(m) => ({ ...m, entries: (m.entries as object[]).map((e) => ({ ...e, sha256: 'x' })) }), 'at entries[0].sha256: expected a hex sha256'],
      [(m) => ({ ...m, entries: (m.entries as object[]).map((e) => ({ ...e, __proto__: { polluted: true }, extra: 1 })) }), 'at entries[0]: Unrecognized key: "extra"'],
      [(m) => ({ ...m, total: 3 }), 'manifest.json says it lists 3 entries but lists 1'],
      [(m) => ({ ...m, counts: { configmaps: 2 } }), "manifest.json's counts give 2 for configmaps, but it lists 1 there"],
      [(m) => ({ ...m, counts: { ...(m.counts as object), secrets: 1 } }), "manifest.json's counts give 1 for secrets, but it lists 0 there"],
      [(m) => ({ ...m, counts: [1] }), 'at counts: expected an object'],
      [(m) => ({ ...m, entries: (m.entries as object[]).map((e) => ({ ...e, kind: 'Config\nMap' })) }), 'at entries[0].kind: expected no control characters'],
    ];
    for (const [change, message] of cases) {
      await writeArchive([configMap]);
      await changeManifest(change);
      await expect(openUnsigned()).rejects.toMatchObject({ code: 'archive-invalid', message: expect.stringContaining(message) });
      await expect(ArchiveReader.manifestOf(file)).rejects.toMatchObject({ code: 'archive-invalid', message: expect.stringContaining(message) });
    }
  });

  it('refuses an object nested deeper than any Kubernetes object, which the restore could not copy', async () => {
    await writeArchive([configMap]);
    // text no writer makes: JSON.stringify itself runs out of stack on it
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    await replaceEntry(entryPath(configMap.ref), Buffer.from(JSON.stringify(configMap.object).replace('"blue"', deep)), true);
    await expect(readAll(await openUnsigned())).rejects.toMatchObject({ code: 'archive-invalid', message: `${file}: entry ${entryPath(configMap.ref)} nests more than 1000 levels deep` });
  });

  it('says a folder is not an archive', async () => {
    await expect(ArchiveReader.open(dir)).rejects.toMatchObject({ code: 'invalid-input', message: `${dir} is a folder, not an archive` });
    await expect(ArchiveReader.manifestOf(dir)).rejects.toMatchObject({ code: 'invalid-input', message: `${dir} is a folder, not an archive` });
  });

  it('never overwrites an archive, says when the folder is missing, and leaves nothing behind', async () => {
    await writeFile(file, 'an earlier archive');
    await expect(ArchiveWriter.create(file)).rejects.toMatchObject({ code: 'conflict', message: `${file} already exists: Fleetdeck never overwrites an archive; choose another name or delete it first` });
    expect(await readFile(file, 'utf8')).toBe('an earlier archive');
    const missing = path.join(dir, 'missing', 'backup.tar.gz');
    await expect(ArchiveWriter.create(missing)).rejects.toMatchObject({ code: 'not-found', message: `cannot write ${missing}: the folder ${path.dirname(missing)} does not exist` });
    expect(await readdir(dir)).toEqual(['backup.tar.gz']);
  });
});
