import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { clusterByContext, urls } from '../lab/config.ts';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

// Against the lab's real Prometheus and Alertmanager servers, with a fault injected.
const lab = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'lab/lab.ts'), ...args], { encoding: 'utf8' });
let shell: RunningShell;

test.beforeAll(async () => {
  expect(lab('fault', 'crashloop', 'gke-lab', 'payments/ledger').status).toBe(0);
  shell = await startWebShell(['--kubeconfig', path.join(root, 'lab/.state/kubeconfig')]);
});
test.afterAll(async () => {
  await shell.stop();
  lab('fault', 'clear', 'gke-lab');
});

test('dashboards chart the golden signals of every cluster, and the explorer federates PromQL', async ({ page }) => {
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'Metrics' }).click();
  const cpu = page.getByRole('article', { name: 'CPU usage vs requests' });
  // a Prometheus that just started may still be replaying its write-ahead log
  for (const context of ['aks-lab', 'gke-lab', 'eks-lab']) {
    await expect(cpu.locator('.recharts-legend-item', { hasText: `${context} usage` })).toBeVisible({ timeout: 90_000 });
    await expect(cpu.locator('.recharts-legend-item', { hasText: `${context} requests` })).toBeVisible({ timeout: 30_000 });
  }
  await expect(page.getByRole('article', { name: 'Nodes ready' }).locator('.recharts-line')).toHaveCount(6);
  // a legend click hides that cluster's line
  await cpu.locator('.recharts-legend-item', { hasText: 'eks-lab usage' }).click();
  await expect(cpu.locator('.recharts-line-curve')).toHaveCount(5);
  await page.getByRole('radio', { name: '6h' }).click();
  await expect(page.getByRole('radio', { name: '6h' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.locator('.panel h2', { hasText: 'loading' })).toHaveCount(0, { timeout: 30_000 });
  await expect(cpu.locator('.recharts-line-curve')).toHaveCount(5);
  await page.screenshot({ path: path.join(screenshotDir, 'metrics-dashboards.png'), fullPage: true });

  const explorer = page.getByRole('article', { name: 'PromQL explorer' });
  await explorer.getByRole('textbox', { name: 'PromQL' }).fill('up{job="apiserver"}');
  await explorer.getByRole('textbox', { name: 'PromQL' }).press('Control+Enter');
  const latest = explorer.getByRole('table', { name: 'Latest values' });
  await expect(latest.locator('tbody tr')).toHaveCount(3);
  for (const context of ['aks-lab', 'gke-lab', 'eks-lab']) await expect(latest).toContainText(`cluster="${context}"`);
  await explorer.getByRole('textbox', { name: 'PromQL' }).fill('rate(up[5m]');
  await explorer.getByRole('button', { name: /Run on 3 clusters/ }).click();
  await expect(explorer.getByRole('list', { name: 'Clusters that failed' })).toContainText('parse error: unclosed left parenthesis');
  await expect(explorer.getByRole('combobox', { name: 'History' })).toContainText('History (2)');
});

