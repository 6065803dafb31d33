import path from 'node:path';
import { expect, test } from '@playwright/test';
import { labApi } from '../test/lab.ts';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

// The Argo CD and Flux objects the lab seeds in its three clusters, under the projects' own CRDs.
let shell: RunningShell;
test.beforeAll(async () => {
  shell = await startWebShell(['--kubeconfig', path.join(root, 'lab/.state/kubeconfig')]);
});
test.afterAll(async () => {
  await shell.stop();
  await labApi('aks-lab').mergePatch({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: 'flux-system' } }, { spec: { suspend: null } });
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
