import { describe, expect, it } from 'vitest';
import { explicitNodePorts, restoreRank, sanitize, skipReason } from './rules.ts';
import type { KubeObject } from '../kube-object.ts';
import { workloadClosure } from './closure.ts';
import { diffObjects } from './diff.ts';
import { resolveMappings, rewriteImage, transformObject } from './transforms.ts';

const obj = (kind: string, name: string, extra: Partial<KubeObject> & Record<string, unknown> = {}, namespace: string | undefined = 'shop'): KubeObject => ({
  apiVersion: 'v1',
  kind,
  ...extra,
  metadata: { name, ...(namespace ? { namespace } : {}), ...(extra.metadata ?? {}) },
});

describe('restore order', () => {
  it('puts dependencies first and custom resources last', () => {
    const kinds = ['Ingress', 'Deployment', 'Secret', 'Namespace', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'Service', 'RoleBinding', 'PersistentVolume', 'StorageClass'];
    expect([...kinds].sort((a, b) => restoreRank(a, false) - restoreRank(b, false))).toEqual([
      'CustomResourceDefinition', 'Namespace', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'Secret', 'RoleBinding', 'Service', 'Deployment', 'Ingress',
    ]);
    expect(restoreRank('Application', true)).toBeGreaterThan(restoreRank('Ingress', false));
    expect(restoreRank('PriorityClass', false)).toBeGreaterThan(restoreRank('Deployment', false));
  });
});