test('one merged alert view: a crashloop in gke-lab is shown once with its cluster, silenced from Fleetdeck in that Alertmanager only', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'Alerts' }).click();
  const list = page.getByRole('grid', { name: 'Alerts' });
  // ledger crash alerts of other clusters may still be resolving from earlier tests: this one is gke-lab's
  const ledger = list.locator('.alert-row', { hasText: 'KubePodCrashLooping' }).filter({ hasText: 'payments/ledger-' });
  const crash = ledger.filter({ has: page.locator('.cluster-tag', { hasText: 'gke-lab' }) });
  // the rule's `for`, scrape and evaluation intervals, then Alertmanager's group wait: up to a few minutes
  await expect(async () => {
    await page.reload();
    await page.getByRole('button', { name: 'Alerts' }).click();
    await expect(crash.first()).toBeVisible({ timeout: 10_000 });
  }).toPass({ timeout: 240_000, intervals: [5_000] });
  // one row per crashing pod (a replaced pod's alert may still be resolving), each from one cluster
  const rows = await crash.locator('.alert-main strong + span').allInnerTexts();
  expect(new Set(rows).size).toBe(rows.length);
  for (const tags of await ledger.evaluateAll((els) => els.map((el) => el.querySelectorAll('.cluster-tag').length))) expect(tags).toBe(1);
  const pod = rows[0].split('/')[1];

  await page.getByRole('combobox', { name: 'Group by' }).selectOption('cluster');
  await expect(list.locator('.alert-group', { hasText: 'gke-lab' })).toBeVisible();
  await list.press('ArrowDown');
  await expect(list.locator('.alert-row[aria-selected="true"]').first()).toBeVisible();
  await page.getByRole('searchbox', { name: 'Filter alerts by label matchers' }).fill(`cluster="gke-lab" alertname="KubePodCrashLooping" pod="${pod}"`);
  await expect(list.locator('.alert-row')).toHaveCount(1);
  await crash.click();
  const detail = page.getByRole('complementary', { name: 'Alert detail' });
  await expect(detail).toContainText('Runbook');
  await expect(detail.getByRole('button', { name: 'Show pod in gke-lab' })).toBeVisible();
  await page.screenshot({ path: path.join(screenshotDir, 'alerts-merged.png'), fullPage: true });

  // the keyboard reaches the same dialog: S on the selected alert
  await list.press('s');
  const dialog = page.getByRole('dialog', { name: /Silence KubePodCrashLooping/ });
  await expect(dialog.getByRole('checkbox', { name: /alertname="KubePodCrashLooping"/ })).toBeChecked();
  await expect(dialog.getByRole('checkbox', { name: /severity=/ })).not.toBeChecked();
  await expect(dialog.getByRole('checkbox', { name: /gke-lab/ })).toBeChecked();
  await expect(dialog.getByRole('checkbox', { name: /aks-lab/ })).not.toBeChecked();
  await dialog.getByRole('textbox', { name: 'Comment' }).fill('e2e: ledger crash is known');
  await dialog.getByRole('textbox', { name: 'Created by' }).fill('e2e');
  await page.screenshot({ path: path.join(screenshotDir, 'alerts-silence-dialog.png') });
  await dialog.getByRole('button', { name: 'Silence on 1 cluster' }).click();
  await expect(dialog).toBeHidden();
  await expect(crash.locator('.state')).toHaveText('silenced', { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'silenced' })).toHaveAttribute('aria-pressed', 'true');

  // that Alertmanager has it, the others do not
  const silences = async (context: string) => (await (await fetch(`${urls(clusterByContext(context)).alertmanager}/api/v2/silences`)).json()) as { comment: string; status: { state: string } }[];
  expect((await silences('gke-lab')).filter((s) => s.comment === 'e2e: ledger crash is known' && s.status.state === 'active')).toHaveLength(1);
  for (const other of ['aks-lab', 'eks-lab']) expect((await silences(other)).filter((s) => s.comment === 'e2e: ledger crash is known')).toHaveLength(0);

  await page.getByRole('tab', { name: 'Silences' }).click();
  const table = page.getByRole('table', { name: 'Silences' });
  const row = table.locator('tr', { hasText: 'e2e: ledger crash is known' });
  await expect(row).toContainText('gke-lab');
  await row.getByRole('button', { name: 'Expire' }).click();
  await expect(row).toHaveCount(0);

  await page.getByRole('tab', { name: 'Routing' }).click();
  await expect(page.getByRole('article', { name: 'Routing of gke-lab' })).toContainText('team="platform" → platform');
  await page.screenshot({ path: path.join(screenshotDir, 'alerts-routing.png'), fullPage: true });

  // from the alert to the pod's root cause in the fleet view; the list kept its filter
  await page.getByRole('tab', { name: 'Alerts' }).click();
  await expect(list.locator('.alert-row')).toHaveCount(1);
  await crash.click();
  await page.getByRole('complementary', { name: 'Alert detail' }).getByRole('button', { name: 'Show pod in gke-lab' }).click();
  await expect(page.getByRole('heading', { name: 'Fleet' })).toBeVisible();
  await expect(page.getByRole('complementary', { name: 'Root cause' })).toContainText(pod);
});
