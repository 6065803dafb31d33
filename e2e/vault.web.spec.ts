/// <reference lib="dom" />
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

let shell: RunningShell;
test.beforeAll(async () => {
  shell = await startWebShell(['--kubeconfig', path.join(root, 'e2e/fixtures/multicloud.kubeconfig.yaml')]);
});
test.afterAll(() => shell.stop());

const kubeconfig = (name: string, server: string) =>
  `apiVersion: v1\nkind: Config\nclusters:\n- name: ${name}\n  cluster:\n    server: ${server}\nusers:\n- name: ${name}-user\n  user:\n    token: imported-secret-token\ncontexts:\n- name: ${name}\n  context:\n    cluster: ${name}\n    user: ${name}-user\n`;

test('import by paste and by dropping a file, rename, and remove, with errors that say where', async ({ page }) => {
  await page.goto(shell.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Clusters' }).click();

  await page.getByRole('button', { name: 'Add kubeconfig…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add kubeconfig' });
  await dialog.getByLabel('Kubeconfig YAML').fill('clusters:\n  - name: a\n   broken: [');
  await dialog.getByRole('button', { name: 'Import pasted YAML' }).click();
  await expect(dialog.getByRole('alert')).toContainText(/pasted: invalid YAML at line \d/);
  await dialog.getByLabel('Kubeconfig YAML').fill(kubeconfig('staging-eks', 'https://AB12.gr7.eu-west-1.eks.amazonaws.com'));
  await dialog.getByRole('button', { name: 'Import pasted YAML' }).click();
  await expect(dialog.getByRole('status')).toHaveText('added staging-eks');
  await page.screenshot({ path: path.join(screenshotDir, 'vault-import-dialog.png') });
  await page.keyboard.press('Escape');
  await expect(page.getByRole('region', { name: 'AWS EKS' }).locator('tr[data-context="staging-eks"]')).toContainText('vault');

  // drop a file onto the screen
  const drop = await page.evaluateHandle((text) => {
    const data = new DataTransfer();
    data.items.add(new File([text], 'dev-gke.yaml', { type: 'application/yaml' }));
    return data;
  }, kubeconfig('dev-gke', 'https://dev.europe-west1.gke.goog'));
  await page.locator('section.screen').dispatchEvent('dragover', { dataTransfer: drop });
  await page.locator('section.screen').dispatchEvent('drop', { dataTransfer: drop });
  await expect(page.getByRole('status').filter({ hasText: 'dev-gke.yaml: added dev-gke' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Google GKE' }).locator('tr[data-context="dev-gke"]')).toBeVisible();

  await page.getByRole('button', { name: 'Rename staging-eks' }).click();
  await page.getByLabel('Display name for staging-eks').fill('Staging (eu-west-1)');
  await page.keyboard.press('Enter');
  await expect(page.locator('tr[data-context="staging-eks"]')).toContainText('Staging (eu-west-1)');
  await page.screenshot({ path: path.join(screenshotDir, 'vault-clusters.png'), fullPage: true });
  expect(await page.content()).not.toContain('imported-secret-token');

  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Remove dev-gke' }).click();
  await expect(page.locator('tr[data-context="dev-gke"]')).toHaveCount(0);
});