describe('skip list', () => {
  it('skips derived objects and keeps what a user made', () => {
    expect(skipReason(obj('Event', 'e'))).toMatch(/derived/);
    expect(skipReason(obj('EndpointSlice', 'web-abc'))).toMatch(/derived/);
    expect(skipReason(obj('Pod', 'web-1', { metadata: { name: 'web-1', ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d', controller: true }] } }))).toBe('owned by ReplicaSet/web-7d, which recreates it');
    expect(skipReason(obj('Pod', 'standalone', { status: { phase: 'Running' } }))).toBeUndefined();
    expect(skipReason(obj('Pod', 'done', { status: { phase: 'Succeeded' } }))).toBe('finished pod');
    expect(skipReason(obj('Job', 'once', { status: { conditions: [{ type: 'Complete', status: 'True' }] } }))).toBe('finished job');
    expect(skipReason(obj('Job', 'running', { status: { active: 1 } }))).toBeUndefined();
    expect(skipReason(obj('ConfigMap', 'kube-root-ca.crt'))).toBeDefined();
    expect(skipReason(obj('ConfigMap', 'settings'))).toBeUndefined();
    expect(skipReason(obj('ServiceAccount', 'default'))).toBeDefined();
    expect(skipReason(obj('ServiceAccount', 'api'))).toBeUndefined();
    expect(skipReason(obj('ClusterRole', 'view', { metadata: { name: 'view', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } } }, undefined))).toMatch(/default RBAC/);
    expect(skipReason(obj('ClusterRole', 'shop-reader', {}, undefined))).toBeUndefined();
    const token = (name: string) => obj('Secret', name, { type: 'kubernetes.io/service-account-token', metadata: { name, annotations: { 'kubernetes.io/service-account.name': 'api' } } });
    expect(skipReason(token('api-token-x7k2p'))).toMatch(/token/);
    expect(skipReason(token('api-ci-token'))).toBeUndefined();
    const mover = (kind: string, name: string) => obj(kind, name, { metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'fleetdeck', 'fleetdeck.io/mover-run': '2df344d452' } } });
    expect(skipReason(mover('Secret', 'fleetdeck-mover-2df344d452'))).toMatch(/volume mover's object/);
    expect(skipReason(mover('Job', 'fleetdeck-backup-data'))).toMatch(/volume mover's object/);
  });
});

describe('sanitize', () => {
  const managed = (ports: object) => [{ manager: 'kubectl', fieldsV1: { 'f:spec': { 'f:ports': ports } } }];

  it('strips identity, status and owner references, and keeps user data', () => {
    const cm = sanitize(obj('ConfigMap', 'settings', { data: { a: '1' }, status: {}, metadata: { name: 'settings', uid: 'u', resourceVersion: '7', creationTimestamp: 't', managedFields: [], ownerReferences: [{ kind: 'X', name: 'y' }], labels: { app: 'web' } } }));
    expect(cm).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop', labels: { app: 'web' } }, data: { a: '1' } });
  });

  it('gives Services new cluster IPs and keeps only the nodePorts someone chose', () => {
    const service = obj('Service', 'web', {
      metadata: { name: 'web', managedFields: managed({ 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:nodePort': {}, 'f:port': {} }, 'k:{"port":443,"protocol":"TCP"}': { 'f:port': {} } }) },
      spec: { type: 'NodePort', clusterIP: '10.0.0.7', clusterIPs: ['10.0.0.7'], ports: [{ port: 80, nodePort: 30080 }, { port: 443, nodePort: 31443 }] },
    });
    expect(explicitNodePorts(service)).toEqual(new Set(['80/TCP']));
    expect(sanitize(service).spec).toEqual({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }, { port: 443 }] });
    const headless = sanitize(obj('Service', 'db', { spec: { clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 5432 }] } }));
    expect((headless.spec as { clusterIP: string }).clusterIP).toBe('None');
  });

  it('reads explicit nodePorts from kubectl’s last-applied copy too', () => {
    const service = obj('Service', 'web', { metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { ports: [{ port: 443, nodePort: 31443 }] } }) } } });
    expect(explicitNodePorts(service)).toEqual(new Set(['443/TCP']));
  });

  it('resets PV binding to the claim by name and drops pod scheduling', () => {
    const pv = sanitize(obj('PersistentVolume', 'pv-1', { spec: { claimRef: { kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data', uid: 'u', resourceVersion: '9' } }, metadata: { name: 'pv-1', annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' } } }, undefined));
    expect(pv.spec).toEqual({ claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data' } });
    expect(pv.metadata.annotations).toBeUndefined();
    expect(sanitize(obj('Pod', 'p', { spec: { nodeName: 'n1', containers: [] } })).spec).toEqual({ containers: [] });
  });
});

describe('mappings', () => {
  it('keep what the user mapped and the two clouds; the classes left out are chosen by pre-flight (class-choice.spec)', () => {
    const m = resolveMappings('aks', 'eks', { storageClasses: { 'managed-premium': 'gp3' }, namespaces: { shop: 'shop-eu' } });
    expect(m).toEqual({ namespaces: { shop: 'shop-eu' }, storageClasses: { 'managed-premium': 'gp3' }, ingressClasses: {}, registries: {}, sourceCloud: 'aks', targetCloud: 'eks' });
  });
});

describe('transforms', () => {
  const mappings = resolveMappings('aks', 'eks', {
    namespaces: { shop: 'shop-eu' },
    storageClasses: { 'managed-csi': 'gp3', 'managed-premium': 'io2' },
    ingressClasses: { 'webapprouting.kubernetes.azure.com': 'alb' },
    registries: { 'acme.azurecr.io': '1234.dkr.ecr.eu-west-1.amazonaws.com' },
  });
  /** as the target keeps it: in a namespace when it is listed in one */
  const transform = (object: KubeObject) => transformObject(object, mappings, { namespaced: Boolean(object.metadata.namespace) });

  it('maps storage classes in PVCs, PVs and StatefulSet claim templates, and lists each change', () => {
    const pvc = transform(obj('PersistentVolumeClaim', 'data', { spec: { storageClassName: 'managed-csi' } }));
    expect((pvc.object.spec as { storageClassName: string }).storageClassName).toBe('gp3');
    expect(pvc.transforms).toContainEqual({ kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data', path: 'spec.storageClassName', from: 'managed-csi', to: 'gp3' });
    const pv = transform(obj('PersistentVolume', 'pv-1', { spec: { storageClassName: 'managed-premium', claimRef: { namespace: 'shop', name: 'data' } } }, undefined));
    expect(pv.object.spec).toMatchObject({ storageClassName: 'io2', claimRef: { namespace: 'shop-eu' } });
    const sts = transform(obj('StatefulSet', 'db', { spec: { volumeClaimTemplates: [{ spec: { storageClassName: 'managed-premium' } }] } }));
    expect(sts.transforms.map((t) => t.path)).toEqual(['metadata.namespace', 'spec.volumeClaimTemplates[0].spec.storageClassName']);
  });

  it('maps namespaces everywhere they appear', () => {
    expect(transform(obj('Namespace', 'shop', {}, undefined)).object.metadata.name).toBe('shop-eu');
    const binding = transform(obj('RoleBinding', 'readers', { subjects: [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop' }, { kind: 'User', name: 'ann' }] }));
    expect(binding.object.metadata.namespace).toBe('shop-eu');
    expect(binding.object.subjects).toEqual([{ kind: 'ServiceAccount', name: 'api', namespace: 'shop-eu' }, { kind: 'User', name: 'ann' }]);
  });

  it('never moves a cluster-scoped object into a namespace, whatever namespace it claims; its references to namespaced objects still move', () => {
    const claimed = obj('ClusterRoleBinding', 'evil', { roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop' }] });
    expect(claimed.metadata.namespace).toBe('shop');
    const { object, transforms } = transformObject(claimed, mappings, { namespaced: false });
    expect(object.metadata.namespace).toBe('shop');
    expect(object.subjects).toEqual([{ kind: 'ServiceAccount', name: 'api', namespace: 'shop-eu' }]);
    expect(transforms).toEqual([{ kind: 'ClusterRoleBinding', name: 'evil', path: 'subjects[0].namespace', from: 'shop', to: 'shop-eu' }]);
  });

  it('translates internal load-balancer annotations to the target cloud', () => {
    const lb = transform(
      obj('Service', 'internal', { metadata: { name: 'internal', annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true', team: 'web' } }, spec: { type: 'LoadBalancer' } }),
    );
    expect(lb.object.metadata.annotations).toEqual({ team: 'web', 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
    expect(lb.transforms.find((t) => t.path === 'metadata.annotations')?.from).toBe('service.beta.kubernetes.io/azure-load-balancer-internal: true');
    const external = transform(obj('Service', 'public', { metadata: { name: 'public', annotations: { team: 'web' } }, spec: { type: 'LoadBalancer' } }));
    expect(external.object.metadata.annotations).toEqual({ team: 'web' });
  });

  it('translates ingress classes, and rewrites image registries in every pod template', () => {
    const ingress = transform(obj('Ingress', 'web', { spec: { ingressClassName: 'webapprouting.kubernetes.azure.com' } }));
    expect((ingress.object.spec as { ingressClassName: string }).ingressClassName).toBe('alb');
    const cron = transform(obj('CronJob', 'report', { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ image: 'acme.azurecr.io/shop/report:1' }, { image: 'busybox:1' }] } } } } } }));
    expect(cron.transforms).toContainEqual(expect.objectContaining({ path: 'spec.jobTemplate.spec.template.spec.containers[0].image', to: '1234.dkr.ecr.eu-west-1.amazonaws.com/shop/report:1' }));
    expect(cron.transforms.filter((t) => t.path.endsWith('image'))).toHaveLength(1);
    expect(rewriteImage('acme.azurecr.io.evil/x:1', { 'acme.azurecr.io': 'r' })).toBe('acme.azurecr.io.evil/x:1');
  });

  it('leaves the input untouched', () => {
    const input = obj('PersistentVolumeClaim', 'data', { spec: { storageClassName: 'managed-csi' } });
    transform(input);
    expect(input.spec).toEqual({ storageClassName: 'managed-csi' });
  });
});

describe('diff', () => {
  it('lists changed fields, ignores server-set metadata and status, and never shows Secret values', () => {
    const before = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '1', uid: 'u', labels: { x: '1' } }, data: { k: 'old', gone: 'v' }, status: { s: 1 } };
    const after = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '2', labels: { x: '2' } }, data: { k: 'new' } };
    expect(diffObjects(before, after)).toEqual(['metadata.labels.x: "1" → "2"', 'data.k: "old" → "new"', 'data.gone: "v" → (none)']);
    expect(diffObjects({ ...after, kind: 'Secret', data: { p: 'czE=' } }, { ...after, kind: 'Secret', data: { p: 'czI=' } })).toEqual(['data.p: (value changed, not shown)']);
    expect(diffObjects(after, structuredClone(after))).toEqual([]);
  });
});

describe('workload closure', () => {
  it('keeps the workload and what it uses, and leaves the rest of the namespace', () => {
    const labels = { app: 'web' };
    const web = obj('Deployment', 'web', {
      spec: {
        template: {
          metadata: { labels: { ...labels, tier: 'front' } },
          spec: {
            serviceAccountName: 'web',
            imagePullSecrets: [{ name: 'registry' }],
            containers: [{ envFrom: [{ configMapRef: { name: 'web-env' } }], env: [{ valueFrom: { secretKeyRef: { name: 'db' } } }] }],
            volumes: [{ configMap: { name: 'web-files' } }, { persistentVolumeClaim: { claimName: 'uploads' } }, { projected: { sources: [{ secret: { name: 'tls' } }] } }],
          },
        },
      },
    });
    const related = [
      obj('Service', 'web', { spec: { selector: labels } }),
      obj('Service', 'api', { spec: { selector: { app: 'api' } } }),
      obj('Service', 'external', { spec: { type: 'ExternalName' } }),
      obj('Ingress', 'web', { spec: { rules: [{ http: { paths: [{ backend: { service: { name: 'web' } } }] } }] } }),
      obj('Ingress', 'api', { spec: { rules: [{ http: { paths: [{ backend: { service: { name: 'api' } } }] } }] } }),
      obj('HorizontalPodAutoscaler', 'web', { spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' } } }),
      obj('PodDisruptionBudget', 'web', { spec: { selector: { matchLabels: labels } } }),
      obj('RoleBinding', 'web-reader', { subjects: [{ kind: 'ServiceAccount', name: 'web' }], roleRef: { kind: 'Role', name: 'reader' } }),
      obj('RoleBinding', 'other', { subjects: [{ kind: 'ServiceAccount', name: 'api' }], roleRef: { kind: 'Role', name: 'writer' } }),
    ];
    expect([...workloadClosure(web, related)].sort()).toEqual(
      [
        'Deployment/web', 'ServiceAccount/web', 'Secret/registry', 'ConfigMap/web-env', 'Secret/db', 'ConfigMap/web-files', 'PersistentVolumeClaim/uploads', 'Secret/tls',
        'Service/web', 'Ingress/web', 'HorizontalPodAutoscaler/web', 'PodDisruptionBudget/web', 'RoleBinding/web-reader', 'Role/reader',
      ].sort(),
    );
    const db = obj('StatefulSet', 'db', { spec: { replicas: 2, volumeClaimTemplates: [{ metadata: { name: 'data' } }] } });
    expect(workloadClosure(db, [])).toEqual(new Set(['StatefulSet/db', 'PersistentVolumeClaim/data-db-0', 'PersistentVolumeClaim/data-db-1']));
  });
});
