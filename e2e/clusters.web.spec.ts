import path from 'node:path';
import { expect, test } from '@playwright/test';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

const kubeconfig = path.join(root, 'e2e/fixtures/multicloud.kubeconfig.yaml');
let shell: RunningShell;

test.beforeAll(async () => {
  shell = await startWebShell(['--kubeconfig', kubeconfig]);
});
test.afterAll(() => shell.stop());

test('without the token the web shell answers 401', async ({ request }) => {
  const res = await request.get(`${shell.origin}/`);
  expect(res.status()).toBe(401);
});

test('the Clusters screen lists the kubeconfig contexts grouped by cloud', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(shell.url);
  // the token leaves the address bar and history once its cookie is set: every call below is authenticated by the cookie
  await expect(page).toHaveURL(`${shell.origin}/`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Clusters' }).click();
  await expect(page.getByRole('heading', { name: 'Clusters' })).toBeVisible();
  const group = (name: string) => page.getByRole('region', { name });
  await expect(group('Azure AKS').locator('tbody tr')).toHaveText([/prod-aks-weu/]);
  await expect(group('Google GKE').locator('tbody tr')).toHaveText([/gke_acme-prod_europe-west1_prod-gke/]);
  await expect(group('AWS EKS').locator('tbody tr')).toHaveText([/cluster\/prod-eks/]);
  await expect(group('Other').locator('tbody tr')).toHaveCount(2);
  await expect(group('Other').locator('tr[data-context="dangling"]')).toContainText('references missing cluster "no-such-cluster"');

  await page.getByRole('button', { name: 'Connect on-prem' }).click();
  await expect(page.locator('tr[data-context="on-prem"]')).toContainText('unreachable: cannot reach https://127.0.0.1:1');

  // a table's rows are one tab stop: the arrow keys move between them
  await page.locator('tr[data-context="on-prem"]').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('tr[data-context="dangling"]')).toBeFocused();
  await page.keyboard.press('Home');
  await expect(page.locator('tr[data-context="on-prem"]')).toBeFocused();
  await expect(page.locator('tr[data-context="dangling"]')).toHaveAttribute('tabindex', '-1');

  await page.keyboard.press('/');
  await page.keyboard.type('eks');
  await expect(page.locator('.cloud-group')).toHaveCount(1);
  await page.getByRole('searchbox', { name: 'Filter clusters' }).fill('');
  await page.screenshot({ path: path.join(screenshotDir, 'clusters.png'), fullPage: true });
  expect(errors).toEqual([]);
});
