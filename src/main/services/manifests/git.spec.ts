// Issue 18 item 5: opening someone else's repository must not run its code. Its .git/config,
// hooks and .gitattributes each name a program that leaves a marker; none may run while the
// workspace's Git panel is used, yet the user's own (global) settings still apply.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalManifestsService } from './manifests-service.ts';

const temp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

const markers = temp('fleetdeck-markers-');
/** `mark NAME`: leaves markers/NAME, passes stdin through (a filter's contract), exits 0 */
const mark = path.join(temp('fleetdeck-bin-'), 'mark');
writeFileSync(mark, `#!/bin/sh\ntouch "${markers}/$1"\ncat\n`);
chmodSync(mark, 0o755);
/** git runs gpg.program without a shell, so without arguments of ours */
const markGpg = path.join(path.dirname(mark), 'mark-gpg');
writeFileSync(markGpg, `#!/bin/sh\ntouch "${markers}/gpg"\nexit 1\n`);
chmodSync(markGpg, 0o755);

function git(dir: string, ...args: string[]): string {
  const result = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** A repository whose own configuration, hooks and attributes would each run `mark`. */
function hostileRepository(): string {
  const dir = temp('fleetdeck-hostile-');
  git(dir, 'init', '--quiet', '--initial-branch=main');
  writeFileSync(path.join(dir, 'app.yaml'), 'replicas: 1\n');
  writeFileSync(path.join(dir, '.gitattributes'), '* filter=evil diff=evil merge=evil\n*.inc filter=included\n');
  git(dir, '-c', 'core.hooksPath=/dev/null', 'add', '.');
  git(dir, '-c', 'core.hooksPath=/dev/null', 'commit', '--quiet', '-m', 'first');
  git(dir, '-c', 'core.hooksPath=/dev/null', 'branch', 'other');
  // a nested repository recorded as a submodule, with its own hostile settings
  const nested = path.join(dir, 'vendor', 'lib');
  mkdirSync(nested, { recursive: true });
  git(nested, 'init', '--quiet');
  writeFileSync(path.join(nested, 'lib.yaml'), 'lib: 1\n');
  writeFileSync(path.join(nested, '.gitattributes'), '* filter=sub\n');
  git(nested, '-c', 'core.hooksPath=/dev/null', 'add', '.');
  git(nested, '-c', 'core.hooksPath=/dev/null', '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'lib');
  git(dir, 'update-index', '--add', '--cacheinfo', `160000,${git(nested, 'rev-parse', 'HEAD').trim()},vendor/lib`);
  git(nested, 'config', 'core.fsmonitor', `${mark} submodule-fsmonitor`);
  git(nested, 'config', 'filter.sub.clean', `${mark} submodule-clean`);
  const local: [string, string][] = [
    ['core.fsmonitor', `${mark} fsmonitor`],
    ['core.pager', `${mark} pager`],
    ['core.editor', `${mark} editor`],
    ['core.sshCommand', `${mark} ssh`],
    ['core.askPass', `${mark} askpass`],
    ['sequence.editor', `${mark} sequence-editor`],
    ['pager.status', `${mark} pager-status`],
    ['diff.external', `${mark} diff-external`],
    ['diff.evil.textconv', `${mark} textconv`],
    ['diff.evil.command', `${mark} diff-command`],
    ['filter.evil.clean', `${mark} clean`],
    ['filter.evil.smudge', `${mark} smudge`],
    ['filter.evil.process', `${mark} process`],
    ['merge.evil.driver', `${mark} merge-driver`],
    ['credential.helper', `${mark} credential`],
    ['gpg.program', markGpg],
    ['commit.gpgSign', 'true'],
    ['include.path', path.join(dir, 'included.config')],
  ];
  for (const [key, value] of local) git(dir, 'config', key, value);
  // a setting reached only through an include, with a subsection name no fixed list knows
  writeFileSync(path.join(dir, 'included.config'), `[filter "included"]\n\tclean = ${mark} included-clean\n`);
  for (const hook of ['pre-commit', 'prepare-commit-msg', 'commit-msg', 'post-commit', 'post-checkout', 'reference-transaction', 'post-index-change', 'fsmonitor-watchman']) {
    writeFileSync(path.join(dir, '.git', 'hooks', hook), `#!/bin/sh\n"${mark}" hook-${hook} </dev/null\n`);
    chmodSync(path.join(dir, '.git', 'hooks', hook), 0o755);
  }
  // same size, new time: git must read the content again (through filters) to know it is unchanged
  writeFileSync(path.join(nested, 'lib.yaml'), 'lib: 2\n');
  return dir;
}

describe('git in a repository someone else made', () => {
  const env = { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com', GIT_CONFIG_GLOBAL: path.join(temp('fleetdeck-global-'), 'gitconfig') };
  const saved = { ...process.env };
  beforeAll(() => {
    Object.assign(process.env, env);
    // the user's own filter for the same driver name: it is the one that runs
    writeFileSync(env.GIT_CONFIG_GLOBAL, `[filter "evil"]\n\tclean = ${mark} users-own-clean\n`);
  });
  afterAll(() => {
    for (const key of Object.keys(env)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it("runs none of the repository's hooks, filters, diff drivers, fsmonitor, pager, editor or signing program; the user's own settings still apply", async () => {
    const dir = hostileRepository();
    const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [dir] });
    await service.open({ path: dir });
    writeFileSync(path.join(dir, 'app.yaml'), 'replicas: 3\n');
    writeFileSync(path.join(dir, 'extra.inc'), 'x\n');
    expect((await service.gitStatus({ root: dir })).files).toEqual([
      { path: 'app.yaml', index: ' ', workTree: 'M' },
      { path: 'extra.inc', index: '?', workTree: '?' },
      { path: 'included.config', index: '?', workTree: '?' },
    ]);
    expect((await service.gitDiff({ root: dir })).diff).toContain('+replicas: 3');
    expect((await service.gitDiff({ root: dir, path: 'app.yaml' })).diff).toContain('+replicas: 3');
    await service.gitStage({ root: dir, paths: ['.'] });
    await service.gitUnstage({ root: dir, paths: ['included.config'] });
    expect((await service.gitDiff({ root: dir, staged: true })).diff).toContain('+replicas: 3');
    const commit = await service.gitCommit({ root: dir, message: 'Scale' });
    expect(commit.subject).toBe('Scale');
    expect((await service.gitLog({ root: dir, path: 'app.yaml' })).map((c) => c.subject)).toEqual(['Scale', 'first']);
    expect(await service.gitBranches({ root: dir })).toEqual({ current: 'main', branches: ['main', 'other'] });
    await service.gitSwitch({ root: dir, branch: 'other' });
    await service.gitSwitch({ root: dir, branch: 'feature', create: true });
    await service.gitSwitch({ root: dir, branch: 'main' });
    expect(readdirSync(markers)).toEqual(['users-own-clean']);
    // the commit is not signed: the repository's own gpg program and gpgSign did not apply
    expect(git(dir, 'cat-file', 'commit', commit.hash)).not.toContain('gpgsig');

    // the same repository with plain git does run its code: the setup above is live
    spawnSync('git', ['-C', dir, 'status'], { encoding: 'utf8' });
    spawnSync('git', ['-C', dir, 'commit', '--allow-empty', '-m', 'x'], { encoding: 'utf8' });
    expect(readdirSync(markers)).toEqual(expect.arrayContaining(['fsmonitor', 'hook-pre-commit', 'gpg', 'submodule-fsmonitor']));
  });

  it('refuses a repository whose config points its work tree elsewhere', async () => {
    const dir = temp('fleetdeck-hostile-');
    git(dir, 'init', '--quiet');
    git(dir, 'config', 'core.worktree', path.dirname(dir));
    const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [dir] });
    await expect(service.gitStatus({ root: dir })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('sets core.worktree') });
    await expect(service.gitDiff({ root: dir })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('takes the paths the renderer sends literally: no pathspec magic reaches outside them', async () => {
    const dir = temp('fleetdeck-repo-');
    const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [dir] });
    await service.gitInit({ root: dir });
    writeFileSync(path.join(dir, 'a.yaml'), 'a\n');
    writeFileSync(path.join(dir, 'b.yaml'), 'b\n');
    await expect(service.gitStage({ root: dir, paths: [':/'] })).rejects.toThrow(/did not match any files/);
    await expect(service.gitStage({ root: dir, paths: ['*.yaml'] })).rejects.toThrow(/did not match any files/);
    expect((await service.gitStage({ root: dir, paths: ['a.yaml'] })).files).toEqual([
      { path: 'a.yaml', index: 'A', workTree: ' ' },
      { path: 'b.yaml', index: '?', workTree: '?' },
    ]);
  });
});
