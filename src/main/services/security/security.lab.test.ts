// The audit against the lab's three clusters: each family finds the mistakes the lab seeds on
// that cluster (lab/seed.ts securityMistakes), a fix makes its finding go, and a viewer context
// gets "forbidden", never an empty, reassuring result.
import { mkdtempSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { labApi, labKubeconfig } from '../../../../test/lab.ts';
import type { Finding } from '../../../shared/security/model.ts';
import { run } from '../../cli/index.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { KubeSecurityService } from './security-service.ts';

const security = new KubeSecurityService({ store: new KubeconfigStore([labKubeconfig]), dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-audit-')) });
const namespace = `audit-${Date.now().toString(36)}`;
let findings: Finding[];

const found = (context: string, check: string, kind: string, ns: string | null, name: string) => findings.find((f) => f.context === context && f.check === check && f.kind === kind && f.namespace === ns && f.name === name);

beforeAll(async () => {
  vi.stubEnv('FLEETDECK_HOME', await mkdtemp(path.join(tmpdir(), 'fleetdeck-home-')));
  const result = await security.audit({});
  expect(result.errors).toEqual([]);
  // each cluster once, through its admin context (the viewer's may not list RBAC objects)
  expect(result.answered).toEqual(['aks-lab', 'eks-lab', 'gke-lab']);
  findings = result.findings;
}, 120_000);

afterAll(async () => {
  await labApi('eks-lab').request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
});

describe('the audit of the lab', () => {
  it('RBAC: the wildcard role bound to a person on aks-lab, a binding to a deleted service account, anonymous access on gke-lab', () => {
    expect(found('aks-lab', 'rbac.wildcard', 'ClusterRoleBinding', null, 'ops-everything-alice')).toMatchObject({ severity: 'error', message: expect.stringContaining('User alice@contoso.example') });
    expect(found('aks-lab', 'rbac.missing-subject', 'RoleBinding', 'legacy-tools', 'legacy-deployer')?.severity).toBe('warning');
    expect(found('gke-lab', 'rbac.anonymous', 'ClusterRoleBinding', null, 'status-page-anonymous')?.severity).toBe('error');
    // the API server's own bindings (system:masters, the public info viewer) are not findings
    expect(findings.filter((f) => f.check.startsWith('rbac.') && f.name.startsWith('system:'))).toEqual([]);
    expect(found('eks-lab', 'rbac.wildcard', 'ClusterRoleBinding', null, 'ops-everything-alice')).toBeUndefined();
  });

  it('workloads: the privileged node debugger on gke-lab, added capabilities on eks-lab, namespaces without Pod Security Admission', () => {
    for (const check of ['workloads.privileged', 'workloads.host-namespaces']) expect(found('gke-lab', check, 'Deployment', 'legacy-tools', 'node-debugger')?.severity).toBe('error');
    expect(found('gke-lab', 'workloads.host-path', 'Deployment', 'legacy-tools', 'node-debugger')?.message).toContain('/var/log');
    expect(found('eks-lab', 'workloads.added-capabilities', 'Deployment', 'legacy-tools', 'packet-capture')?.message).toBe('adds capabilities: packet-capture +NET_ADMIN, packet-capture +NET_RAW');
    expect(found('aks-lab', 'workloads.pod-security-admission', 'Namespace', 'shop', 'shop')?.severity).toBe('warning');
    expect(found('aks-lab', 'workloads.privileged', 'Deployment', 'legacy-tools', 'node-debugger')).toBeUndefined();
  });

  it('encryption: unencrypted EBS classes on eks-lab only, Ingresses without TLS, a plain-text load balancer, etcd not observable', () => {
    expect(found('eks-lab', 'encryption.storage-class', 'StorageClass', null, 'gp2')?.severity).toBe('warning');
    expect(findings.filter((f) => f.check === 'encryption.storage-class' && f.severity !== 'info').map((f) => f.context)).toEqual(['eks-lab', 'eks-lab']);
    for (const context of ['aks-lab', 'eks-lab', 'gke-lab']) {
      expect(found(context, 'encryption.ingress-tls', 'Ingress', 'shop', 'web')?.severity).toBe('warning');
      expect(found(context, 'encryption.etcd', 'Cluster', null, context)?.message).toContain('not observable from Kubernetes');
      expect(found(context, 'encryption.secret-env', 'Deployment', 'shop', 'api')?.message).toContain('DB_PASSWORD ← shop-db');
    }
    expect(found('aks-lab', 'encryption.plaintext-load-balancer', 'Service', 'legacy-tools', 'report-server')?.message).toContain('80 (http)');
  });

  it('network: namespaces without default deny and their coverage, a policy whose selector has a typo; a default-deny policy makes them go', async () => {
    expect(found('eks-lab', 'network.selects-nothing', 'NetworkPolicy', 'legacy-tools', 'packet-capture-ingress')?.severity).toBe('info');
    expect(found('gke-lab', 'network.unselected-pods', 'Namespace', 'shop', 'shop')?.message).toMatch(/^\d+ of \d+ pods are selected by no NetworkPolicy \(coverage 0 %\)/);
    const api = labApi('eks-lab');
    await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace, labels: { app: 'app' } }, spec: { automountServiceAccountToken: false, containers: [{ name: 'app', image: 'nginx:1.27.3' }] } });
    const before = (await security.audit({ contexts: ['eks-lab'] })).findings.filter((f) => f.namespace === namespace).map((f) => f.check);
    expect(before).toEqual(expect.arrayContaining(['network.default-deny-ingress', 'network.default-deny-egress', 'network.unselected-pods']));
    await api.apply({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
    const after = (await security.audit({ contexts: ['eks-lab'] })).findings.filter((f) => f.namespace === namespace).map((f) => f.check);
    expect(after.filter((c) => c.startsWith('network.'))).toEqual([]);
  }, 120_000);
});

describe('fleetdeck audit', () => {
  it('prints every finding as JSON and exits 1 when one is an error', async () => {
    const result = await run(['audit', '--kubeconfig', labKubeconfig, '--context', 'gke-lab', '--output', 'json']);
    expect(result.exitCode).toBe(1);
    const printed = JSON.parse(String(result.output)) as Finding[];
    expect(Object.keys(printed[0])).toEqual(['context', 'check', 'severity', 'namespace', 'kind', 'name', 'message', 'fix']);
    expect(printed.every((f) => f.context === 'gke-lab' && f.fix.length > 0)).toBe(true);
    expect(printed[0].severity).toBe('error');
  }, 120_000);

  it('says "forbidden: list clusterrolebindings" for a viewer context, and fails', async () => {
    const result = await run(['audit', '--kubeconfig', labKubeconfig, '--context', 'aks-lab-viewer', '--output', 'json']);
    expect(result.exitCode).toBe(1);
    const printed = JSON.parse(String(result.output)) as Finding[];
    expect(printed.find((f) => f.kind === 'ClusterRoleBinding' && f.check === 'audit.forbidden')).toMatchObject({ severity: 'error', message: expect.stringMatching(/^forbidden: list clusterrolebindings/) });
    // the RBAC checks did not run on what it could not read: no reassuring silence, no false finding either
    expect(printed.filter((f) => f.check.startsWith('rbac.'))).toEqual([]);
  }, 120_000);
});
