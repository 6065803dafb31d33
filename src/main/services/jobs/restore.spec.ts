import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { resolveMappings } from '../../../shared/migration/transforms.ts';
import { ArchiveReader, ArchiveWriter } from './archive.ts';
import type { ApiResponse, ClusterClient } from '../../kube/cluster-client.ts';
import { restore } from './restore.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-restore-'));
afterEach(() => rm(dir, { recursive: true, force: true }));

type Resource = { name: string; kind: string; namespaced: boolean; verbs: string[] };
const verbs = ['create', 'get', 'list', 'patch'];
const crdName = 'widgets.example.com';

/**
 * A target that serves Widgets cluster-wide once a CRD is created, whatever scope the archive's CRD asked for: as when
 * another CRD of that name appeared between pre-flight and the write. Every request is recorded.
 */
function driftingTarget() {
  const requests: string[] = [];
  let crdCreated = false;
  const answer = (status: number, body: unknown = {}): ApiResponse => ({ status, body, text: JSON.stringify(body), resent: false });
  const list = (groupVersion: string, resources: Resource[]) => answer(200, { groupVersion, resources });
  const request = async (method: string, url: string): Promise<ApiResponse> => {
    requests.push(`${method} ${url.split('?')[0]}`);
    const route = `${method} ${url.split('?')[0]}`;
    if (route === 'GET /apis') {
      const groups = [{ name: 'apiextensions.k8s.io', preferredVersion: { groupVersion: 'apiextensions.k8s.io/v1', version: 'v1' } }];
      if (crdCreated) groups.push({ name: 'example.com', preferredVersion: { groupVersion: 'example.com/v1', version: 'v1' } });
      return answer(200, { groups });
    }
    if (route === 'GET /api/v1') return list('v1', [{ name: 'namespaces', kind: 'Namespace', namespaced: false, verbs }]);
    if (route === 'GET /apis/apiextensions.k8s.io/v1') return list('apiextensions.k8s.io/v1', [{ name: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, verbs }]);
    if (route === 'GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions') return answer(200, { items: crdCreated ? [{ spec: { group: 'example.com', names: { plural: 'widgets' } } }] : [] });
    if (route === 'POST /apis/apiextensions.k8s.io/v1/customresourcedefinitions') {
      crdCreated = true;
      return answer(201);
    }
    if (route === `GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`) return answer(200, { status: { conditions: [{ type: 'Established', status: 'True' }] } });
    if (route === 'GET /apis/example.com/v1' && crdCreated) return list('example.com/v1', [{ name: 'widgets', kind: 'Widget', namespaced: false, verbs }]);
    if (route === 'GET /apis/storage.k8s.io/v1/storageclasses' || route.startsWith('GET /apis/admissionregistration.k8s.io/')) return answer(200, { items: [] });
    return answer(404);
  };
  const ok = async (method: string, url: string) => {
    const res = await request(method, url);
    if (res.status >= 300) throw new Error(`${method} ${url}: HTTP ${res.status}`);
    return res.body;
  };
  return { client: { context: 'target', request, ok } as unknown as ClusterClient, requests };
}

it('writes no object where its kind does not live when the write comes, even after pre-flight passed', async () => {
  const file = path.join(dir, 'widgets.tar.gz');
  const writer = await ArchiveWriter.create(file);
  const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: crdName }, spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' } } };
  await writer.add({ resource: 'customresourcedefinitions', group: 'apiextensions.k8s.io', name: crdName, apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, crd);
  await writer.add({ resource: 'widgets', group: 'example.com', namespace: 'shop', name: 'blue', apiVersion: 'example.com/v1', kind: 'Widget' }, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'blue', namespace: 'shop' } });
  await writer.finish({ source: { context: 'source', cloud: 'aks' }, selection: { namespaces: ['shop'] } });

  const { client, requests } = driftingTarget();
  const report = await restore(await ArchiveReader.open(file, { allowUnsigned: true }), client, { mappings: resolveMappings('aks', undefined, { namespaces: { shop: 'shop-eu' } }), conflict: 'skip', dryRun: false, verifyTimeoutMs: 0 });
  expect(report.preflight).toEqual([]);
  expect(report.items.find((item) => item.kind === 'Widget')).toEqual({ kind: 'Widget', apiVersion: 'example.com/v1', namespace: 'shop-eu', name: 'blue', result: 'failed', reason: 'target keeps example.com/v1 Widget cluster-wide, but the archive lists it in a namespace' });
  expect(requests.filter((r) => r.startsWith('POST /apis/example.com/'))).toEqual([]);
});
