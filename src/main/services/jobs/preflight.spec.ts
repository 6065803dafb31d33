import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../shared/kube-object.ts';
import { resolveMappings, type Mappings } from '../../../shared/migration/transforms.ts';
import type { ApiResponse, ClusterClient } from '../../kube/cluster-client.ts';
import type { ResourceType } from '../../kube/discovery.ts';
import { ArchiveReader, ArchiveWriter, type ArchiveRef } from './archive.ts';
import { preflight } from './preflight.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-preflight-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** What the target serves, as discovery found it. */
const served: [apiVersion: string, kind: string, resource: string, namespaced: boolean][] = [
  ['v1', 'Namespace', 'namespaces', false],
  ['v1', 'ConfigMap', 'configmaps', true],
  ['v1', 'Service', 'services', true],
  ['v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true],
  ['apps/v1', 'Deployment', 'deployments', true],
  ['apps/v1', 'StatefulSet', 'statefulsets', true],
  ['networking.k8s.io/v1', 'Ingress', 'ingresses', true],
  ['storage.k8s.io/v1', 'StorageClass', 'storageclasses', false],
  ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false],
];
const types = (): ResourceType[] =>
  served.map(([apiVersion, kind, resource, namespaced]) => {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return { group, version, apiVersion, resource, kind, namespaced, verbs: ['create', 'get', 'list'], custom: false };
  });

const resourceOf = (kind: string) => `${kind.toLowerCase()}${kind.endsWith('s') ? 'es' : 's'}`;

/** An archive entry for the object, listed where it says it lives unless the ref says otherwise. */
const entry = (object: KubeObject, ref: Partial<ArchiveRef> = {}): [ArchiveRef, KubeObject] => {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  const namespace = object.metadata.namespace;
  return [{ resource: resourceOf(object.kind), group, name: object.metadata.name, apiVersion: object.apiVersion, kind: object.kind, ...(namespace ? { namespace } : {}), ...ref }, object];
};
const object = (apiVersion: string, kind: string, name: string, namespace?: string, rest: Record<string, unknown> = {}): KubeObject => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest });

let archives = 0;
async function archive(entries: [ArchiveRef, KubeObject][]): Promise<ArchiveReader> {
  const file = path.join(dir, `${++archives}.tar.gz`);
  const writer = await ArchiveWriter.create(file);
  for (const [ref, body] of entries) await writer.add(ref, body);
  await writer.finish({ source: { context: 'source', cloud: 'aks' }, selection: { namespaces: ['shop'] } });
  return ArchiveReader.open(file, { allowUnsigned: true });
}

/** A route the target answers with this status. */
class Refusal {
  readonly status: number;
  constructor(status: number) {
    this.status = status;
  }
}
/** A target answering GETs from routes (by URL with its query, else by path); anything else is 404. */
function target(routes: Record<string, unknown> = {}): ClusterClient {
  const all: Record<string, unknown> = {
    '/apis/storage.k8s.io/v1/storageclasses': { items: [{ metadata: { name: 'standard' } }] },
    '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations': { items: [] },
    '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations': { items: [] },
    '/api/v1/namespaces/shop': { metadata: { name: 'shop' }, status: { phase: 'Active' } },
    '/api/v1/namespaces/shop/resourcequotas': { items: [] },
    ...routes,
  };
  const request = async (method: string, url: string): Promise<ApiResponse> => {
    const body = method === 'GET' ? (all[url] ?? all[url.split('?')[0]]) : undefined;
    const status = body === undefined ? 404 : body instanceof Refusal ? body.status : 200;
    return { status, body: status === 200 ? body : {}, text: JSON.stringify(body ?? {}), resent: false };
  };
  const ok = async (method: string, url: string) => {
    const res = await request(method, url);
    if (res.status >= 300) throw new Error(`${method} ${url}: HTTP ${res.status}`);
    return res.body;
  };
  return { context: 'target', request, ok } as unknown as ClusterClient;
}

const noMappings = resolveMappings('aks', undefined, {});
async function check(entries: [ArchiveRef, KubeObject][], client: ClusterClient, mappings: Mappings = noMappings) {
  const reader = await archive(entries);
  const archivedCrds = new Set(reader.manifest.entries.filter((r) => r.kind === 'CustomResourceDefinition').map((r) => r.name));
  return { reader, ...(await preflight(reader, client, types(), mappings, archivedCrds)) };
}

const service = (name: string, namespace: string, nodePort: number) => object('v1', 'Service', name, namespace, { spec: { type: 'NodePort', ports: [{ port: 80, nodePort }] } });
const claim = (name: string, storageClassName: string, storage = '1Gi') => object('v1', 'PersistentVolumeClaim', name, 'shop', { spec: { storageClassName, resources: { requests: { storage } } } });

