import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube-object.ts';
import { auditCluster } from './audit.ts';
import type { ClusterObjects, Finding } from './model.ts';
import { podSecurityLevel } from './pods.ts';

const object = (kind: string, name: string, namespace: string | undefined, rest: Record<string, unknown> = {}, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) }, ...rest });
const cluster = (objects: Partial<ClusterObjects>): ClusterObjects => ({ context: 'eks-lab', cloud: 'eks', namespaces: [], pods: [], serviceAccounts: [], networkPolicies: [], clusterRoles: [], roles: [], clusterRoleBindings: [], roleBindings: [], storageClasses: [], ingresses: [], services: [], ...objects });
const restricted = { runAsNonRoot: true, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } };
/** A Deployment's pod (owned by its ReplicaSet), its containers as given. */
const pod = (namespace: string, deployment: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = { app: deployment }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `${deployment}-5d8f9c7b6-x2x4q`, namespace, labels: { ...labels, 'pod-template-hash': '5d8f9c7b6' }, ownerReferences: [{ kind: 'ReplicaSet', name: `${deployment}-5d8f9c7b6`, controller: true }] },
  spec: { automountServiceAccountToken: false, containers: [{ name: 'app', securityContext: restricted }], ...spec },
  status: { phase: 'Running' },
});
const checks = (findings: Finding[], check: string) => findings.filter((f) => f.check === check).map(({ namespace, kind, name, severity }) => ({ namespace, kind, name, severity }));
const of = (objects: Partial<ClusterObjects>) => auditCluster(cluster(objects));

describe('network policies', () => {
  const shop = object('Namespace', 'shop', undefined);
  const denyIngress = object('NetworkPolicy', 'default-deny', 'shop', { spec: { podSelector: {}, policyTypes: ['Ingress'] } });
  const allowWeb = object('NetworkPolicy', 'web', 'shop', { spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] } });

  it('finds a namespace without default deny, the pods no policy selects with its coverage, and a policy that selects nothing', () => {
    const typo = object('NetworkPolicy', 'typo', 'shop', { spec: { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['wbe'] }] } } });
    const findings = of({ namespaces: [shop, object('Namespace', 'kube-system', undefined)], pods: [pod('shop', 'web'), pod('shop', 'db'), pod('kube-system', 'coredns')], networkPolicies: [allowWeb, typo] });
    expect(checks(findings, 'network.default-deny-ingress')).toEqual([{ namespace: 'shop', kind: 'Namespace', name: 'shop', severity: 'warning' }]);
    expect(checks(findings, 'network.default-deny-egress')).toHaveLength(1);
    expect(findings.find((f) => f.check === 'network.unselected-pods')?.message).toBe('1 of 2 pods are selected by no NetworkPolicy (coverage 50 %): Deployment/db');
    expect(checks(findings, 'network.selects-nothing')).toEqual([{ namespace: 'shop', kind: 'NetworkPolicy', name: 'typo', severity: 'info' }]);
    // the control plane's namespaces are not audited
    expect(findings.some((f) => f.namespace === 'kube-system')).toBe(false);
  });

  it('is satisfied by a default-deny policy, which selects every pod; egress needs its own', () => {
    const findings = of({ namespaces: [shop], pods: [pod('shop', 'web'), pod('shop', 'db')], networkPolicies: [denyIngress, allowWeb] });
    expect(findings.filter((f) => f.check.startsWith('network.')).map((f) => f.check)).toEqual(['network.default-deny-egress']);
    const both = object('NetworkPolicy', 'deny-all', 'shop', { spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
    expect(of({ namespaces: [shop], pods: [pod('shop', 'web')], networkPolicies: [both] }).filter((f) => f.check.startsWith('network.'))).toEqual([]);
    // a policy that allows some ingress to every pod denies nothing
    const allowAll = object('NetworkPolicy', 'allow-all', 'shop', { spec: { podSelector: {}, ingress: [{}] } });
    expect(checks(of({ namespaces: [shop], pods: [pod('shop', 'web')], networkPolicies: [allowAll] }), 'network.default-deny-ingress')).toHaveLength(1);
  });
});

