import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { labApi } from '../test/lab.ts';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

// The Argo CD and Flux objects the lab seeds in its three clusters, under the projects' own CRDs.
let shell: RunningShell;
const kubeconfig = path.join(root, 'lab/.state/kubeconfig');
// a scaffolded app deployed to eks-lab from its workspace, in a namespace of its own each run
const app = `e2e-drift-${Date.now().toString(36)}`;
const workspace = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-ws-')), app);
const fleetdeck = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/fleetdeck.js'), ...args], { encoding: 'utf8' });

test.beforeAll(async () => {
  // the lab's kustomize renders, for the CLI below and the web shell
  process.env.PATH = `${path.join(root, 'lab/bin')}${path.delimiter}${process.env.PATH}`;
  expect(fleetdeck('scaffold', workspace).status).toBe(0);
  const deployed = fleetdeck('gitops', 'drift', '--workspace', workspace, '--overlay', 'overlays/eks', '--context', 'eks-lab', '--self-heal', '--kubeconfig', kubeconfig);
  expect(deployed.stdout).toContain('no drift');
  shell = await startWebShell(['--kubeconfig', kubeconfig]);
});
test.afterAll(async () => {
  await shell.stop();
  await labApi('aks-lab').mergePatch({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: 'flux-system' } }, { spec: { suspend: null } });
  await labApi('eks-lab').request('DELETE', `/api/v1/namespaces/${app}`).catch(() => undefined);
});

test('one table of every Argo CD and Flux object across the clusters, with detail and actions', async ({ page }) => {
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'GitOps' }).click();
  const table = page.getByRole('table', { name: 'GitOps applications' });
  // 9 objects in each of the three clusters through the admin contexts; the viewer contexts may not list them
  await expect(page.getByText('27 Argo CD and Flux objects from 6 contexts')).toBeVisible({ timeout: 30_000 });
  await expect(table.locator('tbody tr')).toHaveCount(27);
  const degraded = table.locator('tr', { hasText: 'monitoring-eks' });
  await expect(degraded).toContainText('Degraded');
  await expect(degraded).toContainText('eks-lab');
  await expect(table.locator('tr', { hasText: 'payments-gke' })).toContainText('OutOfSync');
  await expect(page.getByText(/kinds not listed/)).toBeVisible();
  await page.screenshot({ path: path.join(screenshotDir, 'gitops-table.png') });

  await page.getByRole('radio', { name: 'Flux' }).click();
  await expect(table.locator('tbody tr')).toHaveCount(18);
  await page.getByLabel('Filter applications').fill('build failed');
  await expect(table.locator('tbody tr')).toHaveCount(3);
  const apps = table.locator('tr', { hasText: 'aks-lab' }).filter({ hasText: 'NotReady (BuildFailed)' });
  await expect(apps).toHaveCount(1);
  await apps.getByRole('button', { name: 'apps' }).click();
  const detail = page.getByRole('complementary', { name: 'Kustomization apps' });
  await expect(detail).toContainText('kustomize build failed');
  await expect(detail.getByRole('button', { name: 'Deployment/shop/web' })).toHaveCount(0);
  await detail.getByRole('button', { name: 'Suspend' }).click();
  await expect(detail.getByRole('status')).toContainText('suspend done: the controller has acted');
  await expect(apps).toContainText('suspended');
  await detail.getByRole('button', { name: 'Resume' }).click();
  await expect(detail.getByText('Written; waiting for the controller to act…')).toBeVisible();
  // no Flux controller runs in the lab: said plainly once the wait is over
  await expect(detail.getByRole('status')).toContainText('resume requested; the controller did not act within 15 s', { timeout: 30_000 });
  await expect(apps).not.toContainText('suspended');
  await page.screenshot({ path: path.join(screenshotDir, 'gitops-detail.png') });
});

test("drift: a change made behind Git's back is shown as a diff and self-healed after confirmation", async ({ page }) => {
  await labApi('eks-lab').mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: app } }, { spec: { replicas: 7 } });
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'GitOps' }).click();
  await page.getByRole('tab', { name: 'Drift' }).click();
  await page.getByLabel('Workspace folder').fill(workspace);
  await page.getByLabel('Workspace folder').press('Tab');
  await expect(page.getByLabel('Overlay')).toHaveValue('overlays/aks');
  await page.getByLabel('Overlay').selectOption('overlays/eks');
  // the overlay's cloud picks the cluster
  await expect(page.getByLabel('Cluster')).toHaveValue('eks-lab');
  await page.getByRole('button', { name: 'Check drift' }).click();
  const drift = page.getByRole('list', { name: 'Drift' });
  await expect(drift.getByRole('listitem')).toHaveCount(1);
  await expect(drift).toContainText(`changed Deployment ${app}/${app}`);
  await expect(drift).toContainText('spec.replicas: 7 → 2');
  await page.screenshot({ path: path.join(screenshotDir, 'gitops-drift.png') });

  await page.getByRole('button', { name: 'Self-heal…' }).click();
  await page.getByRole('group', { name: 'Confirm self-heal' }).getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByText(`No drift: eks-lab matches overlays/eks.`)).toBeVisible();
  await expect(page.getByText(/Applied 10 objects from overlays\/eks to eks-lab/)).toBeVisible();
  const live = await labApi('eks-lab').request<{ spec: { replicas: number } }>('GET', `/apis/apps/v1/namespaces/${app}/deployments/${app}`);
  expect(live.spec.replicas).toBe(2);
});

