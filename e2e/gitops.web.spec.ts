import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { labApi, labKubeconfigWith } from '../test/lab.ts';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

// The Argo CD and Flux objects the lab seeds in its three clusters, under the projects' own CRDs.
let shell: RunningShell;
const kubeconfig = path.join(root, 'lab/.state/kubeconfig');
// the screen is shown the lab without aks-lab's admin context: aks-lab is read through its viewer (read only, Flux only),
// the other clusters through their admin, each object once however many contexts reach its cluster
const screenKubeconfig = labKubeconfigWith((config) => (config.contexts = config.contexts.filter((c) => c.name !== 'aks-lab')));
// a scaffolded app deployed to eks-lab from its workspace, in a namespace of its own each run
const app = `e2e-drift-${Date.now().toString(36)}`;
const workspace = path.join(realpathSync(mkdtempSync(path.join(tmpdir(), 'fleetdeck-ws-'))), app);
// a second folder opened with --workspace, whose overlay names a resource served over HTTP by this test
const remoteWorkspace = realpathSync(mkdtempSync(path.join(tmpdir(), 'fleetdeck-ws-remote-')));
let fetched = 0;
const remoteServer = http.createServer((_req, res) => {
  fetched++;
  res.end(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: remote-settings\n  namespace: ${app}\ndata:\n  from: remote\n`);
});
let remoteUrl: string;
const fleetdeck = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/fleetdeck.js'), ...args], { encoding: 'utf8' });

test.beforeAll(async () => {
  // the lab's kustomize renders, for the CLI below and the web shell
  process.env.PATH = `${path.join(root, 'lab/bin')}${path.delimiter}${process.env.PATH}`;
  expect(fleetdeck('scaffold', workspace).status).toBe(0);
  const deployed = fleetdeck('gitops', 'drift', '--workspace', workspace, '--overlay', 'overlays/eks', '--context', 'eks-lab', '--self-heal', '--kubeconfig', kubeconfig);
  expect(deployed.stdout).toContain('no drift');
  await new Promise<void>((resolve) => remoteServer.listen(0, '127.0.0.1', resolve));
  remoteUrl = `http://127.0.0.1:${(remoteServer.address() as AddressInfo).port}/settings.yaml`;
  mkdirSync(path.join(remoteWorkspace, 'overlays/eks-remote'), { recursive: true });
  writeFileSync(path.join(remoteWorkspace, 'overlays/eks-remote/kustomization.yaml'), `resources:\n  - ${remoteUrl}\n`);
  // the renderer may use only the folders main was given
  shell = await startWebShell(['--kubeconfig', screenKubeconfig, '--workspace', remoteWorkspace, '--workspace', workspace]);
});
test.afterAll(async () => {
  await shell.stop();
  remoteServer.close();
  await labApi('gke-lab').mergePatch({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: 'flux-system' } }, { spec: { suspend: null } });
  await labApi('eks-lab').request('DELETE', `/api/v1/namespaces/${app}`).catch(() => undefined);
});

