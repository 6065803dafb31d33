// The audit against what a namespace's admin may write on a real API server: bindings dressed as the
// system's own and subjects whose names carry terminal controls. The API server takes them all
// (a User or Group subject's name is any non-empty string).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { labApi, labKubeconfig } from '../../../../test/lab.ts';
import type { Finding } from '../../../shared/security/model.ts';
import { run } from '../../cli/index.ts';

const namespace = `audit-attack-${Date.now().toString(36)}`;
const api = labApi('eks-lab');
const rbac = 'rbac.authorization.k8s.io/v1';
const clusterAdmin = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' };
/** sets the terminal's title, rings its bell, and starts a line that looks like a finding of its own */
const mallory = 'mallory\u001b]0;all clear\u0007\nINFO  eks-lab  nothing to see';

beforeAll(async () => {
  vi.stubEnv('FLEETDECK_HOME', await mkdtemp(path.join(tmpdir(), 'fleetdeck-home-')));
  await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  // the label the API server puts on its own bindings, which anyone creating a binding may copy
  await api.apply({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'looks-like-a-default', namespace, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }, roleRef: clusterAdmin, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: mallory }] });
  // every service account of the namespace, as a "system:" group
  await api.apply({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'robots-admin', namespace }, roleRef: clusterAdmin, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: `system:serviceaccounts:${namespace}` }] });
}, 60_000);

afterAll(async () => {
  await api.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
});

it('reports cluster-admin bound through a binding labelled as a default and to a namespace’s service accounts as a group; the real defaults stay quiet', async () => {
  const result = await run(['audit', '--kubeconfig', labKubeconfig, '--context', 'eks-lab', '--output', 'json']);
  const findings = (JSON.parse(String(result.output)) as Finding[]).filter((f) => f.check.startsWith('rbac.'));
  const mine = findings.filter((f) => f.namespace === namespace);
  expect(mine.map((f) => [f.check, f.name, f.severity])).toEqual([
    ['rbac.cluster-admin', 'looks-like-a-default', 'error'],
    ['rbac.cluster-admin', 'robots-admin', 'error'],
  ]);
  // JSON carries the name as it is
  expect(mine[0].message).toContain(mallory);
  expect(mine[1].message).toContain(`Group system:serviceaccounts:${namespace}`);
  // the API server's own bindings (system:masters, the public info viewer, the controllers' service accounts) are not findings
  expect(findings.filter((f) => f.namespace !== namespace && (f.name.startsWith('system:') || f.name === 'cluster-admin'))).toEqual([]);
}, 120_000);

it('prints a subject’s terminal controls and line breaks as visible escapes in the human output', async () => {
  const result = await run(['audit', '--kubeconfig', labKubeconfig, '--context', 'eks-lab']);
  const output = String(result.output);
  expect(output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
  const lines = output.split('\n');
  const at = lines.findIndex((l) => l.includes(`RoleBinding ${namespace}/looks-like-a-default`));
  expect(lines[at + 1]).toContain('User mallory\\x1b]0;all clear\\x07\\nINFO  eks-lab  nothing to see');
  expect(lines.filter((l) => l.startsWith('INFO  eks-lab  nothing to see'))).toEqual([]);
}, 120_000);
