import path from 'node:path';
import { expect, test } from '@playwright/test';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

// Runs against the lab (npm test brings it up before Playwright).
let shell: RunningShell;
test.beforeAll(async () => {
  shell = await startWebShell(['--kubeconfig', path.join(root, 'lab/.state/kubeconfig')]);
});
test.afterAll(() => shell.stop());

// first: no context has been checked yet in this shell, so what shows is what the fleet view's watches know
test('shows clusters the fleet view watches as live before anyone checks them', async ({ page }) => {
  await page.goto(shell.url);
  await expect(page.locator('.card[data-context="eks-lab"]')).toContainText('live', { timeout: 30_000 });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Clusters' }).click();
  await expect(page.locator('tr[data-context="eks-lab"]')).toContainText('live · v1.37.2');
  // the fleet view watches each cluster once; the viewer context of the same server says through which context
  await expect(page.locator('tr[data-context="eks-lab-viewer"]')).toContainText('live · v1.37.2 · watched as eks-lab');
  await expect(page.locator('tbody tr')).toHaveCount(6);
  await expect(page.getByText('not checked')).toHaveCount(0);
});

test('connects to every lab cluster and shows its version', async ({ page }) => {
  await page.goto(shell.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Clusters' }).click();
  for (const [name, context] of [['Azure AKS', 'aks-lab'], ['Google GKE', 'gke-lab'], ['AWS EKS', 'eks-lab']]) {
    await expect(page.getByRole('region', { name }).locator('tbody tr')).toHaveText([new RegExp(`^${context}`), new RegExp(`^${context}-viewer`)]);
  }
  await page.getByRole('button', { name: 'Connect all' }).click();
  await expect(page.locator('.status.ok')).toHaveCount(6, { timeout: 30_000 });
  await expect(page.locator('tr[data-context="eks-lab"]')).toContainText('connected · v1.37.2');
  await page.screenshot({ path: path.join(screenshotDir, 'clusters-lab.png'), fullPage: true });
});
