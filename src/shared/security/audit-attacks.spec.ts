// The audit against what a tenant of the cluster may write: bindings dressed up as the system's own,
// subjects that name every user or every service account in a "system:" spelling, and collections
// large enough to turn a quadratic check into minutes.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube-object.ts';
import { sizeCases } from '../../../test/audit-sizes.ts';
import { auditCluster } from './audit.ts';
import type { ClusterObjects } from './model.ts';

const rbac = 'rbac.authorization.k8s.io/v1';
const cluster = (objects: Partial<ClusterObjects>): ClusterObjects => ({ context: 'eks-lab', cloud: 'eks', namespaces: [], pods: [], serviceAccounts: [], networkPolicies: [], clusterRoles: [], roles: [], clusterRoleBindings: [], roleBindings: [], storageClasses: [], ingresses: [], services: [], ...objects });
const defaults = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const clusterRole = (name: string, rules: unknown[], labels?: Record<string, string>): KubeObject => ({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name, ...(labels ? { labels } : {}) }, rules });
const binding = (name: string, role: string, subjects: unknown[] | null, options: { namespace?: string; labels?: Record<string, string>; roleKind?: string } = {}): KubeObject => ({
  apiVersion: rbac,
  kind: options.namespace ? 'RoleBinding' : 'ClusterRoleBinding',
  metadata: { name, ...(options.namespace ? { namespace: options.namespace } : {}), ...(options.labels ? { labels: options.labels } : {}) },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: options.roleKind ?? 'ClusterRole', name: role },
  subjects,
});
const user = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name });
const group = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name });
const serviceAccount = (namespace: string, name: string) => ({ kind: 'ServiceAccount', namespace, name });

/** The roles the API server bootstraps that the payloads and the defaults below refer to. */
const roles = [
  clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }], defaults),
  clusterRole('system:public-info-viewer', [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }], defaults),
  clusterRole('system:service-account-issuer-discovery', [{ nonResourceURLs: ['/.well-known/openid-configuration', '/openid/v1/jwks'], verbs: ['get'] }], defaults),
  clusterRole('system:controller:job-controller', [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['*'] }], defaults),
  clusterRole('system:kube-dns', [{ apiGroups: [''], resources: ['endpoints', 'services'], verbs: ['list', 'watch'] }], defaults),
  clusterRole('system:node', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], defaults),
  clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]),
  clusterRole('status-page', [{ nonResourceURLs: ['/version'], verbs: ['get'] }]),
];
const rbacOf = (bindings: KubeObject[]) =>
  auditCluster(cluster({ clusterRoles: roles, clusterRoleBindings: bindings.filter((b) => b.kind === 'ClusterRoleBinding'), roleBindings: bindings.filter((b) => b.kind === 'RoleBinding'), serviceAccounts: [] }))
    .filter((f) => f.check.startsWith('rbac.'))
    .map(({ check, severity, kind, namespace, name, message }) => ({ check, severity, kind, namespace, name, message }));
const one = (findings: ReturnType<typeof rbacOf>, check: string, name: string) => findings.find((f) => f.check === check && f.name === name);

