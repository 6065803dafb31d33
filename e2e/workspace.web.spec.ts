import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

// The offline workspace with no cluster configured: an empty kubeconfig, no network needed. The
// lab's kustomize (built from its module) renders; git is the system's.
let shell: RunningShell;
const dir = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-ws-')), 'payments');
const identity = { GIT_AUTHOR_NAME: 'E2E', GIT_AUTHOR_EMAIL: 'e2e@example.com', GIT_COMMITTER_NAME: 'E2E', GIT_COMMITTER_EMAIL: 'e2e@example.com' };

test.beforeAll(async () => {
  const kubeconfig = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-kc-')), 'empty.yaml');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  Object.assign(process.env, identity, { PATH: `${path.join(root, 'lab/bin')}${path.delimiter}${process.env.PATH}` });
  shell = await startWebShell(['--kubeconfig', kubeconfig]);
});
test.afterAll(() => shell.stop());

const git = (...args: string[]) => spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).stdout.trim();

test('with no cluster the sample workspace opens; scaffold, edit with schema diagnostics, render, compare overlays and commit', async ({ page }) => {
  await page.goto(shell.url);
  await expect(page.getByRole('heading', { name: 'Workspace' })).toBeVisible();
  await expect(page.getByText('sample workspace ·')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Workspace files' }).getByRole('button', { name: /kustomization\.yaml/ }).first()).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Problems (0)' })).toBeVisible();

  // a new repository through the dialog
  await page.getByRole('button', { name: 'New repository…' }).click();
  await page.getByLabel('Folder (new or empty)').fill(dir);
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByText(dir)).toBeVisible();

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
