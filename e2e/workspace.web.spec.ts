import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createApiClient } from '../src/shared/contract/index.ts';
import { webTransport } from '../src/renderer/web-transport.ts';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

// The offline workspace with no cluster configured: an empty kubeconfig, no network needed. The
// lab's kustomize (built from its module) renders; git is the system's.
let shell: RunningShell;
/** where the web shell scaffolds a new repository: a folder of its own data folder */
let dir: string;
const kubeconfig = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-kc-')), 'empty.yaml');
const identity = { GIT_AUTHOR_NAME: 'E2E', GIT_AUTHOR_EMAIL: 'e2e@example.com', GIT_COMMITTER_NAME: 'E2E', GIT_COMMITTER_EMAIL: 'e2e@example.com' };

test.beforeAll(async () => {
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  Object.assign(process.env, identity, { PATH: `${path.join(root, 'lab/bin')}${path.delimiter}${process.env.PATH}` });
  shell = await startWebShell(['--kubeconfig', kubeconfig]);
  dir = path.join(shell.home, 'workspaces', 'payments');
});
test.afterAll(() => shell.stop());

const git = (...args: string[]) => spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).stdout.trim();

test('with no cluster the sample workspace opens; scaffold, edit with schema diagnostics, render, compare overlays and commit', async ({ page }) => {
  await page.goto(shell.url);
  await expect(page.getByRole('heading', { name: 'Workspace' })).toBeVisible();
  await expect(page.getByText('sample workspace ·')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Workspace files' }).getByRole('button', { name: /kustomization\.yaml/ }).first()).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Problems (0)' })).toBeVisible();

  // a new repository through the dialog: the web shell has no folder dialog, so it goes to a new folder of its own
  await page.getByRole('button', { name: 'New repository…' }).click();
  await page.getByLabel('Application name').fill('payments');
  await expect(page.getByRole('radio', { name: `a new folder ${dir}` })).toBeChecked();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByLabel('Open a workspace folder')).toHaveValue(dir);

  // Git: initialize, stage everything, first commit
  await page.getByRole('tab', { name: 'Git' }).click();
  await page.getByRole('button', { name: 'Initialize Git here' }).click();
  const changed = page.getByLabel('Changed files');
  await expect(changed.getByRole('checkbox')).toHaveCount(26);
  await page.getByRole('button', { name: 'Stage all', exact: true }).click();
  await expect(changed.getByRole('checkbox', { checked: true })).toHaveCount(26);
  await page.getByLabel('Commit message').fill('Scaffold payments');
  await page.getByRole('button', { name: 'Commit 26 files' }).click();
  await expect(page.getByText('Nothing to commit: the work tree is clean.')).toBeVisible();

  // edit: a misspelt field is flagged as typed, with its line, then fixed
  const tree = page.getByRole('navigation', { name: 'Workspace files' });
  await tree.getByRole('button', { name: /^deployment\.yaml/ }).click();
  const editor = page.getByRole('textbox', { name: 'Editor: base/deployment.yaml' });
  await expect(editor).toContainText('replicas: 2');
  await page.locator('.cm-line', { hasText: 'replicas: 2' }).getByText('replicas', { exact: true }).dblclick();
  await page.keyboard.type('replicaz');
  await page.getByRole('tab', { name: /Problems/ }).click();
  const problems = page.getByRole('list', { name: 'Problems' });
  await expect(problems.getByRole('button', { name: /base\/deployment\.yaml:8 .*schema-unknown-field.*unknown field "replicaz"/ })).toBeVisible();
  await expect(page.locator('.cm-lintRange-error')).toHaveCount(1);
  await expect(page.getByRole('status').filter({ hasText: /^Saved$/ })).toBeVisible();
  await page.screenshot({ path: path.join(screenshotDir, 'workspace-diagnostic.png') });

  await page.locator('.cm-line', { hasText: 'replicaz: 2' }).getByText('replicaz: 2').dblclick();
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.type('replicas: 3');
  await expect(page.locator('.cm-lintRange-error')).toHaveCount(0);
  await expect(problems.getByRole('button', { name: /replicaz/ })).toHaveCount(0);
  // completion from the schema: a new container field
  await page.locator('.cm-line', { hasText: 'image: ghcr.io/example/payments:1.0.0' }).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('imagePullP');
  const option = page.getByRole('listbox').getByRole('option', { name: /imagePullPolicy/ });
  await expect(option).toBeVisible();
  await option.click();
  await page.keyboard.type('Sometimes');
  await expect(problems.getByRole('button', { name: /schema-enum.*must be one of "Always", "IfNotPresent", "Never"/ })).toBeVisible();
  // the whole line goes again (CodeMirror's delete-line key)
  await page.keyboard.press('Control+Shift+K');
  await expect(page.locator('.cm-lintRange-error')).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: /^Saved$/ })).toBeVisible();

  // render an overlay with the lab's kubectl kustomize
  await page.getByRole('tab', { name: 'Render' }).click();
  await page.getByLabel('Kustomization to render').selectOption('overlays/eks');
  await page.getByRole('button', { name: 'Render', exact: true }).click();
  const rendered = page.getByLabel('Rendered manifests');
  await expect(rendered).toContainText('storageClassName: efs-sc');
  await expect(rendered).toContainText('replicas: 3');
  await expect(page.getByText('10 objects · kustomize v5.7.1')).toBeVisible();
  await page.screenshot({ path: path.join(screenshotDir, 'workspace-render.png') });

  // the three cloud overlays side by side
  await page.getByRole('tab', { name: 'Compare overlays' }).click();
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const claim = page.getByRole('region', { name: 'PersistentVolumeClaim payments-uploads' });
  await expect(claim.locator('.diff-cloud')).toHaveCount(3);
  await expect(claim).toContainText('azurefile-csi');
  await expect(claim).toContainText('standard-rwx');
  await expect(claim).toContainText('efs-sc');
  await claim.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshotDir, 'workspace-compare.png') });

  // commit the edit
  await page.getByRole('tab', { name: 'Git' }).click();
  await changed.getByRole('button', { name: 'base/deployment.yaml' }).click();
  await expect(page.getByLabel('Diff')).toContainText('+  replicas: 3');
  await changed.getByRole('checkbox', { name: 'Stage base/deployment.yaml' }).click();
  await expect(changed.getByRole('checkbox', { name: 'Stage base/deployment.yaml' })).toBeChecked();
  await page.getByLabel('Commit message').fill('Scale payments to 3');
  await page.getByLabel('Commit message').press('Control+Enter');
  await expect(page.getByText('Nothing to commit: the work tree is clean.')).toBeVisible();
  await expect(page.getByText(/Scale payments to 3 · E2E/)).toBeVisible();
  await page.screenshot({ path: path.join(screenshotDir, 'workspace-git.png') });
  expect(git('log', '--format=%s')).toBe('Scale payments to 3\nScaffold payments');
  expect(git('show', 'HEAD:base/deployment.yaml')).toContain('replicas: 3');
  expect(git('show', '--format=', 'HEAD')).toMatch(/^-  replicas: 2\n\+  replicas: 3$/m);
  expect(git('show', '--stat', '--format=', 'HEAD')).toMatch(/1 file changed, 1 insertion\(\+\), 1 deletion\(-\)/);
});

