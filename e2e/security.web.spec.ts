import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Finding } from '../src/shared/security/model.ts';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

// The Security screen over the lab's three clusters and the mistakes the lab seeds in each (lab/seed.ts securityMistakes).
let shell: RunningShell;
// a GitOps workspace whose EKS overlay declares eks-lab's packet-capture Deployment (seeded with added capabilities)
const workspace = realpathSync(mkdtempSync(path.join(tmpdir(), 'fleetdeck-ws-security-')));

test.beforeAll(async () => {
  mkdirSync(path.join(workspace, 'overlays/eks'), { recursive: true });
  writeFileSync(path.join(workspace, 'overlays/eks/kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: legacy-tools\nresources:\n  - packet-capture.yaml\n');
  writeFileSync(
    path.join(workspace, 'overlays/eks/packet-capture.yaml'),
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: packet-capture\nspec:\n  selector:\n    matchLabels: {app: packet-capture}\n  template:\n    metadata:\n      labels: {app: packet-capture}\n    spec:\n      containers:\n        - name: packet-capture\n          image: registry.example/packet-capture:0.9.1\n          securityContext:\n            capabilities:\n              add: [NET_ADMIN, NET_RAW]\n',
  );
  // the lab's kustomize renders the overlay in the web shell
  process.env.PATH = `${path.join(root, 'lab/bin')}${path.delimiter}${process.env.PATH}`;
  shell = await startWebShell(['--kubeconfig', path.join(root, 'lab/.state/kubeconfig'), '--workspace', workspace]);
});
test.afterAll(async () => {
  await shell.stop();
});

test('a fleet matrix of findings per cluster and family, the drill-down to the resources with their fixes, keyboard first', async ({ page }) => {
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'Security' }).click();
  const matrix = page.getByRole('table', { name: 'Findings per cluster and check family' });
  await expect(matrix.getByRole('rowheader')).toHaveText(['aks-lab', 'eks-lab', 'gke-lab'], { timeout: 60_000 });
  await expect(page.getByText(/\d+ errors?, \d+ other findings in 3 clusters/)).toBeVisible();
  await page.screenshot({ path: path.join(screenshotDir, 'security-matrix.png') });

  // gke-lab's workloads: the privileged node debugger, as errors, with the fix
  const workloads = matrix.getByRole('button', { name: /^gke-lab, Workloads: [1-9]\d* error/ });
  await workloads.focus();
  await page.keyboard.press('Enter');
  await expect(workloads).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('heading', { name: /gke-lab · workloads/ })).toBeVisible();
  const findings = page.getByRole('table', { name: 'Findings', exact: true });
  const privileged = findings.getByRole('row').filter({ hasText: 'workloads.privileged' });
  await expect(privileged).toContainText('Deployment legacy-tools/node-debugger');
  await expect(privileged).toContainText('fix: remove securityContext.privileged');
  await expect(findings.getByRole('row').filter({ hasText: 'aks-lab' })).toHaveCount(0);
  await page.screenshot({ path: path.join(screenshotDir, 'security-drilldown.png') });

  // the filter narrows every cluster's findings; eks-lab's unencrypted gp2 class
  await page.getByRole('button', { name: 'show all' }).click();
  await page.getByLabel('Filter findings').fill('gp2');
  await expect(findings.locator('tbody tr')).toHaveCount(1);
  await expect(findings.locator('tbody tr')).toContainText('StorageClass gp2');
  await expect(findings.locator('tbody tr')).toContainText('encrypted: "true"');
  await page.screenshot({ path: path.join(screenshotDir, 'security-filtered.png') });
});

test('a finding whose resource the open workspace declares links to the file and line that should change', async ({ page }) => {
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'Security' }).click();
  await page.getByLabel('Filter findings').fill('packet-capture');
  const findings = page.getByRole('table', { name: 'Findings', exact: true });
  const capabilities = findings.locator('tbody tr').filter({ hasText: 'workloads.added-capabilities' });
  await expect(capabilities).toContainText('eks-lab', { timeout: 60_000 });
  const link = capabilities.getByRole('button', { name: 'overlays/eks/packet-capture.yaml:4' });
  await expect(link).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: path.join(screenshotDir, 'security-source-link.png') });
  await link.click();
  await expect(page.getByRole('heading', { name: 'Workspace' })).toBeVisible();
  await expect(page.getByText('add: [NET_ADMIN, NET_RAW]')).toBeVisible();
  await page.screenshot({ path: path.join(screenshotDir, 'security-source-opened.png') });
});

test('what changed since an earlier day: the findings that appeared and those that went', async ({ page }) => {
  // eks-lab's findings now, as the CLI reports them; the earlier day had all but packet-capture's, and one since fixed
  const cli = spawnSync(process.execPath, [path.join(root, 'bin/fleetdeck.js'), 'audit', '--kubeconfig', path.join(root, 'lab/.state/kubeconfig'), '--context', 'eks-lab', '--output', 'json'], { encoding: 'utf8', env: { ...process.env, FLEETDECK_HOME: mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-')) } });
  const now = JSON.parse(cli.stdout) as Finding[];
  const appeared = now.filter((f) => f.name === 'packet-capture');
  expect(appeared.length).toBeGreaterThan(1);
  const fixed: Finding = { context: 'eks-lab', check: 'rbac.wildcard', severity: 'error', namespace: null, kind: 'ClusterRoleBinding', name: 'contractor-admin', message: 'binds User contractor@example.com to cluster-admin', fix: 'bind a role with the verbs and resources the subject needs' };
  const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
  mkdirSync(path.join(shell.home, 'security/audits'), { recursive: true });
  writeFileSync(path.join(shell.home, `security/audits/${day}.json`), JSON.stringify({ 'eks-lab': [...now.filter((f) => f.name !== 'packet-capture'), fixed] }));

  await page.goto(shell.url);
  await page.getByRole('button', { name: 'Security' }).click();
  const summary = page.getByText(`Since ${day}:`);
  await expect(summary).toHaveText(`Since ${day}: ${appeared.length} new findings, 1 finding resolved`, { timeout: 60_000 });
  await summary.focus();
  await page.keyboard.press('Enter');
  const appearedTable = page.getByRole('table', { name: `Findings new since ${day}` });
  await expect(appearedTable.locator('tbody tr')).toHaveCount(appeared.length);
  for (const f of appeared) await expect(appearedTable.locator('tbody tr').filter({ hasText: f.check })).toContainText('legacy-tools/packet-capture');
  const resolvedTable = page.getByRole('table', { name: `Findings resolved since ${day}` });
  await expect(resolvedTable.locator('tbody tr')).toHaveCount(1);
  await expect(resolvedTable.locator('tbody tr')).toContainText('ClusterRoleBinding contractor-admin');
  await expect(page.getByRole('heading', { name: `Resolved since ${day}` })).toBeVisible();
  await page.screenshot({ path: path.join(screenshotDir, 'security-changes.png') });
});