describe('RBAC', () => {
  const crb = (name: string, role: string, subjects: unknown[], labels?: Record<string, string>) => object('ClusterRoleBinding', name, undefined, { roleRef: { kind: 'ClusterRole', name: role }, subjects }, labels);
  const wildcardRole = object('ClusterRole', 'ops-everything', undefined, { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] });
  const clusterAdmin = object('ClusterRole', 'cluster-admin', undefined, { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] });
  const secretReader = object('Role', 'read-secrets', 'shop', { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] });

  it('names the subjects of cluster-admin and of wildcard roles, leaving out the system’s own', () => {
    const findings = of({
      clusterRoles: [clusterAdmin, wildcardRole],
      clusterRoleBindings: [
        crb('cluster-admin', 'cluster-admin', [{ kind: 'Group', name: 'system:masters' }], { 'kubernetes.io/bootstrapping': 'rbac-defaults' }),
        crb('alice-admin', 'cluster-admin', [{ kind: 'User', name: 'alice' }]),
        crb('ops', 'ops-everything', [{ kind: 'User', name: 'bob' }, { kind: 'ServiceAccount', name: 'ci', namespace: 'shop' }]),
        crb('controller', 'cluster-admin', [{ kind: 'ServiceAccount', name: 'cloud-controller', namespace: 'kube-system' }]),
      ],
      serviceAccounts: [object('ServiceAccount', 'ci', 'shop'), object('ServiceAccount', 'cloud-controller', 'kube-system')],
    });
    expect(checks(findings, 'rbac.cluster-admin')).toEqual([{ namespace: null, kind: 'ClusterRoleBinding', name: 'alice-admin', severity: 'error' }]);
    expect(findings.find((f) => f.check === 'rbac.wildcard')).toMatchObject({ name: 'ops', severity: 'error', message: 'binds ClusterRole ops-everything, whose rules allow * (every verb or every resource, including those added later), in every namespace to ServiceAccount shop/ci, User bob' });
    expect(checks(findings, 'rbac.wildcard')).toHaveLength(1);
    // reading every resource of one add-on's group (as Flux aggregates into view) is not a wildcard grant
    const flux = object('ClusterRole', 'flux-view', undefined, { rules: [{ apiGroups: ['source.toolkit.fluxcd.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] }] });
    expect(checks(of({ clusterRoles: [flux], clusterRoleBindings: [crb('viewers', 'flux-view', [{ kind: 'User', name: 'eve' }])] }), 'rbac.wildcard')).toEqual([]);
  });

  it('flags anonymous access, missing subjects and roles, and who may read Secrets', () => {
    const findings = of({
      clusterRoles: [object('ClusterRole', 'view', undefined, { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }), object('ClusterRole', 'system:public-info-viewer', undefined, { rules: [{ nonResourceURLs: ['/healthz', '/version'], verbs: ['get'] }] })],
      roles: [secretReader],
      clusterRoleBindings: [crb('open-door', 'view', [{ kind: 'Group', name: 'system:unauthenticated' }]), crb('system:public-info-viewer', 'system:public-info-viewer', [{ kind: 'Group', name: 'system:unauthenticated' }], { 'kubernetes.io/bootstrapping': 'rbac-defaults' })],
      roleBindings: [
        object('RoleBinding', 'readers', 'shop', { roleRef: { kind: 'Role', name: 'read-secrets' }, subjects: [{ kind: 'User', name: 'carol' }, { kind: 'ServiceAccount', name: 'gone' }] }),
        object('RoleBinding', 'dangling', 'shop', { roleRef: { kind: 'Role', name: 'nothing-here' }, subjects: [{ kind: 'User', name: 'dave' }] }),
      ],
    });
    expect(checks(findings, 'rbac.anonymous')).toEqual([{ namespace: null, kind: 'ClusterRoleBinding', name: 'open-door', severity: 'error' }]);
    expect(findings.find((f) => f.check === 'rbac.secret-readers')).toMatchObject({ namespace: 'shop', name: 'readers', message: 'ServiceAccount shop/gone, User carol may read Secrets in shop through Role read-secrets' });
    expect(findings.find((f) => f.check === 'rbac.missing-subject')?.message).toBe('names ServiceAccount shop/gone, which does not exist: whoever creates it later gets Role read-secrets');
    expect(checks(findings, 'rbac.missing-role')).toEqual([{ namespace: 'shop', kind: 'RoleBinding', name: 'dangling', severity: 'info' }]);
  });

  it('says which workloads mount a token their service account has no use for (a heuristic)', () => {
    const mounted = (deployment: string, account?: string) => pod('shop', deployment, { automountServiceAccountToken: undefined, ...(account ? { serviceAccountName: account } : {}) });
    const findings = of({
      pods: [mounted('web'), mounted('operator', 'operator'), pod('shop', 'quiet')],
      serviceAccounts: [object('ServiceAccount', 'default', 'shop'), object('ServiceAccount', 'operator', 'shop')],
      roleBindings: [object('RoleBinding', 'operator', 'shop', { roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'ServiceAccount', name: 'operator' }] })],
    });
    expect(checks(findings, 'rbac.automount-token')).toEqual([{ namespace: 'shop', kind: 'Deployment', name: 'web', severity: 'info' }]);
  });
});

describe('workloads', () => {
  it('reports each workload once, whatever its number of pods: privileged, host namespaces, hostPath, root, escalation, capabilities, seccomp', () => {
    const risky = { hostNetwork: true, volumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }], containers: [{ name: 'agent', securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ['SYS_ADMIN'] } } }] };
    const findings = of({ pods: [pod('shop', 'agent', risky), { ...pod('shop', 'agent', risky), metadata: { ...pod('shop', 'agent').metadata, name: 'agent-5d8f9c7b6-abcde' } }, pod('shop', 'fine')] });
    const agent = findings.filter((f) => f.kind === 'Deployment' && f.name === 'agent').map((f) => `${f.severity} ${f.check}`);
    expect(agent.sort()).toEqual(['error workloads.host-namespaces', 'error workloads.privileged', 'warning workloads.added-capabilities', 'warning workloads.host-path', 'warning workloads.no-seccomp', 'warning workloads.runs-as-root'].sort());
    expect(findings.some((f) => f.name === 'fine')).toBe(false);
    expect(findings.find((f) => f.check === 'workloads.runs-as-root')?.message).toBe('agent runs as root (runAsUser 0)');
    const lax = of({ pods: [pod('shop', 'lax', { containers: [{ name: 'app' }] })] }).filter((f) => f.check.startsWith('workloads.')).map((f) => f.check);
    expect(lax.sort()).toEqual(['workloads.no-seccomp', 'workloads.privilege-escalation', 'workloads.runs-as-root']);
  });

  it('takes the pod’s security context where a container sets none', () => {
    const findings = of({ pods: [pod('shop', 'web', { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false } }] })] });
    expect(findings.filter((f) => f.check.startsWith('workloads.'))).toEqual([]);
  });

  it('compares each namespace’s Pod Security Admission level with what its pods need', () => {
    const psa = (name: string, level?: string) => object('Namespace', name, undefined, {}, level ? { 'pod-security.kubernetes.io/enforce': level } : {});
    const privileged = { containers: [{ name: 'agent', securityContext: { ...restricted, privileged: true } }] };
    const findings = of({
      namespaces: [psa('strict', 'restricted'), psa('open'), psa('loose', 'privileged'), psa('good', 'restricted')],
      pods: [pod('strict', 'agent', privileged), pod('open', 'web'), pod('loose', 'web'), pod('good', 'web')],
    });
    const byNamespace = Object.fromEntries(findings.filter((f) => f.check === 'workloads.pod-security-admission').map((f) => [f.name, `${f.severity}: ${f.message}`]));
    expect(byNamespace).toEqual({
      strict: 'error: enforces restricted, but Deployment/agent needs privileged: their pods are refused when they are created again (a rollout, a node drain)',
      open: 'warning: no Pod Security Admission level is enforced: any pod may be created; its pods would pass restricted',
      loose: 'info: enforces privileged, and every pod passes restricted',
    });
    expect(podSecurityLevel({ containers: [{ name: 'a' }] })).toMatchObject({ level: 'baseline' });
    expect(podSecurityLevel({ hostPID: true, containers: [] })).toEqual({ level: 'privileged', because: ['hostPID'] });
  });
});

