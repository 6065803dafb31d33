import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultScaffoldOptions, scaffoldFiles } from '../../../shared/manifests/scaffold.ts';
import { findKustomize } from './kustomize.ts';
import { LocalManifestsService } from './manifests-service.ts';

const root = path.resolve(import.meta.dirname, '../../../..');
const temp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'bin/fleetdeck.js'), ...args], { encoding: 'utf8', env: { ...process.env, FLEETDECK_HOME: temp('fleetdeck-home-') } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fleetdeck scaffold and validate (CLI, no cluster)', () => {
  it('scaffolds a repository that validates clean, then reports a broken manifest as [{file, line, severity, rule, message}] with exit 1', () => {
    const dir = path.join(temp('fleetdeck-ws-'), 'payments');
    const scaffold = cli('scaffold', dir);
    expect(scaffold.status, scaffold.stderr).toBe(0);
    expect(scaffold.stdout).toContain('scaffolded payments');
    expect(readFileSync(path.join(dir, 'overlays/aks/storage-class.yaml'), 'utf8')).toContain('azurefile-csi');

    const clean = cli('validate', dir, '--output', 'json');
    expect(clean.status, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual([]);

    writeFileSync(path.join(dir, 'overlays/gke/extra.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-scheme: internal\nspec:\n  ports: [{port: "80"}]\n');
    const broken = cli('validate', dir, '--output', 'json');
    expect(broken.status).toBe(1);
    const problems = JSON.parse(broken.stdout) as Record<string, unknown>[];
    expect(problems.map((p) => Object.keys(p).sort())).toEqual(problems.map(() => ['file', 'line', 'message', 'rule', 'severity']));
    expect(problems.map((p) => [p.file, p.line, p.severity, p.rule])).toEqual([
      ['overlays/gke/extra.yaml', 6, 'error', 'wrong-cloud-lb-annotation'],
      ['overlays/gke/extra.yaml', 8, 'error', 'schema-type'],
    ]);
    expect(problems[1].message).toMatch(/^spec\.ports\[0\]\.port: expected integer, got string\. Fix: /);

    const human = cli('validate', dir);
    expect(human.stdout).toContain('overlays/gke/extra.yaml:6: error [wrong-cloud-lb-annotation]');
    expect(human.stdout).toMatch(/2 errors, 0 warnings/);
  }, 60_000);

  it('refuses to scaffold over existing files, and bad folders get a one-line reason', () => {
    const dir = temp('fleetdeck-ws-');
    writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    const refused = cli('scaffold', dir, '--name', 'shop');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/is not empty .* scaffold into a new or empty folder/);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
    expect(cli('validate', path.join(dir, 'nope')).stderr).toMatch(/no such folder/);
    expect(cli('validate').stderr).toMatch(/validate takes one folder/);
    expect(cli('render', dir).stderr).toMatch(/has no kustomization.yaml to render/);
  }, 60_000);
});

describe('sample workspace', () => {
  it('resources/sample-workspace is the scaffold output', () => {
    const sample = path.join(root, 'resources/sample-workspace');
    for (const [file, text] of Object.entries(scaffoldFiles(defaultScaffoldOptions('shop')))) expect(readFileSync(path.join(sample, file), 'utf8'), file).toBe(text);
  });
});

