import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { installedElectron } from '../scripts/electron-binary.ts';
import { root, screenshotDir } from './web-shell.ts';

const binary = installedElectron();

test.skip(!binary, 'Electron binary not installed here (no download host reachable); the renderer is tested through the web shell in Chromium instead');

test('the desktop app opens sandboxed and lists the kubeconfig contexts', async () => {
  const app = await electron.launch({
    executablePath: binary,
    args: [path.join(root, 'out/main/index.js'), '--kubeconfig', path.join(root, 'e2e/fixtures/multicloud.kubeconfig.yaml')],
  });
  const window = await app.firstWindow();
  await window.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Clusters' }).click();
  await expect(window.getByRole('heading', { name: 'Clusters' })).toBeVisible();
  await expect(window.locator('tr[data-context="prod-aks-weu"]')).toBeVisible();
  expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
  await window.screenshot({ path: path.join(screenshotDir, 'electron-clusters.png') });
  await app.close();
});