it('passes a restore the target can take, and tells where each kind lives', async () => {
  const client = target({
    '/api/v1/services': { metadata: {}, items: [service('web', 'shop', 30080)] },
    '/api/v1/namespaces/shop/resourcequotas': { items: [{ metadata: { name: 'roomy' }, status: { hard: { 'count/configmaps': '10', 'requests.storage': '100Gi' }, used: { 'count/configmaps': '1' } } }] },
    '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations': {
      items: [{ metadata: { name: 'apps-only' }, webhooks: [{ name: 'deployments.example.com', failurePolicy: 'Fail', clientConfig: { service: { namespace: 'hooks', name: 'down' } }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], operations: ['CREATE'] }] }] }],
    },
  });
  const { findings, existingStorageClasses, namespaced, reader } = await check(
    [entry(object('v1', 'Namespace', 'shop')), entry(object('v1', 'ConfigMap', 'settings', 'shop')), entry(claim('data', 'standard')), entry(service('web', 'shop', 30080))],
    client,
  );
  expect(findings).toEqual([]);
  expect([...existingStorageClasses]).toEqual(['standard']);
  const byKind = Object.fromEntries(reader.manifest.entries.map((ref) => [ref.kind, namespaced(ref)]));
  expect(byKind).toEqual({ Namespace: false, ConfigMap: true, PersistentVolumeClaim: true, Service: true });
});

it('refuses kinds the target does not serve, naming a missing CRD, and an archive that calls a kind by another resource', async () => {
  const { findings } = await check(
    [
      entry(object('apps/v1beta1', 'Deployment', 'web', 'shop')),
      entry(object('example.com/v1', 'Widget', 'blue', 'shop')),
      entry(object('example.com/v1', 'Widget', 'green', 'shop')),
      entry(object('v1', 'ConfigMap', 'settings', 'shop'), { resource: 'configmap' }),
    ],
    target(),
  );
  expect(findings).toEqual([
    { severity: 'error', check: 'api-version', message: 'target does not serve apps/v1beta1 Deployment (1 object)' },
    { severity: 'error', check: 'crd', message: 'target does not serve example.com/v1 Widget (2 objects); its CRD widgets.example.com is neither on the target nor in the archive' },
    { severity: 'error', check: 'api-version', message: 'the archive lists v1 ConfigMap as resource configmap (1 object), but target serves it as configmaps' },
  ]);
});

const widgetCrd = (scope?: string) => object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, { spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, ...(scope ? { scope } : {}) } });

it('places a kind the target does not serve yet where its CRD in the archive puts it', async () => {
  const blue = entry(object('example.com/v1', 'Widget', 'blue', 'shop'));
  const { findings, namespaced } = await check([entry(widgetCrd('Namespaced')), blue], target());
  expect(findings).toEqual([]);
  expect(namespaced(blue[0])).toBe(true);

  const cluster = await check([entry(widgetCrd('Cluster')), blue], target());
  expect(cluster.findings).toEqual([{ severity: 'error', check: 'scope', message: 'the archive lists Widget blue in namespace shop, but example.com/v1 Widget is cluster-scoped by its CRD widgets.example.com in the archive' }]);

  const unscoped = await check([entry(widgetCrd()), blue], target());
  expect(unscoped.findings).toEqual([{ severity: 'error', check: 'crd', message: 'the CRD widgets.example.com in the archive has no scope Namespaced or Cluster, so example.com/v1 Widget (1 object) has no place on target' }]);
});

it('refuses entries listed in a namespace when their kind is cluster-scoped on the target, and the other way round', async () => {
  const { findings, namespaced, reader } = await check(
    [
      entry(object('v1', 'ConfigMap', 'a')),
      entry(object('v1', 'ConfigMap', 'b')),
      entry(object('v1', 'ConfigMap', 'c', 'shop')),
      entry(object('storage.k8s.io/v1', 'StorageClass', 'fast', 'shop')),
    ],
    target(),
  );
  expect(findings).toEqual([
    { severity: 'error', check: 'scope', message: 'the archive lists ConfigMap a without a namespace and 1 more, but v1 ConfigMap is namespaced on target' },
    { severity: 'error', check: 'scope', message: 'the archive lists StorageClass fast in namespace shop, but storage.k8s.io/v1 StorageClass is cluster-scoped on target' },
  ]);
  // as the target keeps them, whatever the listing says
  expect(reader.manifest.entries.map((ref) => `${ref.name} ${namespaced(ref)}`).sort()).toEqual(['a true', 'b true', 'c true', 'fast false']);
});

