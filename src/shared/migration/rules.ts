// What a backup keeps and in which order a restore writes it (DESIGN.md §5): skip list, stripping of
// server-set fields, dependency order. Pure functions over plain Kubernetes objects.

import type { KubeObject } from '../kube-object.ts';
import { RUN_LABEL } from './movers.ts';

/** Restore order by kind; kinds not listed go after the workloads, custom resources last. */
const order = [
  'CustomResourceDefinition',
  'Namespace',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'LimitRange',
  'ResourceQuota',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Pod',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'Ingress',
];

export function restoreRank(kind: string, custom: boolean): number {
  if (custom) return 1000;
  const index = order.indexOf(kind);
  return index >= 0 ? index : order.indexOf('Ingress') + 1;
}

/** Kinds that never move: cluster plumbing, or derived by a controller on the target. */
const neverMoved = new Set([
  'Node',
  'Event',
  'Lease',
  'Endpoints',
  'EndpointSlice',
  'CSINode',
  'CSIStorageCapacity',
  'VolumeAttachment',
  'ComponentStatus',
  'ControllerRevision',
  'PodMetrics',
  'NodeMetrics',
  'APIService',
  'CertificateSigningRequest',
  'PriorityLevelConfiguration',
  'FlowSchema',
]);

/** Built-in kinds a backup leaves out because they are derived or cluster-wide. */
export const skippedKinds = [...neverMoved];

const hasCondition = (object: KubeObject, type: string) =>
  ((object.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** Why an object is not backed up or restored, or undefined when it moves. */
export function skipReason(object: KubeObject): string | undefined {
  const { kind, metadata } = object;
  if (neverMoved.has(kind)) return `${kind} is derived or belongs to the cluster`;
  const controller = metadata.ownerReferences?.find((o) => o.controller);
  if (controller && ['Pod', 'ReplicaSet', 'Job'].includes(kind)) return `owned by ${controller.kind}/${controller.name}, which recreates it`;
  if (kind === 'Pod' && ['Succeeded', 'Failed'].includes((object.status as { phase?: string } | undefined)?.phase ?? '')) return 'finished pod';
  if (kind === 'Job' && (hasCondition(object, 'Complete') || hasCondition(object, 'Failed'))) return 'finished job';
  if (kind === 'ConfigMap' && metadata.name === 'kube-root-ca.crt') return 'published by the target cluster itself';
  if (kind === 'ServiceAccount' && metadata.name === 'default') return 'created by the target cluster in every namespace';
  if (kind === 'Service' && metadata.namespace === 'default' && metadata.name === 'kubernetes') return 'the API server’s own Service';
  if (metadata.labels?.['kubernetes.io/bootstrapping'] === 'rbac-defaults') return 'a default RBAC object every cluster has';
  // a run left for a look holds the repository's credentials: never carried into another cluster or an archive
  if (metadata.labels?.[RUN_LABEL]) return "a volume mover's object, made for one run";
  if (kind === 'Secret' && object.type === 'kubernetes.io/service-account-token') {
    const account = metadata.annotations?.['kubernetes.io/service-account.name'];
    // the token controller's own name pattern; a token Secret the user named is kept (the target fills it)
    if (account && metadata.name.startsWith(`${account}-token-`)) return 'service-account token created by the source cluster';
  }
  return undefined;
}

const serverSetMetadata = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'ownerReferences'];
const bindingAnnotations = [
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'pv.kubernetes.io/provisioned-by',
  'volume.beta.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/selected-node',
  'deployment.kubernetes.io/revision',
];

type ServicePort = { port: number; protocol?: string; nodePort?: number };

/**
 * The ports whose nodePort someone set on purpose: a field manager owns `f:nodePort` (the
 * allocator's choice is owned by nobody), or kubectl's last-applied copy has one.
 */
export function explicitNodePorts(service: KubeObject): Set<string> {
  const explicit = new Set<string>();
  const keyOf = (port: number, protocol = 'TCP') => `${port}/${protocol}`;
  for (const entry of service.metadata.managedFields ?? []) {
    const ports = ((entry.fieldsV1?.['f:spec'] as Record<string, unknown> | undefined)?.['f:ports'] ?? {}) as Record<string, Record<string, unknown>>;
    for (const [key, fields] of Object.entries(ports)) {
      if (!key.startsWith('k:') || !('f:nodePort' in fields)) continue;
      const { port, protocol } = JSON.parse(key.slice(2)) as { port: number; protocol?: string };
      explicit.add(keyOf(port, protocol));
    }
  }
  const applied = service.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
  if (applied) {
    try {
      for (const p of (JSON.parse(applied) as { spec?: { ports?: ServicePort[] } }).spec?.ports ?? []) if (p.nodePort) explicit.add(keyOf(p.port, p.protocol));
    } catch {
      // a hand-edited annotation that is not JSON says nothing about nodePorts
    }
  }
  return explicit;
}

/**
 * A copy without what the source cluster set for itself: identity, status, owner references
 * (controllers re-adopt by selector), allocated Service IPs and nodePorts, scheduling, binding state.
 */
export function sanitize(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  const explicitPorts = copy.kind === 'Service' ? explicitNodePorts(copy) : undefined;
  for (const field of serverSetMetadata) delete copy.metadata[field];
  if (copy.metadata.annotations) {
    for (const key of bindingAnnotations) delete copy.metadata.annotations[key];
    if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  }
  delete copy.status;
  // the target's token controller writes a token signed by its own keys
  if (copy.kind === 'Secret' && copy.type === 'kubernetes.io/service-account-token') delete copy.data;
  const spec = copy.spec as Record<string, unknown> | undefined;
  if (!spec) return copy;
  switch (copy.kind) {
    case 'Service': {
      if (spec.clusterIP !== 'None') {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      delete spec.healthCheckNodePort;
      for (const port of (spec.ports ?? []) as ServicePort[]) if (!explicitPorts!.has(`${port.port}/${port.protocol ?? 'TCP'}`)) delete port.nodePort;
      break;
    }
    case 'Pod':
      delete spec.nodeName;
      break;
    case 'PersistentVolume': {
      const claimRef = spec.claimRef as Record<string, unknown> | undefined;
      // keep the claim it belongs to so it binds to the restored PVC, not to the old one's uid
      if (claimRef) spec.claimRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claimRef.namespace, name: claimRef.name };
      break;
    }
  }
  return copy;
}