test('the web shell opens only the folders it was started with or made: any other root, and its own data folder, are refused', async ({ page }) => {
  const repo = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-ws-')), 'shop');
  mkdirSync(repo);
  writeFileSync(path.join(repo, 'configmap.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shop}\n');
  const elsewhere = mkdtempSync(path.join(tmpdir(), 'fleetdeck-private-'));
  writeFileSync(path.join(elsewhere, 'token.yaml'), 'secret: s3cr3t\n');
  const granted = await startWebShell(['--kubeconfig', kubeconfig, '--workspace', repo]);
  try {
    await page.goto(granted.url);
    // the folder named on the command line opens first, and the screen says how to grant another
    await expect(page.getByLabel('Open a workspace folder')).toHaveValue(repo);
    await expect(page.getByRole('navigation', { name: 'Workspace files' }).getByRole('button', { name: /configmap\.yaml/ })).toBeVisible();
    await expect(page.getByText(/To open another, start the web shell with --workspace DIR/)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Open folder…' })).toHaveCount(0);

    // what a hostile page could send through the same API
    const api = createApiClient(webTransport({ origin: granted.origin, token: new URL(granted.url).searchParams.get('token') }));
    await expect(api.manifests.read({ root: elsewhere, path: 'token.yaml' })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('--workspace DIR') });
    await expect(api.manifests.open({ path: elsewhere })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(api.manifests.write({ root: granted.home, path: 'x.yaml', text: 'x' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(api.manifests.scaffold({ into: elsewhere, name: 'x' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(api.manifests.chooseFolder({})).rejects.toMatchObject({ code: 'forbidden' });
    expect((await api.manifests.read({ root: repo, path: 'configmap.yaml' })).text).toContain('name: shop');
  } finally {
    await granted.stop();
  }
});
