import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeConfigFor, loadKubeconfigs } from './kubeconfig.ts';
import { ClusterClient } from './cluster-client.ts';
import { collectionPath, listAll, objectPath, resolveType, type ResourceType } from './discovery.ts';

const configMaps: ResourceType = { group: '', version: 'v1', apiVersion: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['list'], custom: false };

describe('discovery URLs', () => {
  const requested: string[] = [];
  const server = http.createServer((req, res) => (requested.push(req.url!), res.end('{"items":[],"metadata":{},"resources":[]}')));
  let client: ClusterClient;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const text = stringify({ clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` } }], contexts: [{ name: 'c', context: { cluster: 'c' } }] });
    client = new ClusterClient(kubeConfigFor(await loadKubeconfigs([], [{ source: 'test', baseDir: '/', text }]), 'c'), 'c', { retryForMs: 0 });
  });
  afterAll(() => (client.close(), server.close()));

  it('encodes every segment taken from a namespace, a name or a discovered type', () => {
    expect(collectionPath(configMaps, 'shop?watch=1#x')).toBe('/api/v1/namespaces/shop%3Fwatch%3D1%23x/configmaps');
    expect(objectPath({ ...configMaps, group: 'evil/../x', version: 'v1?', resource: 'a/b' }, 'ns', 'n/../m')).toBe('/apis/evil%2F..%2Fx/v1%3F/namespaces/ns/a%2Fb/n%2F..%2Fm');
  });

  it('sends namespaces and apiVersions as the single segments they are', async () => {
    requested.length = 0;
    for await (const _ of listAll(client, configMaps, 'a b/c?d')) void _;
    await resolveType(client, [], 'x.io/v1/../../api', 'Thing');
    expect(requested).toEqual(['/api/v1/namespaces/a%20b%2Fc%3Fd/configmaps?limit=250', '/apis/x.io/v1%2F..%2F..%2Fapi']);
  });

  it('refuses a namespace that is a dot segment, before anything is sent', async () => {
    requested.length = 0;
    for (const namespace of ['..', '.']) {
      await expect(listAll(client, configMaps, namespace).next()).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/^not an API path \(a \. or \.\. segment\)/) });
    }
    expect(requested).toEqual([]);
  });
});
