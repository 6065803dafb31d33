// manifests.locate against a workspace others commit to and a caller that names what it likes:
// a finding links only to a file the overlay's render reads, and nothing outside the workspace is
// rendered or read. Kustomize is the lab's (lab/bin).
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { locateInput } from '../../../shared/contract/manifests.ts';
import { LocalManifestsService } from './manifests-service.ts';

const repository = path.resolve(import.meta.dirname, '../../../..');
const savedPath = process.env.PATH;
const service = new LocalManifestsService({ dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-')) });
let workspace: string;
const deployment = { kind: 'Deployment', namespace: 'shop', name: 'shop' };
const copyOf = (name: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  namespace: shop\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          securityContext:\n            privileged: true\n`;

beforeAll(async () => {
  process.env.PATH = `${path.join(repository, 'lab/bin')}${path.delimiter}${savedPath}`;
  workspace = (await service.scaffold({ into: 'new-folder', name: 'shop' }))!.root;
});
afterAll(() => {
  process.env.PATH = savedPath;
});

it('links a finding to the file the render reads, not to a stale file beside the overlay’s kustomization nor to a folder no kustomization names', async () => {
  const before = await service.locate({ root: workspace, dir: 'overlays/eks', objects: [deployment] });
  expect(before.locations[0]?.path).toBe('base/deployment.yaml');
  // a patch left in the overlay's folder after it was dropped from the kustomization, and an archived copy
  writeFileSync(path.join(workspace, 'overlays/eks/old-shop-patch.yaml'), copyOf('shop'));
  mkdirSync(path.join(workspace, 'archive'));
  writeFileSync(path.join(workspace, 'archive/shop.yaml'), copyOf('shop'));
  const { locations } = await service.locate({ root: workspace, dir: 'overlays/eks', objects: [deployment] });
  const line = readFileSync(path.join(workspace, 'base/deployment.yaml'), 'utf8').split('\n').indexOf('  name: shop') + 1;
  expect(locations).toEqual([{ path: 'base/deployment.yaml', line }]);
  const aks = await service.locate({ root: workspace, dir: 'overlays/aks', objects: [deployment] });
  expect(aks.locations[0]?.path).toBe('base/deployment.yaml');
});

it('refuses an overlay outside the workspace: .., an absolute path, a symlinked folder, .git', async () => {
  for (const dir of ['..', '../shop', 'overlays/../../x', '/etc', 'overlays\\..\\..']) expect(locateInput.safeParse({ root: workspace, dir, objects: [] }).success, dir).toBe(false);
  const outside = mkdtempSync(path.join(tmpdir(), 'fleetdeck-outside-'));
  writeFileSync(path.join(outside, 'kustomization.yaml'), 'resources:\n  - secret.yaml\n');
  writeFileSync(path.join(outside, 'secret.yaml'), copyOf('outside'));
  symlinkSync(outside, path.join(workspace, 'overlays/linked'));
  await expect(service.locate({ root: workspace, dir: 'overlays/linked', objects: [] })).rejects.toMatchObject({ code: 'forbidden' });
  // a kustomization inside that names the folder outside
  mkdirSync(path.join(workspace, 'overlays/reaching'));
  writeFileSync(path.join(workspace, 'overlays/reaching/kustomization.yaml'), `resources:\n  - ${outside}\n`);
  await expect(service.locate({ root: workspace, dir: 'overlays/reaching', objects: [] })).rejects.toMatchObject({ code: 'forbidden' });
  await expect(service.locate({ root: workspace, dir: '.git', objects: [] })).rejects.toMatchObject({ code: expect.stringMatching(/forbidden|not-found/) });
});
