import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

// Runs against the lab with faults injected (npm test brings the lab up before Playwright).
const lab = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'lab/lab.ts'), ...args], { encoding: 'utf8' });
let shell: RunningShell;

test.beforeAll(async () => {
  expect(lab('fault', 'crashloop', 'aks-lab', 'shop/web').status).toBe(0);
  expect(lab('fault', 'imagepull', 'eks-lab', 'payments/ledger').status).toBe(0);
  expect(lab('fault', 'oom', 'gke-lab', 'shop/api').status).toBe(0);
  shell = await startWebShell(['--kubeconfig', path.join(root, 'lab/.state/kubeconfig')]);
});
test.afterAll(async () => {
  await shell.stop();
  lab('fault', 'clear');
});

test('the fleet overview shows every cluster live and the broken pods of all three clouds', async ({ page }) => {
  await page.goto(shell.url);
  await expect(page.getByRole('heading', { name: 'Fleet' })).toBeVisible();
  for (const context of ['aks-lab', 'gke-lab', 'eks-lab']) {
    await expect(page.locator(`.card[data-context="${context}"]`)).toContainText('live');
    await expect(page.locator(`.card[data-context="${context}"]`)).toContainText('v1.37.2');
  }
  const grid = page.getByRole('grid', { name: 'Pod problems' });
  await expect(grid.locator('.problem-row', { hasText: 'aks-lab' }).filter({ hasText: 'shop/web-' }).first()).toContainText('CrashLoopBackOff', { timeout: 60_000 });
  await expect(grid.locator('.problem-row', { hasText: 'eks-lab' }).filter({ hasText: 'payments/ledger-' }).first()).toContainText('ImagePullBackOff');
  await expect(grid.locator('.problem-row', { hasText: 'gke-lab' }).filter({ hasText: 'shop/api-' }).first()).toContainText('OOMKilled', { timeout: 60_000 });
  await page.screenshot({ path: path.join(screenshotDir, 'fleet-overview.png'), fullPage: true });

  await grid.locator('.problem-row', { hasText: 'OOMKilled' }).first().click();
  const panel = page.getByRole('complementary', { name: 'Root cause' });
  await expect(panel).toContainText('exit code 137');
  await expect(panel).toContainText(/Pod\/api-\S+ → ReplicaSet\/api-\S+ → Deployment\/api/);
  await expect(panel).toContainText('BackOff');
  // the lab's kubelet endpoint serves the simulated container's log through pods/log
  await expect(panel.locator('pre.log')).toContainText('starting api (');
  await expect(panel.getByRole('button', { name: 'Restart Deployment/api (rolling)' })).toBeEnabled();
  await page.screenshot({ path: path.join(screenshotDir, 'root-cause.png'), fullPage: true });

  await page.getByRole('searchbox', { name: 'Search the fleet' }).fill('ImagePull');
  await expect(grid.locator('.problem-row')).toHaveCount(1);
});

test('drill down cluster → namespace → workload → pod, and search the whole fleet', async ({ page }) => {
  await page.goto(shell.url);
  await page.locator('.card[data-context="aks-lab"]').click();
  const browse = page.getByRole('navigation', { name: 'Drill down' });
  await browse.getByRole('button', { name: /Namespace\s*shop/ }).click();
  await expect(browse.getByRole('button', { name: /Deployment\s*web\s*1 broken/ })).toBeVisible({ timeout: 30_000 });
  await expect(browse.getByRole('button', { name: /StatefulSet\s*postgres\s*1\/1 ready/ })).toBeVisible();
  await browse.getByRole('button', { name: /Deployment\s*web/ }).click();
  await expect(browse.locator('.crumbs')).toHaveText('aks-lab › shop › Deployment/web');
  await browse.getByRole('button', { name: /Pod\s*web-\S+\s*1 broken/ }).first().click();
  await expect(page.getByRole('complementary', { name: 'Root cause' })).toContainText('CrashLoopBackOff');
  await page.screenshot({ path: path.join(screenshotDir, 'fleet-drilldown.png'), fullPage: true });

  await page.getByRole('searchbox', { name: 'Search the fleet' }).fill('postgres');
  const results = page.getByRole('list', { name: 'Fleet search results' });
  for (const context of ['aks-lab', 'gke-lab', 'eks-lab']) await expect(results.getByRole('listitem').filter({ hasText: `StatefulSet shop/postgres · ${context}` })).toBeVisible();
});