describe('classes', () => {
  const sc = (name: string, provisioner: string, type: string, isDefault = false) => ({ metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) }, provisioner, parameters: { type } });
  const eksTarget = (routes: Record<string, unknown> = {}) => target({ '/apis/storage.k8s.io/v1/storageclasses': { items: [sc('gp2', 'kubernetes.io/aws-ebs', 'gp2', true), sc('gp3', 'ebs.csi.aws.com', 'gp3')] }, ...routes });
  const statefulSet = object('apps/v1', 'StatefulSet', 'db', 'shop', { spec: { volumeClaimTemplates: [{ spec: { storageClassName: 'managed-premium' } }] } });
  const fast = object('storage.k8s.io/v1', 'StorageClass', 'fast', undefined, { provisioner: 'disk.csi.azure.com', parameters: { skuname: 'StandardSSD_LRS' } });
  const entries = [entry(claim('data', 'managed-premium')), entry(statefulSet), entry(claim('cache', 'fast')), entry(fast)];

  it('chooses a class the target has for every class in use, and shows the downgrade', async () => {
    const { findings, mappings, classes } = await check(entries, eksTarget(), resolveMappings('aks', 'eks', {}));
    expect(findings).toEqual([
      { severity: 'warning', check: 'storage-class', message: 'storage class managed-premium (premium, used by PersistentVolumeClaim shop/data, StatefulSet shop/db) becomes gp3 (standard) on target: a downgrade from premium to standard' },
    ]);
    // another cloud's storage class is not restored (its provisioner is not there): it is chosen like the others
    expect(mappings.storageClasses).toEqual({ 'managed-premium': 'gp3', fast: 'gp3' });
    expect(classes.map((c) => [c.from, c.to, c.reason])).toEqual([
      ['fast', 'gp3', 'same-tier'],
      ['managed-premium', 'gp3', 'nearest-tier'],
    ]);
  });

  it('restores a class the archive brings when the target is of the same cloud', async () => {
    const { findings, mappings, classes } = await check(entries, eksTarget(), resolveMappings('aks', undefined, {}));
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(classes.find((c) => c.from === 'fast')).toMatchObject({ to: 'fast', reason: 'restored' });
    expect(mappings.storageClasses.fast).toBeUndefined();
  });

  it('refuses a class the user names that the target lacks, naming it', async () => {
    const { findings } = await check(entries, eksTarget(), resolveMappings('aks', 'eks', { storageClasses: { 'managed-premium': 'io2' } }));
    expect(findings).toEqual([{ severity: 'error', check: 'storage-class', message: 'storage class io2, chosen for managed-premium (used by PersistentVolumeClaim shop/data, StatefulSet shop/db), does not exist on target (target has gp2, gp3)' }]);
    expect((await check(entries, eksTarget(), resolveMappings('aks', 'eks', { storageClasses: { 'managed-premium': 'gp2' } }))).mappings.storageClasses['managed-premium']).toBe('gp2');
  });

  it('refuses only when the target has no storage class at all', async () => {
    const { findings } = await check([entry(claim('data', 'managed-premium'))], target({ '/apis/storage.k8s.io/v1/storageclasses': { items: [] } }), resolveMappings('aks', 'eks', {}));
    expect(findings).toEqual([{ severity: 'error', check: 'storage-class', message: 'target has no storage class at all, so storage class managed-premium (used by PersistentVolumeClaim shop/data) has nothing to map to; create one there first' }]);
  });

  it('chooses ingress classes among those the target serves, and says when nothing fits', async () => {
    const ingress = (name: string, ingressClassName: string) => entry(object('networking.k8s.io/v1', 'Ingress', name, 'shop', { spec: { ingressClassName } }));
    const served = eksTarget({ '/apis/networking.k8s.io/v1/ingressclasses': { items: [{ metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } }] } });
    const { findings, mappings } = await check([ingress('web', 'webapprouting.kubernetes.azure.com'), ingress('admin', 'nginx-internal')], served, resolveMappings('aks', 'eks', {}));
    expect(mappings.ingressClasses).toEqual({ 'webapprouting.kubernetes.azure.com': 'alb', 'nginx-internal': 'alb-internal' });
    expect(findings).toEqual([
      {
        severity: 'warning',
        check: 'ingress-class',
        message: "ingress class nginx-internal (used by Ingress shop/admin) on target: nothing fits: the target serves alb, none for internal traffic; alb-internal (the cloud profile's) is set, and the Ingress is not served until the target has that class",
      },
    ]);
  });
});

it('refuses a nodePort another Service holds on the target', async () => {
  const client = target({ '/api/v1/services': { metadata: {}, items: [service('web', 'other', 30080), service('api', 'shop', 30081)] } });
  const { findings } = await check([entry(service('web', 'shop', 30080)), entry(service('api', 'shop', 30081))], client);
  expect(findings).toEqual([{ severity: 'error', check: 'node-port', message: 'nodePort 30080 of Service shop/web is already used on target by Service other/web' }]);
});

