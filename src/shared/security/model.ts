// What a security audit reads of one cluster and what it finds: one finding per resource and
// check, with why it matters (message) and what to change (fix).
import type { Cloud } from '../cloud.ts';
import type { KubeObject } from '../kube-object.ts';

export const severities = ['error', 'warning', 'info'] as const;
export type Severity = (typeof severities)[number];

export const checkFamilies = ['network', 'rbac', 'workloads', 'encryption'] as const;
export type CheckFamily = (typeof checkFamilies)[number];

export interface Finding {
  context: string;
  /** family.name, e.g. rbac.cluster-admin */
  check: string;
  severity: Severity;
  /** null for a cluster-scoped resource */
  namespace: string | null;
  kind: string;
  name: string;
  /** what is wrong with this resource and why it matters */
  message: string;
  fix: string;
}

/** The objects of one cluster an audit reads (each list whole: a list the context may not read makes the audit fail, never look clean). */
export interface ClusterObjects {
  context: string;
  cloud: Cloud;
  namespaces: KubeObject[];
  pods: KubeObject[];
  serviceAccounts: KubeObject[];
  networkPolicies: KubeObject[];
  clusterRoles: KubeObject[];
  roles: KubeObject[];
  clusterRoleBindings: KubeObject[];
  roleBindings: KubeObject[];
  storageClasses: KubeObject[];
  ingresses: KubeObject[];
  services: KubeObject[];
}

/** The collections behind ClusterObjects, as the API serves them, and the kind of their items (a list's items carry none). */
export const auditedCollections = {
  namespaces: { path: '/api/v1/namespaces', resource: 'namespaces', group: '', kind: 'Namespace' },
  pods: { path: '/api/v1/pods', resource: 'pods', group: '', kind: 'Pod' },
  serviceAccounts: { path: '/api/v1/serviceaccounts', resource: 'serviceaccounts', group: '', kind: 'ServiceAccount' },
  networkPolicies: { path: '/apis/networking.k8s.io/v1/networkpolicies', resource: 'networkpolicies', group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  clusterRoles: { path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', resource: 'clusterroles', group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  roles: { path: '/apis/rbac.authorization.k8s.io/v1/roles', resource: 'roles', group: 'rbac.authorization.k8s.io', kind: 'Role' },
  clusterRoleBindings: { path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', resource: 'clusterrolebindings', group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
  roleBindings: { path: '/apis/rbac.authorization.k8s.io/v1/rolebindings', resource: 'rolebindings', group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
  storageClasses: { path: '/apis/storage.k8s.io/v1/storageclasses', resource: 'storageclasses', group: 'storage.k8s.io', kind: 'StorageClass' },
  ingresses: { path: '/apis/networking.k8s.io/v1/ingresses', resource: 'ingresses', group: 'networking.k8s.io', kind: 'Ingress' },
  services: { path: '/api/v1/services', resource: 'services', group: '', kind: 'Service' },
} as const satisfies Record<Exclude<keyof ClusterObjects, 'context' | 'cloud'>, { path: string; resource: string; group: string; kind: string }>;

/** The control plane's own namespaces: their pods need what the checks flag (kube-proxy runs privileged). */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);
export const isSystemNamespace = (namespace: string | undefined) => namespace !== undefined && SYSTEM_NAMESPACES.has(namespace);

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * The workload a pod belongs to, as an SRE names it: a Deployment rather than its ReplicaSet, a
 * CronJob rather than one of its Jobs; a bare pod is itself. Only the controller counts: whoever
 * creates a pod may name any owner besides it, and no controller releases the pod from that one.
 */
export function ownerOf(pod: KubeObject): { kind: string; name: string } {
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
  if (!owner) return { kind: 'Pod', name: pod.metadata.name };
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
  // the CronJob controller names each Job it starts <cronjob>-<scheduled time in minutes since 1970>
  const scheduled = owner.kind === 'Job' ? /^(.+)-\d{8,}$/.exec(owner.name) : null;
  if (scheduled) return { kind: 'CronJob', name: scheduled[1] };
  return { kind: owner.kind, name: owner.name };
}

/** A few names, then how many more. */
export function someOf(names: string[], shown = 5): string {
  const sorted = [...names].sort();
  return sorted.length <= shown ? sorted.join(', ') : `${sorted.slice(0, shown).join(', ')} and ${sorted.length - shown} more`;
}
