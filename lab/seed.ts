import type { LabCluster } from './config.ts';
import { flavours } from './clouds.ts';
import type { KubeObject } from './kube.ts';
import { upstreamCrds } from './upstream-crds.ts';

export const SIMULATED = 'lab.fleetdeck.io/simulated';
/** In-tree provisioners are served by their CSI drivers (CSI migration). */
export const csiDriver = (provisioner: string) => ({ 'kubernetes.io/aws-ebs': 'ebs.csi.aws.com', 'kubernetes.io/gce-pd': 'pd.csi.storage.gke.io' })[provisioner] ?? provisioner;
const labels = (app: string, extra: Record<string, string> = {}) => ({ 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': 'fleetdeck-lab', ...extra });

function crd(group: string, kind: string, plural: string, version: string, shortNames: string[]): KubeObject {
  const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`, shortNames },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: open, status: open } } },
        },
      ],
    },
  };
}

/**
 * Argo CD's and Flux's own CRDs (upstream-crds.ts). AKS and EKS also have prometheus-operator's
 * PrometheusRule (as kube-prometheus-stack installs it; written by us with open spec and status), GKE not.
 */
export function crds(cluster: LabCluster): KubeObject[] {
  return [...(cluster.cloud === 'gke' ? [] : [crd('monitoring.coreos.com', 'PrometheusRule', 'prometheusrules', 'v1', ['promrule'])]), ...upstreamCrds()];
}

export function nodes(cluster: LabCluster): KubeObject[] {
  const f = flavours[cluster.cloud];
  return [0, 1, 2].map((i) => {
    const zone = f.zones[i];
    const name = f.nodeName(i);
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          ...f.nodeLabels,
          [SIMULATED]: 'true',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node.kubernetes.io/instance-type': f.instanceType,
          'topology.kubernetes.io/region': f.region,
          'topology.kubernetes.io/zone': zone,
        },
      },
      spec: { providerID: f.providerID(i, zone) },
    };
  });
}

/** Everything cluster-scoped or namespaced that the lab seeds, in dependency order (CRDs come before). */
export function workloads(cluster: LabCluster): KubeObject[] {
  const f = flavours[cluster.cloud];
  const ns = (name: string, extra: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'fleetdeck.io/team': extra.team ?? 'platform' } } });
  const resources = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { memory: `${parseInt(memory) * 2}Mi` } });
  const deployment = (namespace: string, name: string, image: string, replicas: number, cpu: string, memory: string, extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: labels(name) },
    spec: {
      replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels: labels(name) },
        spec: {
          containers: [{ name, image, ports: [{ containerPort: 8080, name: 'http' }], resources: resources(cpu, memory), readinessProbe: { httpGet: { path: '/healthz', port: 'http' } }, ...extra }],
        },
      },
    },
  });
  const service = (namespace: string, name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: labels(name), ...(annotations ? { annotations } : {}) },
    spec: { selector: { 'app.kubernetes.io/name': name.replace(/-(nodeport|internal)$/, '') }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...spec },
  });
  const pv = (name: string, storageClassName: string, size: string, claim: { namespace: string; name: string }): KubeObject => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, labels: labels('storage') },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName,
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...claim },
      csi: { driver: csiDriver(f.storageClasses.find((s) => s.name === storageClassName)!.provisioner), volumeHandle: `lab-${cluster.cloud}-${name}` },
    },
  });
  const defaultClass = f.storageClasses.find((s) => s.default)!.name;

  return [
    ...f.storageClasses.map((sc) => ({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: sc.name, ...(sc.default ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
      provisioner: sc.provisioner,
      parameters: sc.parameters,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    })),
    // as Flux's install has it (flux2 manifests/rbac/view.yaml): Flux objects are readable by whoever may view
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'flux-view-flux-system', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ apiGroups: ['source.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io', 'helm.toolkit.fluxcd.io', 'notification.toolkit.fluxcd.io', 'image.toolkit.fluxcd.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] }],
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'fleetdeck-lab-viewer' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'fleetdeck-lab-viewer' }] },
    ns('shop', { team: 'apps' }),
    ns('payments', { team: 'apps' }),
    ns('monitoring'),
    ns('argocd'),
    ns('flux-system'),

    // shop: a storefront with every kind the migration engine must handle
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'shop-api', namespace: 'shop', labels: labels('api') } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-config', namespace: 'shop', labels: labels('api') }, data: { LOG_LEVEL: 'info', FEATURE_FLAGS: 'checkout-v2,wishlist', 'app.yaml': 'currency: EUR\ncart:\n  ttl: 30m\n' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-db', namespace: 'shop', labels: labels('postgres') }, type: 'Opaque', stringData: { username: 'shop', password: `lab-${cluster.cloud}-s3cret`, url: 'postgres://shop@postgres.shop.svc:5432/shop' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'config-reader', namespace: 'shop' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'shop-api-config-reader', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'config-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'shop-api', namespace: 'shop' }] },
    deployment('shop', 'web', 'nginx:1.27.3', 3, '100m', '128Mi'),
    {
      ...deployment('shop', 'api', `${f.registry}/shop/api:2.4.1`, 2, '250m', '256Mi', {
        envFrom: [{ configMapRef: { name: 'shop-config' } }],
        env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } }],
      }),
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'postgres', namespace: 'shop', labels: labels('postgres') },
      spec: {
        serviceName: 'postgres',
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'postgres' } },
        template: {
          metadata: { labels: labels('postgres') },
          spec: { containers: [{ name: 'postgres', image: 'postgres:16.4', ports: [{ containerPort: 5432, name: 'pg' }], resources: resources('500m', '512Mi'), volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }] }] },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: f.premiumClass, resources: { requests: { storage: '20Gi' } } } }],
      },
    },
    pv(`pv-${cluster.cloud}-postgres-data-0`, f.premiumClass, '20Gi', { namespace: 'shop', name: 'data-postgres-0' }),
    pv(`pv-${cluster.cloud}-shop-uploads`, defaultClass, '10Gi', { namespace: 'shop', name: 'uploads' }),
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'uploads', namespace: 'shop', labels: labels('web') }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: defaultClass, volumeName: `pv-${cluster.cloud}-shop-uploads`, resources: { requests: { storage: '10Gi' } } } },
    service('shop', 'web', { type: 'ClusterIP' }),
    service('shop', 'api', { type: 'ClusterIP' }),
    service('shop', 'postgres', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, targetPort: 'pg' }] }),
    service('shop', 'web-nodeport', { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }] }),
    service('shop', 'web-internal', { type: 'LoadBalancer' }, f.internalLb),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'shop', labels: labels('web') },
      spec: { ingressClassName: f.ingressClass, rules: [{ host: `shop.${cluster.cloud}.lab.example`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly-report', namespace: 'shop', labels: labels('report') },
      spec: {
        schedule: '*/10 * * * *',
        successfulJobsHistoryLimit: 2,
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'report', image: `${f.registry}/shop/report:1.0.3`, resources: resources('100m', '64Mi') }] } } } },
      },
    },

    // payments: a second team's workload
    deployment('payments', 'payments-api', `${f.registry}/payments/api:5.0.2`, 2, '200m', '256Mi'),
    service('payments', 'payments-api', { type: 'ClusterIP' }),
    deployment('payments', 'ledger', `${f.registry}/payments/ledger:1.9.0`, 1, '100m', '128Mi'),
  ];
}

/**
 * Security mistakes as real clusters have them, different per cluster, in a namespace of their own
 * (legacy-tools) and cluster-scoped RBAC objects, so that the audit has something to find.
 */
export function securityMistakes(cluster: LabCluster): KubeObject[] {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'legacy-tools', labels: { 'fleetdeck.io/team': 'platform' } } };
  const tool = (name: string, podSpec: Record<string, unknown>, container: Record<string, unknown>): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'legacy-tools', labels: labels(name) },
    spec: {
      replicas: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: { metadata: { labels: labels(name) }, spec: { ...podSpec, containers: [{ name, image: `${flavours[cluster.cloud].registry}/platform/${name}:0.9.1`, resources: { requests: { cpu: '50m', memory: '64Mi' } }, ...container }] } },
    },
  });
  switch (cluster.cloud) {
    case 'aks':
      return [
        namespace,
        // a wildcard role someone bound to a person "for now"
        { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'ops-everything' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
        { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'ops-everything-alice' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ops-everything' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@contoso.example' }] },
        // a binding left after its service account was deleted
        { apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'legacy-deployer', namespace: 'legacy-tools' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'ServiceAccount', name: 'legacy-deployer', namespace: 'legacy-tools' }] },
        tool('report-server', {}, { ports: [{ containerPort: 8080, name: 'http' }] }),
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'report-server', namespace: 'legacy-tools', labels: labels('report-server') }, spec: { type: 'LoadBalancer', selector: { 'app.kubernetes.io/name': 'report-server' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
      ];
    case 'gke':
      return [
        namespace,
        // a node debugging tool: the node's processes and logs, privileged, as root
        tool('node-debugger', { hostPID: true, volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }] }, { securityContext: { privileged: true, runAsUser: 0 }, volumeMounts: [{ name: 'logs', mountPath: '/host/var/log' }] }),
        // a status page that reads the version without credentials
        { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'status-page' }, rules: [{ nonResourceURLs: ['/version'], verbs: ['get'] }] },
        { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'status-page-anonymous' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'status-page' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' }] },
      ];
    case 'eks':
      return [
        namespace,
        tool('packet-capture', {}, { securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } } }),
        // a policy whose selector has a typo: it protects nothing
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'packet-capture-ingress', namespace: 'legacy-tools' }, spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'packet-captrue' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }] } },
      ];
  }
}

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const condition = (type: string, status: string, reason: string, message: string, minutes = 5) => ({ type, status, reason, message, lastTransitionTime: ago(minutes) });
const revision = (cluster: LabCluster, n: number) => `main@sha1:${(cluster.index * 7919 + n * 104729).toString(16).padStart(8, '0')}c0ffee${n}`;

/** Argo CD and Flux objects in varied states; each entry is [object, status]. */
export function gitops(cluster: LabCluster): [KubeObject, Record<string, unknown>][] {
  const repo = 'https://github.com/acme/fleet-gitops.git';
  const app = (name: string, path: string, destNs: string, status: Record<string, unknown>, metadata: Partial<KubeObject['metadata']> = {}): [KubeObject, Record<string, unknown>] => [
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: 'argocd', labels: { 'fleetdeck.io/cluster': cluster.context }, ...metadata },
      spec: { project: 'default', source: { repoURL: repo, path, targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: destNs }, syncPolicy: { automated: { prune: true, selfHeal: true } } },
    },
    status,
  ];
  const resource = (kind: string, namespace: string, name: string, status: string, health: string, group = kind === 'Deployment' || kind === 'StatefulSet' ? 'apps' : '') => ({ group, version: 'v1', kind, namespace, name, status, health: { status: health } });
  const ks = (name: string, path: string, status: Record<string, unknown>, spec: Record<string, unknown> = {}): [KubeObject, Record<string, unknown>] => [
    {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name, namespace: 'flux-system' },
      spec: { interval: '10m', path, prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' }, ...spec },
    },
    status,
  ];
  return [
    app(`shop-${cluster.cloud}`, `overlays/${cluster.cloud}/shop`, 'shop', {
      sync: { status: 'Synced', revision: revision(cluster, 1).split(':')[1] },
      health: { status: 'Healthy' },
      operationState: { operation: { sync: { revision: revision(cluster, 1).split(':')[1] } }, phase: 'Succeeded', message: 'successfully synced (all tasks run)', startedAt: ago(13), finishedAt: ago(12) },
      reconciledAt: ago(1),
      resources: [resource('Deployment', 'shop', 'web', 'Synced', 'Healthy'), resource('Deployment', 'shop', 'api', 'Synced', 'Healthy'), resource('StatefulSet', 'shop', 'postgres', 'Synced', 'Healthy'), resource('Service', 'shop', 'web', 'Synced', 'Healthy')],
      history: [{ id: 1, revision: revision(cluster, 0).split(':')[1], deployedAt: ago(600) }, { id: 2, revision: revision(cluster, 1).split(':')[1], deployedAt: ago(12) }],
    }),
    app(`payments-${cluster.cloud}`, `overlays/${cluster.cloud}/payments`, 'payments', {
      sync: { status: 'OutOfSync', revision: revision(cluster, 2).split(':')[1] },
      health: { status: 'Progressing' },
      operationState: { operation: { sync: { revision: revision(cluster, 2).split(':')[1] } }, phase: 'Running', message: 'waiting for healthy state of apps/Deployment/payments-api', startedAt: ago(2) },
      resources: [resource('Deployment', 'payments', 'payments-api', 'OutOfSync', 'Progressing'), resource('Deployment', 'payments', 'ledger', 'Synced', 'Healthy')],
    }),
    app(`monitoring-${cluster.cloud}`, `overlays/${cluster.cloud}/monitoring`, 'monitoring', {
      sync: { status: 'Synced', revision: revision(cluster, 1).split(':')[1] },
      health: { status: 'Degraded', message: 'Deployment "grafana" exceeded its progress deadline' },
      conditions: [{ type: 'SyncError', message: 'one or more objects failed to apply: admission webhook "validate.monitoring" denied the request', lastTransitionTime: ago(30) }],
      resources: [resource('Deployment', 'monitoring', 'grafana', 'Synced', 'Degraded')],
    }),
    // an ApplicationSet and the Application it generated (the lab seeds the owner's uid in, as the controller sets it)
    [
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'ApplicationSet',
        metadata: { name: 'platform', namespace: 'argocd' },
        spec: {
          goTemplate: true,
          generators: [{ list: { elements: [{ cloud: cluster.cloud }] } }],
          template: {
            metadata: { name: 'platform-{{.cloud}}' },
            spec: { project: 'default', source: { repoURL: repo, path: 'platform/{{.cloud}}', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'platform' } },
          },
        },
      },
      {
        conditions: [
          { type: 'ErrorOccurred', status: 'False', reason: 'ApplicationSetUpToDate', message: 'Successfully generated parameters for all Applications', lastTransitionTime: ago(20) },
          { type: 'ParametersGenerated', status: 'True', reason: 'ParametersGenerated', message: 'Successfully generated parameters for all Applications', lastTransitionTime: ago(20) },
          { type: 'ResourcesUpToDate', status: 'True', reason: 'ApplicationSetUpToDate', message: 'ApplicationSet up to date', lastTransitionTime: ago(20) },
        ],
        resources: [{ group: 'argoproj.io', version: 'v1alpha1', kind: 'Application', namespace: 'argocd', name: `platform-${cluster.cloud}`, status: 'Synced', health: { status: 'Healthy' } }],
        resourcesCount: 1,
      },
    ],
    app(
      `platform-${cluster.cloud}`,
      `platform/${cluster.cloud}`,
      'platform',
      {
        sync: { status: 'Synced', revision: revision(cluster, 1).split(':')[1] },
        health: { status: 'Healthy' },
        operationState: { operation: { sync: { revision: revision(cluster, 1).split(':')[1] } }, phase: 'Succeeded', message: 'successfully synced (all tasks run)', startedAt: ago(21), finishedAt: ago(20) },
      },
      { ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', name: 'platform', uid: '', controller: true, blockOwnerDeletion: true }] },
    ),
    [
      { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'fleet', namespace: 'flux-system' }, spec: { interval: '1m', url: repo, ref: { branch: 'main' } } },
      {
        conditions: [condition('Ready', 'True', 'Succeeded', `stored artifact for revision '${revision(cluster, 1)}'`)],
        artifact: { revision: revision(cluster, 1), digest: `sha256:${'c0ffee'.repeat(10)}${cluster.index.toString(16).padStart(4, '0')}`, lastUpdateTime: ago(3), path: 'gitrepository/flux-system/fleet/c0ffee.tar.gz', url: 'http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/fleet/c0ffee.tar.gz' },
      },
    ],
    ks('infrastructure', `./infrastructure/${cluster.cloud}`, {
      conditions: [condition('Ready', 'True', 'ReconciliationSucceeded', `Applied revision: ${revision(cluster, 1)}`)],
      lastAppliedRevision: revision(cluster, 1),
      lastAttemptedRevision: revision(cluster, 1),
      inventory: { entries: [{ id: '_shop__Namespace', v: 'v1' }, { id: 'shop_web_apps_Deployment', v: 'v1' }, { id: 'shop_web_networking.k8s.io_Ingress', v: 'v1' }] },
    }),
    ks('apps', `./apps/${cluster.cloud}`, {
      conditions: [condition('Ready', 'False', 'BuildFailed', `kustomize build failed: accumulating resources from 'payments': open /tmp/kustomization-123/apps/${cluster.cloud}/payments/kustomization.yaml: no such file or directory`, 8)],
      lastAppliedRevision: revision(cluster, 0),
      lastAttemptedRevision: revision(cluster, 2),
    }, { dependsOn: [{ name: 'infrastructure' }] }),
    ks('observability', `./observability/${cluster.cloud}`, {
      conditions: [condition('Ready', 'Unknown', 'Progressing', 'Reconciliation in progress', 0)],
      lastAppliedRevision: revision(cluster, 1),
    }, { suspend: cluster.cloud === 'eks' }),
    [
      { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'bitnami', namespace: 'flux-system' }, spec: { interval: '1h', url: 'oci://registry-1.docker.io/bitnamicharts', type: 'oci' } },
      { conditions: [condition('Ready', 'True', 'Succeeded', 'Helm repository is Ready')] },
    ],
    [
      { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'redis', namespace: 'flux-system' }, spec: { interval: '10m', chart: { spec: { chart: 'redis', version: '20.6.x', sourceRef: { kind: 'HelmRepository', name: 'bitnami' } } }, targetNamespace: 'shop' } },
      {
        conditions: [condition('Ready', 'True', 'UpgradeSucceeded', 'Helm upgrade succeeded for release shop/redis.v3 with chart redis@20.6.2'), condition('Drifted', cluster.cloud === 'gke' ? 'True' : 'False', cluster.cloud === 'gke' ? 'DriftDetected' : 'NoDrift', cluster.cloud === 'gke' ? 'Cluster state of release shop/redis.v3 has drifted from the desired state: StatefulSet/shop/redis-master changed' : 'No drift detected')],
        lastAttemptedRevision: '20.6.2',
        history: [
          {
            name: 'redis',
            namespace: 'shop',
            version: 3,
            status: 'deployed',
            chartName: 'redis',
            chartVersion: '20.6.2',
            configDigest: `sha256:${'0badc0de'.repeat(8)}`,
            digest: `sha256:${'c0ffee00'.repeat(8)}`,
            firstDeployed: ago(60 * 24 * 3),
            lastDeployed: ago(45),
          },
        ],
      },
    ],
  ];
}