test('one table of every Argo CD and Flux object across the clusters, with detail and actions', async ({ page }) => {
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'GitOps' }).click();
  const table = page.getByRole('table', { name: 'GitOps applications' });
  // 11 objects in gke-lab and eks-lab through their admin contexts (once, not again through their viewers); aks-lab's viewer may list Flux's 6 (flux-view), not Argo CD's
  await expect(page.getByText('28 Argo CD and Flux objects from 3 clusters')).toBeVisible({ timeout: 30_000 });
  await expect(table.locator('tbody tr')).toHaveCount(28);
  const degraded = table.locator('tr', { hasText: 'monitoring-eks' });
  await expect(degraded).toHaveCount(1);
  await expect(degraded).toContainText('Degraded');
  await expect(degraded).toContainText('eks-lab');
  await expect(degraded).toContainText('also eks-lab-viewer');
  await expect(table.locator('tr', { hasText: 'payments-gke' })).toContainText('OutOfSync');
  await expect(page.getByText(/kinds not listed/)).toBeVisible();
  // the table fits its frame at 1440 px: the last column is inside the screen, not cut off
  const frame = (await page.locator('section.gitops').boundingBox())!;
  for (const edge of [await table.boundingBox(), await table.getByRole('columnheader', { name: 'Applied' }).boundingBox()]) expect(edge!.x + edge!.width).toBeLessThanOrEqual(frame.x + frame.width);
  // a long message: two lines in the row, whole on its title, and whole in place by keyboard
  const message = degraded.locator('.gitops-message > span');
  await expect(message).toHaveAttribute('title', /exceeded its progress deadline; one or more objects failed to apply: admission webhook/);
  await expect(message).toHaveClass('clamped');
  const more = degraded.getByRole('button', { name: 'Show all of the message of monitoring-eks in eks-lab' });
  await more.focus();
  await page.keyboard.press('Enter');
  await expect(degraded.getByRole('button', { name: 'Shorten the message of monitoring-eks in eks-lab' })).toHaveAttribute('aria-expanded', 'true');
  await expect(message).not.toHaveClass('clamped');
  await expect(page.getByRole('complementary')).toHaveCount(0);
  await page.screenshot({ path: path.join(screenshotDir, 'gitops-table.png') });
  // sort by a column, reverse it, then back to "needs a look first"
  const nameHeader = table.getByRole('columnheader', { name: /Application/ });
  await nameHeader.getByRole('button').click();
  await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');
  await expect(table.locator('tbody tr').first()).toContainText('apps');
  await nameHeader.getByRole('button').click();
  await expect(table.locator('tbody tr').first()).toContainText('shop-gke');
  await nameHeader.getByRole('button').click();
  await expect(nameHeader).toHaveAttribute('aria-sort', 'none');
  await expect(table.locator('tbody tr').first()).toContainText(/Degraded|Failed/);

  // needs attention: failing, out of sync or not settled; eks-lab's suspended observability is suspended, not failing
  await expect(table.locator('tr', { hasText: 'suspended' })).toHaveCount(1);
  await page.getByLabel('needs attention').check();
  const observability = table.locator('tr', { hasText: 'observability' });
  await expect(observability.filter({ hasText: 'gke-lab' })).toHaveCount(1);
  await expect(observability.filter({ hasText: 'eks-lab' })).toHaveCount(0);
  await expect(table.locator('tr', { hasText: 'suspended' })).toHaveCount(0);
  await expect(degraded).toHaveCount(1);
  await expect(table.locator('tr', { hasText: 'shop-gke' })).toHaveCount(0);
  await page.getByLabel('needs attention').uncheck();

  // an ApplicationSet: synced through the Applications it owns, which its detail links to
  await table.locator('tr', { hasText: 'eks-lab' }).filter({ hasText: 'ApplicationSet' }).getByRole('button', { name: 'platform' }).click();
  const appset = page.getByRole('complementary', { name: 'ApplicationSet platform' });
  await expect(appset.getByRole('button', { name: 'Sync its 1 Application' })).toBeEnabled();
  await expect(appset.getByRole('button', { name: 'Hard refresh' })).toHaveCount(0);
  await appset.getByRole('button', { name: 'Application/argocd/platform-eks' }).click();
  await expect(page.getByRole('complementary', { name: 'Application platform-eks' })).toContainText('platform/eks');

  await page.getByRole('radio', { name: 'Flux' }).click();
  await expect(table.locator('tbody tr')).toHaveCount(18);
  await page.getByLabel('Filter applications').fill('build failed');
  await expect(table.locator('tbody tr')).toHaveCount(3);
  // read through a viewer, a row says it is read only; the actions are there, disabled, with the reason
  const viewerRow = table.locator('tr', { hasText: 'aks-lab-viewer' });
  await expect(viewerRow.getByText('read only')).toHaveAttribute('title', 'forbidden: patch kustomizations in flux-system');
  await viewerRow.getByRole('button', { name: 'apps', exact: true }).click();
  const readOnly = page.getByRole('complementary', { name: 'Kustomization apps' });
  await expect(readOnly).toContainText('Read only: forbidden: patch kustomizations in flux-system');
  await expect(readOnly.getByRole('button', { name: 'Suspend' })).toBeDisabled();
  await page.screenshot({ path: path.join(screenshotDir, 'gitops-read-only.png') });

  const apps = table.locator('tr', { hasText: 'gke-lab' }).filter({ hasText: 'NotReady (BuildFailed)' });
  await expect(apps).toHaveCount(1);
  await apps.getByRole('button', { name: 'apps', exact: true }).click();
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