describe('RBAC: what looks like the system is judged by what it grants and to whom', () => {
  it('does not exempt a binding for its name or label, which anyone who creates it chooses', () => {
    const findings = rbacOf([
      binding('system:backup-operator', 'cluster-admin', [user('mallory@example.com')]),
      binding('ops', 'cluster-admin', [user('mallory@example.com')], { labels: defaults }),
      // the API server's own cluster-admin binding, with one more subject: the reconciler keeps extra subjects
      binding('cluster-admin', 'cluster-admin', [group('system:masters'), user('mallory@example.com')], { labels: defaults }),
    ]);
    for (const name of ['system:backup-operator', 'ops', 'cluster-admin']) expect(one(findings, 'rbac.cluster-admin', name)).toMatchObject({ severity: 'error', message: expect.stringContaining('User mallory@example.com') });
    expect(one(findings, 'rbac.cluster-admin', 'cluster-admin')?.message).not.toContain('system:masters');
  });

  it('counts every authenticated user, every service account, and a service account spelled as a user as people', () => {
    const findings = rbacOf([
      binding('everyone-admin', 'cluster-admin', [group('system:authenticated')]),
      binding('all-robots-admin', 'cluster-admin', [group('system:serviceaccounts')]),
      binding('tenant-robots-admin', 'cluster-admin', [group('system:serviceaccounts:tenant')]),
      binding('robot-admin', 'cluster-admin', [user('system:serviceaccount:tenant:robot')]),
    ]);
    expect(one(findings, 'rbac.cluster-admin', 'everyone-admin')?.message).toContain('Group system:authenticated');
    expect(one(findings, 'rbac.cluster-admin', 'all-robots-admin')?.message).toContain('Group system:serviceaccounts');
    expect(one(findings, 'rbac.cluster-admin', 'tenant-robots-admin')?.message).toContain('Group system:serviceaccounts:tenant');
    expect(one(findings, 'rbac.cluster-admin', 'robot-admin')?.message).toContain('ServiceAccount tenant/robot');
    // the same identity as a ServiceAccount subject: whoever creates it later gets the role
    expect(one(findings, 'rbac.missing-subject', 'robot-admin')?.severity).toBe('warning');
  });

  it('flags anonymous access granted by a binding named like the system, unless it is the system’s role that reads only public health and version URLs', () => {
    const findings = rbacOf([
      binding('system:status', 'pod-reader', [group('system:unauthenticated')]),
      // a role made for anonymous users is someone's decision to review, whatever it grants
      binding('status-page-anonymous', 'status-page', [group('system:unauthenticated')]),
      binding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')], { labels: defaults }),
    ]);
    expect(one(findings, 'rbac.anonymous', 'system:status')?.severity).toBe('error');
    expect(one(findings, 'rbac.anonymous', 'status-page-anonymous')?.severity).toBe('error');
    expect(one(findings, 'rbac.anonymous', 'system:public-info-viewer')).toBeUndefined();
  });

  it('still finds nothing in the bindings the API server creates for itself', () => {
    const findings = rbacOf([
      binding('cluster-admin', 'cluster-admin', [group('system:masters')], { labels: defaults }),
      binding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')], { labels: defaults }),
      binding('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [group('system:serviceaccounts')], { labels: defaults }),
      binding('system:controller:job-controller', 'system:controller:job-controller', [serviceAccount('kube-system', 'job-controller')], { labels: defaults }),
      binding('system:kube-dns', 'system:kube-dns', [serviceAccount('kube-system', 'kube-dns')], { labels: defaults }),
      binding('system:node', 'system:node', null, { labels: defaults }),
      binding('kube-system-robot', 'cluster-admin', [user('system:serviceaccount:kube-system:robot'), group('system:serviceaccounts:kube-system'), user('system:kube-controller-manager')]),
    ]);
    expect(findings).toEqual([]);
  });
});

describe('RBAC: verbs that grant every other permission', () => {
  it('names subjects whose role may impersonate any user or group, or escalate and bind roles, without a * anywhere', () => {
    const escalating = [
      clusterRole('impersonator', [{ apiGroups: [''], resources: ['groups', 'users'], verbs: ['impersonate'] }]),
      clusterRole('rbac-manager', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], verbs: ['get', 'bind', 'escalate', 'create'] }]),
      // the default edit role impersonates the namespace's service accounts: by design, and within the namespace
      clusterRole('edit', [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] }], defaults),
      clusterRole('system:controller:clusterrole-aggregation-controller', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate', 'get', 'list', 'patch', 'update', 'watch'] }], defaults),
    ];
    const findings = auditCluster(
      cluster({
        clusterRoles: escalating,
        clusterRoleBindings: [
          binding('support-impersonates', 'impersonator', [user('support@example.com')]),
          binding('system:controller:clusterrole-aggregation-controller', 'system:controller:clusterrole-aggregation-controller', [serviceAccount('kube-system', 'clusterrole-aggregation-controller')], { labels: defaults }),
        ],
        roleBindings: [binding('ci-rbac', 'rbac-manager', [serviceAccount('ci', 'deployer')], { namespace: 'ci' }), binding('dev-edit', 'edit', [user('dev@example.com')], { namespace: 'ci' })],
        serviceAccounts: [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: 'ci' } }],
      }),
    ).filter((f) => f.check.startsWith('rbac.'));
    expect(findings.map(({ check, severity, name, message }) => ({ check, severity, name, message }))).toEqual([
      { check: 'rbac.escalation', severity: 'error', name: 'support-impersonates', message: 'binds ClusterRole impersonator in every namespace to User support@example.com; it allows impersonate, enough to grant oneself any permission (impersonating a member of system:masters, or binding cluster-admin)' },
      { check: 'rbac.escalation', severity: 'warning', name: 'ci-rbac', message: 'binds ClusterRole rbac-manager in ci to ServiceAccount ci/deployer; it allows escalate and bind, enough to grant oneself any permission (impersonating a member of system:masters, or binding cluster-admin)' },
    ]);
  });
});