it('refuses a target namespace that is terminating', async () => {
  const client = target({ '/api/v1/namespaces/shop': { metadata: { name: 'shop' }, status: { phase: 'Terminating' } } });
  const { findings } = await check([entry(object('v1', 'Namespace', 'shop')), entry(object('v1', 'ConfigMap', 'settings', 'shop')), entry(object('v1', 'ConfigMap', 'other', 'new'))], client);
  expect(findings).toEqual([{ severity: 'error', check: 'namespace', message: 'namespace shop on target is terminating; wait until it is gone or map to another namespace' }]);
});

it('refuses what would exceed the quota left in the namespace the objects are mapped to', async () => {
  const client = target({
    '/api/v1/namespaces/shop-eu': { metadata: { name: 'shop-eu' } },
    '/api/v1/namespaces/shop-eu/resourcequotas': {
      items: [
        { metadata: { name: 'objects' }, status: { hard: { 'count/configmaps': '2', persistentvolumeclaims: '5' }, used: { 'count/configmaps': '1' } } },
        { metadata: { name: 'compute' }, status: { hard: { 'requests.cpu': '1', 'requests.memory': '4Gi', 'requests.storage': '10Gi' }, used: { 'requests.storage': '8Gi' } } },
      ],
    },
  });
  const deployment = object('apps/v1', 'Deployment', 'web', 'shop', { spec: { replicas: 3, template: { spec: { containers: [{ resources: { requests: { cpu: '500m', memory: '1Gi' } } }] } } } });
  const mappings = resolveMappings('aks', undefined, { namespaces: { shop: 'shop-eu' } });
  const { findings } = await check([entry(object('v1', 'ConfigMap', 'a', 'shop')), entry(object('v1', 'ConfigMap', 'b', 'shop')), entry(claim('data', 'standard', '5Gi')), entry(deployment)], client, mappings);
  expect(findings).toEqual([
    { severity: 'error', check: 'quota', message: 'quota shop-eu/objects: count/configmaps needs 2 more, only 1 left (hard 2)' },
    { severity: 'error', check: 'quota', message: `quota shop-eu/compute: requests.storage needs ${5 * 2 ** 30} more, only ${2 * 2 ** 30} left (hard 10Gi)` },
    { severity: 'error', check: 'quota', message: 'quota shop-eu/compute: requests.cpu needs 1.5 more, only 1 left (hard 1)' },
  ]);
});

it('warns of admission webhooks that see the creates, and refuses when one that fails closed has no ready endpoints', async () => {
  const hook = (name: string, serviceName: string | undefined, failurePolicy: string, operations = ['CREATE']) => ({
    name,
    failurePolicy,
    clientConfig: serviceName ? { service: { namespace: 'hooks', name: serviceName } } : { url: 'https://hooks.example.com' },
    rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], operations }],
  });
  const slices = (name: string) => `/apis/discovery.k8s.io/v1/namespaces/hooks/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${name}`)}`;
  const client = target({
    '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations': new Refusal(403),
    '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations': {
      items: [{ metadata: { name: 'policies' }, webhooks: [hook('lenient', 'down', 'Ignore'), hook('external', undefined, 'Fail'), hook('up', 'up', 'Fail'), hook('down', 'down', 'Fail'), hook('updates', 'down', 'Fail', ['UPDATE'])] }],
    },
    [slices('up')]: { items: [{ endpoints: [{ conditions: { ready: true } }] }] },
    [slices('down')]: { items: [{ endpoints: [{ conditions: { ready: false } }] }] },
  });
  const { findings } = await check([entry(object('v1', 'ConfigMap', 'settings', 'shop'))], client);
  expect(findings).toEqual([
    { severity: 'warning', check: 'admission-webhook', message: 'could not list validatingwebhookconfigurations on target (HTTP 403); webhooks are not checked' },
    { severity: 'warning', check: 'admission-webhook', message: 'webhook lenient (policies) sees creates of configmaps; the dry-run shows whether it admits them' },
    { severity: 'warning', check: 'admission-webhook', message: 'webhook external (policies) sees creates of configmaps; the dry-run shows whether it admits them' },
    { severity: 'warning', check: 'admission-webhook', message: 'webhook up (failurePolicy Fail) sees creates of configmaps; the dry-run shows whether it admits them' },
    { severity: 'error', check: 'admission-webhook', message: 'webhook down (policies, failurePolicy Fail) would reject every create of configmaps: its service hooks/down has no ready endpoints on target' },
  ]);
});
