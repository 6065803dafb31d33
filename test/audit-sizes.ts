// Collections a tenant of a cluster may make large enough to turn a quadratic check into minutes:
// the audit's unit spec checks the findings on them, the audit benchmark times them.
import type { KubeObject } from '../src/shared/kube-object.ts';
import type { ClusterObjects } from '../src/shared/security/model.ts';

const rbac = 'rbac.authorization.k8s.io/v1';
const restricted = { runAsNonRoot: true, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } };
const namespace = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export const sizeCases = {
  /** 40,000 finished pods in one namespace (a batch namespace of Jobs); 12.6 s when pods were grouped by copying */
  batchPods: (): Partial<ClusterObjects> => ({
    namespaces: [namespace('batch')],
    pods: Array.from({ length: 40_000 }, (_, i): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `job-${i}`, namespace: 'batch' }, spec: { automountServiceAccountToken: false, containers: [{ name: 'job', securityContext: restricted }] }, status: { phase: 'Succeeded' } })),
  }),
  /** a Role of 20,000 rules and 20,000 bindings to it; 32 s when the rules were read per binding */
  bigRoleBindings: (): Partial<ClusterObjects> => ({
    roles: [{ apiVersion: rbac, kind: 'Role', metadata: { name: 'big', namespace: 'tenant' }, rules: Array.from({ length: 20_000 }, (_, i) => ({ apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: [`p${i}`] })) }],
    roleBindings: Array.from({ length: 20_000 }, (_, i): KubeObject => ({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: `b${i}`, namespace: 'tenant' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'big' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `u${i}` }] })),
  }),
  /** 2,000 namespaces of pods beside a tenant's 100,000 policies; 2.6 s when each namespace looked through every policy */
  tenantPolicies: (): Partial<ClusterObjects> => ({
    namespaces: [...Array.from({ length: 2_000 }, (_, i) => namespace(`team-${i}`)), namespace('tenant')],
    pods: Array.from({ length: 10_000 }, (_, i): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${i}`, namespace: `team-${i % 2_000}`, labels: { app: 'web' } }, spec: { automountServiceAccountToken: false }, status: { phase: 'Running' } })),
    networkPolicies: Array.from({ length: 100_000 }, (_, i): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `allow-${i}`, namespace: 'tenant' }, spec: { podSelector: {}, ingress: [{}] } })),
  }),
  /** 20,000 policies selecting none of a namespace's 2,000 pods; 4.4 s when each pod was tested against each policy */
  unmatchedPolicies: (): Partial<ClusterObjects> => ({
    namespaces: [namespace('tenant')],
    pods: Array.from({ length: 2_000 }, (_, i): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, namespace: 'tenant', labels: { app: 'web', shard: `s${i}` } }, spec: { automountServiceAccountToken: false }, status: { phase: 'Running' } })),
    networkPolicies: Array.from({ length: 20_000 }, (_, i): KubeObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `np-${i}`, namespace: 'tenant' },
      spec: { podSelector: i % 2 ? { matchLabels: { app: 'web', shard: `none-${i}` } } : { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web', `other-${i}`] }] }, policyTypes: ['Ingress'] },
    })),
  }),
};
