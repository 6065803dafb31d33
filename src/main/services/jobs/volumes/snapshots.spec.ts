import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ArchiveReader, ArchiveWriter } from '../archive.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-snapshots-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('keeps the snapshot of each claim in a signed archive, and refuses one that is not a restic id', async () => {
  const file = path.join(dir, 'shop.tar.gz');
  const key = { passphrase: 'correct horse battery staple', keySource: 'passphrase' as const };
  const writer = await ArchiveWriter.create(file, { key });
  await writer.add({ resource: 'persistentvolumeclaims', group: '', namespace: 'shop', name: 'data', apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'shop' } });
  const volumes = [{ namespace: 'shop', claim: 'data', snapshot: 'c956b11dd43fbcca6bcadfdc2f53075c153b44038f39e96d198f81b4adcd08df' }];
  await writer.finish({ source: { context: 'aks-lab' }, selection: { namespaces: ['shop'] }, volumes });
  const reader = await ArchiveReader.open(file, { passphrase: key.passphrase });
  expect(reader.signed).toBe(true);
  expect(reader.manifest.volumes).toEqual(volumes);

  const bad = await ArchiveWriter.create(path.join(dir, 'bad.tar.gz'), { key });
  await expect(bad.finish({ source: {}, selection: {}, volumes: [{ namespace: 'shop', claim: 'data', snapshot: 'latest; rm -rf /' }] })).rejects.toMatchObject({ message: expect.stringContaining('expected a restic snapshot id') });
  await bad.abort();
});