test('live: a change a controller makes shows in the open table without a reload', async ({ page }) => {
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'GitOps' }).click();
  const row = page.getByRole('table', { name: 'GitOps applications' }).locator('tr', { hasText: 'gke-lab' }).filter({ hasText: 'observability' });
  await expect(row).toContainText('Unknown', { timeout: 30_000 });
  const observability = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'observability', namespace: 'flux-system' } };
  const { status: seeded } = await labApi('gke-lab').request<{ status: { conditions: unknown[] } }>('GET', '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/observability');
  try {
    await labApi('gke-lab').applyStatus({ ...observability, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision: main@sha1:e2e', lastTransitionTime: new Date().toISOString() }] } }, 'e2e-controller');
    // the screen does not poll: only the watch can bring this
    await expect(row).toContainText('Ready (ReconciliationSucceeded)');
  } finally {
    await labApi('gke-lab').applyStatus({ ...observability, status: { conditions: seeded.conditions } }, 'e2e-controller');
  }
});

test("drift: a change made behind Git's back is shown as a diff and self-healed after confirmation", async ({ page }) => {
  await labApi('eks-lab').mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: app } }, { spec: { replicas: 7 } });
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'GitOps' }).click();
  await page.getByRole('tab', { name: 'Drift' }).click();
  // a choice among the folders the web shell was started with, and how to add one
  await expect(page.getByLabel('Workspace folder').locator('option')).toHaveText([remoteWorkspace, workspace]);
  await expect(page.getByText(/To open another, start the web shell with --workspace DIR/)).toBeVisible();
  await page.getByLabel('Workspace folder').selectOption(workspace);
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

  // a cluster chosen for an overlay is remembered across a restart of the page
  await page.getByLabel('Cluster').selectOption('eks-lab-viewer');
  await page.reload();
  await page.getByRole('button', { name: 'GitOps' }).click();
  await page.getByRole('tab', { name: 'Drift' }).click();
  await page.getByLabel('Workspace folder').selectOption(workspace);
  await page.getByLabel('Overlay').selectOption('overlays/eks');
  await expect(page.getByLabel('Cluster')).toHaveValue('eks-lab-viewer');
  await page.getByLabel('Overlay').selectOption('overlays/gke');
  await expect(page.getByLabel('Cluster')).toHaveValue('gke-lab');
});

test('drift of an overlay with a remote resource: refused while rendering is offline, fetched once allowed', async ({ page }) => {
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'GitOps' }).click();
  await page.getByRole('tab', { name: 'Drift' }).click();
  await page.getByLabel('Workspace folder').selectOption(remoteWorkspace);
  await expect(page.getByLabel('Overlay')).toHaveValue('overlays/eks-remote');
  await expect(page.getByLabel('Cluster')).toHaveValue('eks-lab');
  await page.getByRole('button', { name: 'Check drift' }).click();
  const refusal = page.getByRole('alert');
  await expect(refusal.locator('.banner-code')).toHaveText('forbidden');
  await expect(refusal).toContainText(`overlays/eks-remote/kustomization.yaml: resources[0] "${remoteUrl}" is remote, and rendering is offline: allow remote resources to fetch it (--allow-remote in the CLI)`);
  expect(fetched).toBe(0);
  await page.screenshot({ path: path.join(screenshotDir, 'gitops-drift-remote-refused.png') });

  await page.getByLabel('fetch remote resources').check();
  await expect(refusal).toHaveCount(0);
  await page.getByRole('button', { name: 'Check drift' }).click();
  const drift = page.getByRole('list', { name: 'Drift' });
  await expect(drift.getByRole('listitem')).toHaveCount(1);
  await expect(drift).toContainText(`missing ConfigMap ${app}/remote-settings`);
  expect(fetched).toBe(1);
  await page.screenshot({ path: path.join(screenshotDir, 'gitops-drift-remote.png') });
});