describe('workspace files', () => {
  const dataDir = temp('fleetdeck-home-');
  const other = temp('fleetdeck-ws-');
  const dir = temp('fleetdeck-ws-');
  const service = new LocalManifestsService({ dataDir, workspaces: [other, dir] });

  it('opens the sample workspace (a copy in the data folder) when nothing was opened before, then the last one', async () => {
    const sample = await new LocalManifestsService({ dataDir }).open({});
    expect(sample.sample).toBe(true);
    expect(sample.root).toBe(path.join(dataDir, 'sample-workspace'));
    expect(sample.kustomizations).toEqual(['base', 'overlays/aks', 'overlays/eks', 'overlays/gke']);
    expect(sample.files.find((f) => f.path === 'overlays/eks/storage-class.yaml')).toMatchObject({ context: { role: 'patch', cloud: 'eks', overlay: true }, objects: [{ kind: 'PersistentVolumeClaim', name: 'shop-uploads' }] });
    writeFileSync(path.join(other, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
    await service.open({ path: other });
    expect((await new LocalManifestsService({ dataDir }).open({})).root).toBe(other);
  });

  it('writes crash-safely, refuses a write over a file changed on disk, and stays inside the root', async () => {
    writeFileSync(path.join(dir, 'a.yaml'), 'one\n');
    const first = await service.read({ root: dir, path: 'a.yaml' });
    const { version } = await service.write({ root: dir, path: 'a.yaml', text: 'two\n', version: first.version });
    expect(readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('two\n');
    // another editor writes meanwhile: the stale version is refused and the file keeps the other text
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(path.join(dir, 'a.yaml'), 'three, from elsewhere\n');
    await expect(service.write({ root: dir, path: 'a.yaml', text: 'four\n', version })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/changed on disk/) });
    expect(readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('three, from elsewhere\n');
    expect(readdirSync(dir)).toEqual(['a.yaml']);

    const outside = temp('fleetdeck-outside-');
    writeFileSync(path.join(outside, 'secret.txt'), 'x');
    symlinkSync(outside, path.join(dir, 'link'));
    await expect(service.read({ root: dir, path: 'link/secret.txt' })).rejects.toThrow(/outside the workspace/);
    await expect(service.write({ root: dir, path: 'link/new.txt', text: 'x' })).rejects.toThrow(/outside the workspace/);
  });
});

describe('git (local only)', () => {
  const env = { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com' };
  const saved = { ...process.env };
  beforeAll(() => Object.assign(process.env, env));
  afterAll(() => {
    for (const key of Object.keys(env)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('init, status, stage, diff, commit, history, branches and switch', async () => {
    const dir = temp('fleetdeck-git-');
    const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [dir] });
    mkdirSync(path.join(dir, 'base'));
    writeFileSync(path.join(dir, 'base/a.yaml'), 'a: 1\n');
    expect((await service.open({ path: dir })).git).toBe(false);
    const initial = await service.gitInit({ root: dir });
    expect(initial).toEqual({ branch: 'main', files: [{ path: 'base/a.yaml', index: '?', workTree: '?' }] });
    await expect(service.gitCommit({ root: dir, message: 'nothing staged' })).rejects.toThrow(/nothing is staged/);
    expect((await service.gitStage({ root: dir, paths: ['base/a.yaml'] })).files).toEqual([{ path: 'base/a.yaml', index: 'A', workTree: ' ' }]);
    expect((await service.gitUnstage({ root: dir, paths: ['base/a.yaml'] })).files[0].index).toBe('?');
    await service.gitStage({ root: dir, paths: ['base/a.yaml'] });
    const commit = await service.gitCommit({ root: dir, message: 'Add a' });
    expect(commit).toMatchObject({ author: 'Test', subject: 'Add a' });

    await service.write({ root: dir, path: 'base/a.yaml', text: 'a: 2\n' });
    expect((await service.gitStatus({ root: dir })).files).toEqual([{ path: 'base/a.yaml', index: ' ', workTree: 'M' }]);
    expect((await service.gitDiff({ root: dir, path: 'base/a.yaml' })).diff).toContain('-a: 1\n+a: 2');
    await service.gitStage({ root: dir, paths: ['base/a.yaml'] });
    expect((await service.gitDiff({ root: dir, staged: true })).diff).toContain('+a: 2');
    await service.gitCommit({ root: dir, message: 'Bump a' });
    expect((await service.gitLog({ root: dir, path: 'base/a.yaml' })).map((c) => c.subject)).toEqual(['Bump a', 'Add a']);

    expect((await service.gitSwitch({ root: dir, branch: 'feature/x', create: true })).branch).toBe('feature/x');
    expect(await service.gitBranches({ root: dir })).toEqual({ current: 'feature/x', branches: ['feature/x', 'main'] });
    await expect(service.gitSwitch({ root: dir, branch: 'no-such-branch' })).rejects.toThrow(/git switch: .*no-such-branch/);
  });
});

describe('kustomize detection', () => {
  it('says plainly when neither kustomize nor kubectl is installed', async () => {
    await expect(findKustomize([temp('empty-path-')])).rejects.toThrow(/neither kustomize nor kubectl was found .* install kustomize/);
  });
});
