import { expect, it } from 'vitest';
import { locateInput, type WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import type { Finding } from '../../../shared/security/model.ts';
import { locateRequests } from './locate-requests.ts';

const workspace: WorkspaceInfo = {
  root: '/workspaces/shop',
  name: 'shop',
  sample: false,
  git: true,
  kustomizations: ['base', 'overlays/eks'],
  files: [{ path: 'base/deployment.yaml', context: { role: 'resource' } as WorkspaceInfo['files'][number]['context'], objects: [{ kind: 'Deployment', name: 'shop' }] }],
};
const finding = (kind: string, name: string): Finding => ({ context: 'eks-lab', check: 'workloads.runs-as-root', severity: 'warning', namespace: 'batch', kind, name, message: 'm', fix: 'f' });

it('asks only about what the workspace declares, so a tenant’s 12,000 bare pods do not push the question past what locate accepts', () => {
  const findings = [finding('Deployment', 'shop'), ...Array.from({ length: 12_000 }, (_, i) => finding('Pod', `job-${i}`)), { ...finding('Cluster', 'eks-lab'), namespace: null }];
  const requests = locateRequests(workspace, findings, () => 'eks');
  expect(requests.map((r) => r.objects)).toEqual([[{ kind: 'Deployment', namespace: 'batch', name: 'shop' }]]);
  for (const r of requests) expect(locateInput.safeParse({ root: workspace.root, dir: r.dir, objects: r.objects }).success).toBe(true);
  // a cloud without an overlay in the workspace asks nothing
  expect(locateRequests(workspace, findings, () => 'aks')).toEqual([]);
});
