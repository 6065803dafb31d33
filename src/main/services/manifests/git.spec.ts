// Issue 18 item 5: opening someone else's repository must not run its code. Its .git/config,
// hooks and .gitattributes each name a program that leaves a marker; none may run while the
// workspace's Git panel is used, yet the user's own (global) settings still apply.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

  /** A repository with one commit of app.yaml. */
  function repository(dir = temp('fleetdeck-repo-')): string {
    git(dir, 'init', '--quiet', '--initial-branch=main');
    writeFileSync(path.join(dir, 'app.yaml'), 'replicas: 1\n');
    git(dir, 'add', 'app.yaml');
    git(dir, 'commit', '--quiet', '-m', 'first');
    return dir;
  }

  it("uses no repository but the folder's own: a .git file, a .git link, a commondir, a link in .git or a work tree elsewhere is refused, naming both, and the other repository is left as it was", async () => {
    const other = repository();
    const before = () => [git(other, 'rev-parse', 'HEAD'), git(other, 'for-each-ref'), git(other, 'status', '--porcelain'), readFileSync(path.join(other, '.git', 'index')).toString('base64')];
    const untouched = before();
    const cases: [string, (dir: string) => void][] = [
      ['a .git file naming it', (dir) => writeFileSync(path.join(dir, '.git'), `gitdir: ${path.join(other, '.git')}\n`)],
      ['a .git file naming it by a relative path', (dir) => writeFileSync(path.join(dir, '.git'), `gitdir: ${path.relative(dir, path.join(other, '.git'))}\n`)],
      ['.git a link to it', (dir) => symlinkSync(path.join(other, '.git'), path.join(dir, '.git'))],
      ['a commondir naming it', (dir) => {
        git(dir, 'init', '--quiet');
        writeFileSync(path.join(dir, '.git', 'commondir'), path.join(other, '.git'));
      }],
      ['refs/heads a link into it', (dir) => {
        git(dir, 'init', '--quiet', '--initial-branch=feature');
        rmSync(path.join(dir, '.git', 'refs', 'heads'), { recursive: true });
        symlinkSync(path.join(other, '.git', 'refs', 'heads'), path.join(dir, '.git', 'refs', 'heads'));
      }],
      ['the index a link to its index', (dir) => {
        git(dir, 'init', '--quiet');
        symlinkSync(path.join(other, '.git', 'index'), path.join(dir, '.git', 'index'));
      }],
      ['its config setting core.worktree to it', (dir) => {
        git(dir, 'init', '--quiet');
        git(dir, 'config', 'core.worktree', other);
      }],
    ];
    for (const [name, make] of cases) {
      const dir = temp('fleetdeck-hostile-');
      make(dir);
      writeFileSync(path.join(dir, 'app.yaml'), 'planted: true\n');
      const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [dir] });
      const calls = [
        () => service.gitStatus({ root: dir }),
        () => service.gitStage({ root: dir, paths: ['app.yaml'] }),
        () => service.gitCommit({ root: dir, message: 'planted' }),
        () => service.gitSwitch({ root: dir, branch: 'planted', create: true }),
        () => service.gitLog({ root: dir }),
        () => service.gitDiff({ root: dir }),
        () => service.gitInit({ root: dir }),
      ];
      for (const call of calls) await expect(call(), name).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining(dir) });
      const { message } = (await service.gitStatus({ root: dir }).catch((error: Error) => error)) as Error;
      if (name !== 'its config setting core.worktree to it') expect(message, name).toContain(other);
      expect((await service.open({ path: dir })).git, name).toBe(false);
    }
    // a folder inside another repository's work tree is not its own repository either
    const inside = path.join(other, 'deploy');
    mkdirSync(inside);
    const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [inside] });
    await expect(service.gitStage({ root: inside, paths: ['../app.yaml'] })).rejects.toMatchObject({ code: 'forbidden', message: `${inside}: its Git work tree is ${other}, not the folder itself (repository ${path.join(other, '.git')}): Fleetdeck's Git panel works only on the repository of the folder opened` });
    expect(before()).toEqual(untouched);
  });

  it('works in a linked work tree and in a submodule, whose git folders are kept in another repository', async () => {
    const main = repository();
    const linked = path.join(temp('fleetdeck-worktrees-'), 'linked');
    git(main, 'worktree', 'add', '--quiet', '-b', 'linked', linked);
    const library = repository();
    const superproject = repository();
    git(superproject, '-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'add', library, 'vendor/lib');
    const submodule = path.join(superproject, 'vendor', 'lib');
    for (const [root, branch, repo] of [[linked, 'linked', main], [submodule, 'main', submodule]]) {
      const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] });
      writeFileSync(path.join(root, 'app.yaml'), 'replicas: 2\n');
      expect((await service.gitStage({ root, paths: ['app.yaml'] })).files, root).toEqual([{ path: 'app.yaml', index: 'M', workTree: ' ' }]);
      await service.gitCommit({ root, message: 'Scale' });
      expect(git(repo, 'log', '-1', '--format=%s', branch).trim(), root).toBe('Scale');
    }
  });

  it('git init makes a repository in the folder only: a .git that names none (a dangling link, a link to an empty folder, a file) is refused, not made into one', async () => {
    const elsewhere = temp('fleetdeck-elsewhere-');
    const cases: [string, (dir: string) => void][] = [
      ['a dangling link', (dir) => symlinkSync(path.join(elsewhere, 'made-here'), path.join(dir, '.git'))],
      ['a link to an empty folder', (dir) => symlinkSync(elsewhere, path.join(dir, '.git'))],
      ['a file naming nothing', (dir) => writeFileSync(path.join(dir, '.git'), `gitdir: ${path.join(elsewhere, 'made-here')}\n`)],
    ];
    for (const [name, make] of cases) {
      const dir = temp('fleetdeck-ws-');
      make(dir);
      const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [dir] });
      await expect(service.gitInit({ root: dir }), name).rejects.toMatchObject({ code: 'forbidden', message: `${path.join(dir, '.git')} exists but holds no repository Git can open: remove it to start a new one` });
      expect(readdirSync(elsewhere), name).toEqual([]);
    }
    // the folder's own repository may be initialized again, as git allows
    const own = repository();
    const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [own] });
    expect((await service.gitInit({ root: own })).branch).toBe('main');
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