describe('encryption', () => {
  it('knows what each cloud’s disks do without a key, and says when it cannot see', () => {
    const sc = (name: string, provisioner: string, parameters: Record<string, string> = {}) => object('StorageClass', name, undefined, { provisioner, parameters });
    const findings = of({ storageClasses: [sc('gp2', 'kubernetes.io/aws-ebs', { type: 'gp2' }), sc('gp3', 'ebs.csi.aws.com', { type: 'gp3', encrypted: 'true' }), sc('managed-csi', 'disk.csi.azure.com'), sc('standard-rwo', 'pd.csi.storage.gke.io', { 'disk-encryption-kms-key': 'projects/p/locations/l/keyRings/r/cryptoKeys/k' }), sc('efs-sc', 'efs.csi.aws.com')] });
    expect(checks(findings, 'encryption.storage-class')).toEqual([
      { namespace: null, kind: 'StorageClass', name: 'gp2', severity: 'warning' },
      { namespace: null, kind: 'StorageClass', name: 'efs-sc', severity: 'info' },
      { namespace: null, kind: 'StorageClass', name: 'managed-csi', severity: 'info' },
    ]);
    expect(findings.find((f) => f.check === 'encryption.etcd')).toMatchObject({ kind: 'Cluster', name: 'eks-lab', message: expect.stringMatching(/^encryption at rest of etcd \(Secrets\) is not observable from Kubernetes: check EKS: envelope encryption/) });
  });

  it('finds Ingresses without TLS, plain-text load balancer ports and Secrets in environment variables', () => {
    const ingress = (name: string, spec: Record<string, unknown>) => object('Ingress', name, 'shop', { spec });
    const lb = (name: string, ports: unknown[], annotations?: Record<string, string>) => ({ ...object('Service', name, 'shop', { spec: { type: 'LoadBalancer', ports } }), ...(annotations ? { metadata: { name, namespace: 'shop', annotations } } : {}) });
    const findings = of({
      ingresses: [ingress('open', { rules: [{ host: 'shop.example.com' }] }), ingress('partly', { tls: [{ hosts: ['a.example.com'] }], rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }] }), ingress('safe', { tls: [{ hosts: ['c.example.com'] }], rules: [{ host: 'c.example.com' }] })],
      services: [lb('web', [{ port: 80, name: 'http' }, { port: 443, name: 'https' }]), lb('dns', [{ port: 53, protocol: 'UDP' }]), lb('terminated', [{ port: 443 }, { port: 8080, name: 'api' }], { 'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': 'arn:aws:acm:…', 'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': 'api' }), object('Service', 'internal', 'shop', { spec: { type: 'ClusterIP', ports: [{ port: 80 }] } })],
      pods: [pod('shop', 'web', { containers: [{ name: 'app', securityContext: restricted, env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }], envFrom: [{ secretRef: { name: 'api-keys' } }] }] })],
    });
    expect(findings.filter((f) => f.check === 'encryption.ingress-tls').map((f) => [f.name, f.message])).toEqual([
      ['open', 'serves shop.example.com over plain HTTP: no TLS section'],
      ['partly', 'serves b.example.com over plain HTTP: no TLS entry names these hosts'],
    ]);
    expect(findings.filter((f) => f.check === 'encryption.plaintext-load-balancer').map((f) => [f.name, f.message])).toEqual([['web', 'exposes 80 (http) on a load balancer without TLS: traffic crosses the network in clear']]);
    expect(findings.find((f) => f.check === 'encryption.secret-env')).toMatchObject({ kind: 'Deployment', name: 'web', message: 'passes Secrets as environment variables (DB_PASSWORD ← db, every key of api-keys): they end up in crash dumps, child processes and /proc' });
  });
});

it('orders findings most severe first, and names the context in each', () => {
  const findings = of({ namespaces: [object('Namespace', 'shop', undefined)], pods: [pod('shop', 'web', { hostPID: true })] });
  expect(findings.every((f) => f.context === 'eks-lab')).toBe(true);
  const ranks = findings.map((f) => ['error', 'warning', 'info'].indexOf(f.severity));
  expect(ranks).toEqual([...ranks].sort());
  expect(findings[0]).toMatchObject({ check: 'workloads.host-namespaces', severity: 'error' });
});