// how long these take is the audit benchmark's to measure (npm run bench -- audit); here, what they find
describe('size: what a tenant may make large', () => {
  it('audits a namespace of 40,000 pods (a batch namespace of finished Jobs)', () => {
    const findings = auditCluster(cluster(sizeCases.batchPods()));
    expect(findings.find((f) => f.check === 'workloads.pod-security-admission')?.message).toContain('would pass restricted');
  }, 120_000);

  it('a role of 20,000 rules bound 20,000 times', () => {
    expect(auditCluster(cluster(sizeCases.bigRoleBindings())).filter((f) => f.check.startsWith('rbac.'))).toEqual([]);
  }, 120_000);

  it('2,000 namespaces beside a tenant’s 100,000 network policies', () => {
    expect(auditCluster(cluster(sizeCases.tenantPolicies())).filter((f) => f.check === 'network.default-deny-ingress')).toHaveLength(2_000);
  }, 120_000);
});

describe('network policies: a selector on a label key named like a property of every object', () => {
  const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
  const pods = ['web', 'db'].map((app): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: app, namespace: 'shop', labels: { app } }, spec: { automountServiceAccountToken: false }, status: { phase: 'Running' } }));
  const policy = (name: string, operator: string): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop' }, spec: { podSelector: { matchExpressions: [{ key: 'constructor', operator }] }, policyTypes: ['Ingress'], ingress: [{}] } });
  const network = (policies: KubeObject[]) => auditCluster(cluster({ namespaces: [ns], pods, networkPolicies: policies })).filter((f) => f.check.startsWith('network.'));

  it('selects no pod through a key no pod has: coverage stays 0 % and the policy selects nothing', () => {
    const findings = network([policy('looks-like-coverage', 'Exists')]);
    expect(findings.find((f) => f.check === 'network.unselected-pods')?.message).toMatch(/^2 of 2 pods are selected by no NetworkPolicy \(coverage 0 %\)/);
    expect(findings.find((f) => f.check === 'network.selects-nothing')?.name).toBe('looks-like-coverage');
  });

  it('selects every pod through DoesNotExist on such a key, as the API server does', () => {
    expect(network([policy('everyone', 'DoesNotExist')]).map((f) => f.check)).toEqual(['network.default-deny-ingress', 'network.default-deny-egress']);
  });
});

describe('size: a namespace’s pods against its policies', () => {
  it('20,000 policies that select none of 2,000 pods', () => {
    const findings = auditCluster(cluster(sizeCases.unmatchedPolicies())).filter((f) => f.check.startsWith('network.'));
    expect(findings.filter((f) => f.check === 'network.selects-nothing')).toHaveLength(20_000);
    expect(findings.find((f) => f.check === 'network.unselected-pods')?.message).toMatch(/^2000 of 2000 pods are selected by no NetworkPolicy \(coverage 0 %\)/);
  }, 300_000);
});

describe('workloads: a pod is a workload’s only through its controller', () => {
  it('reports a privileged pod that names a Deployment’s ReplicaSet as a mere owner (no controller keeps it in line) as itself, not as the Deployment', () => {
    const restrictedPod = { automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] };
    const web: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-5d8f9c7b6-x2x4q', namespace: 'shop', labels: { app: 'web', 'pod-template-hash': '5d8f9c7b6' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-5d8f9c7b6', controller: true }] }, spec: restrictedPod, status: { phase: 'Running' } };
    const intruder: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'intruder', namespace: 'shop', labels: { 'pod-template-hash': '5d8f9c7b6' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-5d8f9c7b6', controller: false }] }, spec: { containers: [{ name: 'app', securityContext: { privileged: true } }] }, status: { phase: 'Running' } };
    const findings = auditCluster(cluster({ pods: [web, intruder] })).filter((f) => f.check === 'workloads.privileged');
    expect(findings.map(({ kind, name }) => ({ kind, name }))).toEqual([{ kind: 'Pod', name: 'intruder' }]);
  });
});
