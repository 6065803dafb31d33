// Local Git through the user's git: status, diff, stage, commit, branches, history. Pushing is
// left to the user's own git and credentials.
//
// A workspace may be a repository someone else made (an archive, a shared folder): its own
// .git/config and hooks must not run programs when Fleetdeck merely looks at it. Every call runs
// with hooks off and with each repository-scoped setting that names a program overridden by the
// user's own (global or system) value, or disabled; submodules are not descended into (their
// configuration is not read here). The user's own git setup (git-lfs, signing) keeps working.
import { execFile } from 'node:child_process';
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { FleetdeckError } from '../../../shared/errors.ts';
import type { GitCommit, GitStatus } from '../../../shared/contract/manifests.ts';
import { within } from './workspace-files.ts';

/** no pager, no prompts, no editor, no locale surprises in what we parse */
const baseEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', GIT_EDITOR: ':', GIT_SEQUENCE_EDITOR: ':', LC_ALL: 'C' });

function run(root: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', root, ...args], { env, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new FleetdeckError('not-found', 'git is not installed (or not on the PATH): install git to use version control'));
      if (stderr.includes('Please tell me who you are')) {
        return reject(new FleetdeckError('invalid-input', 'git does not know who you are: run git config --global user.name "Your Name" and git config --global user.email you@example.com'));
      }
      const message = stderr.trim() || error.message;
      reject(new FleetdeckError('invalid-input', `git ${args.find((a) => !a.startsWith('-')) ?? ''}: ${message.split('\n').filter(Boolean).slice(0, 3).join(' ')}`));
    });
  });
}

/** Always set: hooks off, no descent into submodules, no background maintenance in someone else's repository. */
const fixed: [string, string][] = [
  ['core.hooksPath', '/dev/null'],
  ['submodule.recurse', 'false'],
  ['diff.ignoreSubmodules', 'all'],
  ['maintenance.auto', 'false'],
  ['gc.auto', '0'],
];

/**
 * Settings that make git run a program (or sign with the user's key), with the value that turns
 * them off or back to git's default. Those in alwaysOverridden are overridden in every call (so a
 * submodule's own value cannot apply either), the others (filter.<driver>.clean…) when the
 * repository sets them.
 */
const programSettings: [RegExp, string][] = [
  [/^core\.fsmonitor$/, 'false'],
  [/^core\.(sshcommand|gitproxy|askpass|pager|editor)$/, ''],
  [/^sequence\.editor$/, ''],
  [/^diff\.external$/, ''],
  [/^credential\.(.+\.)?helper$/, ''],
  [/^gpg\.(openpgp\.)?program$/, 'gpg'],
  [/^gpg\.x509\.program$/, 'gpgsm'],
  [/^gpg\.ssh\.program$/, 'ssh-keygen'],
  [/^gpg\.ssh\.defaultkeycommand$/, ''],
  [/^commit\.gpgsign$/, 'false'],
  [/^pager\..+$/, 'false'],
  [/^diff\..+\.(textconv|command)$/, ''],
  [/^filter\..+\.(clean|smudge|process)$/, ''],
  [/^merge\..+\.driver$/, ''],
];
const alwaysOverridden = ['core.fsmonitor', 'core.sshcommand', 'core.gitproxy', 'core.askpass', 'core.pager', 'core.editor', 'sequence.editor', 'diff.external', 'credential.helper', 'gpg.program', 'commit.gpgsign'];

interface ConfigEntry {
  scope: string;
  key: string;
  value: string;
}

/** `git config --list -z --show-scope --includes`: "scope\0key\nvalue\0" per entry ("scope\0key\0" for a bare boolean). */
function parseConfigList(out: string): ConfigEntry[] {
  const fields = out.split('\0');
  const entries: ConfigEntry[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const at = fields[i + 1].indexOf('\n');
    entries.push({ scope: fields[i], key: at < 0 ? fields[i + 1] : fields[i + 1].slice(0, at), value: at < 0 ? 'true' : fields[i + 1].slice(at + 1) });
  }
  return entries;
}

const repositoryScopes = new Set(['local', 'worktree']);

/**
 * The environment of every git call in `root`: the overrides above as command-line-scope config
 * (GIT_CONFIG_COUNT, so a key containing "=" is no problem), after those the user already passes.
 */
async function safeEnv(root: string): Promise<NodeJS.ProcessEnv> {
  await requireGitVersion();
  const env = baseEnv();
  const entries = parseConfigList(await run(root, ['config', '--list', '-z', '--show-scope', '--includes'], env));
  const own = entries.filter((e) => !repositoryScopes.has(e.scope));
  const repository = entries.filter((e) => repositoryScopes.has(e.scope));
  const keys = new Set([...alwaysOverridden, ...repository.map((e) => e.key).filter((key) => programSettings.some(([pattern]) => pattern.test(key.toLowerCase())))]);
  const overrides = [...fixed];
  for (const key of keys) {
    const neutral = programSettings.find(([pattern]) => pattern.test(key.toLowerCase()))![1];
    // the neutral value first (it also empties a list such as credential.helper), then the user's own values again
    overrides.push([key, neutral], ...own.filter((e) => e.key === key).map((e): [string, string] => [key, e.value]));
  }
  const count = Number(env.GIT_CONFIG_COUNT ?? 0) || 0;
  overrides.forEach(([key, value], i) => Object.assign(env, { [`GIT_CONFIG_KEY_${count + i}`]: key, [`GIT_CONFIG_VALUE_${count + i}`]: value }));
  env.GIT_CONFIG_COUNT = String(count + overrides.length);
  await refuseForeignRepository(root, env, repository.findLast((e) => e.key === 'core.worktree')?.value);
  return env;
}

let versionChecked: Promise<void> | undefined;

/** GIT_CONFIG_COUNT arrived in git 2.31: an older git would ignore the overrides. */
function requireGitVersion(): Promise<void> {
  versionChecked ??= run('.', ['version'], baseEnv()).then((out) => {
    const [major, minor] = (/(\d+)\.(\d+)/.exec(out) ?? []).slice(1).map(Number);
    if (!(major > 2 || (major === 2 && minor >= 31))) throw new FleetdeckError('invalid-input', `${out.trim()} is too old: Fleetdeck needs git 2.31 or later to run git without the repository's own hooks and programs`);
  });
  // a missing git is looked for again next time
  versionChecked.catch(() => (versionChecked = undefined));
  return versionChecked;
}

/**
 * The repository git finds from `root` must be the root's own, or git would read and write
 * another one (a `.git` file naming a repository elsewhere, a `commondir` or a symlink in `.git`
 * leading out, a core.worktree naming another folder, a repository around the root). Accepted:
 * - the root's own `.git` folder, sharing nothing with another (no commondir, no symlink out of it
 *   but for hooks, which never run);
 * - a linked work tree's git folder (in <repository>/.git/worktrees/, its `gitdir` file naming
 *   this root's .git back);
 * - a submodule's git folder outside the root whose core.worktree is the root.
 * In each, the work tree is the root itself. No repository at all passes: only `git init` then
 * works, and it refuses a `.git` that is already there (see init).
 */
async function refuseForeignRepository(root: string, env: NodeJS.ProcessEnv, configuredWorkTree: string | undefined): Promise<void> {
  const found = await run(root, ['rev-parse', '--path-format=absolute', '--absolute-git-dir', '--git-common-dir', '--is-inside-work-tree', '--show-cdup'], env).catch(() => undefined);
  if (found === undefined) return;
  const [gitDirFound, commonFound, inWorkTree, cdup] = found.split('\n');
  const [gitDir, common] = await Promise.all([gitDirFound, commonFound].map((dir) => realpath(dir).catch(() => dir)));
  const refuse = (why: string) => new FleetdeckError('forbidden', `${root}: ${why}: Fleetdeck's Git panel works only on the repository of the folder opened`);
  if (inWorkTree !== 'true') throw refuse(`its repository ${gitDir} has no work tree here (a bare repository, a .git folder, or a core.worktree naming another folder)`);
  if (cdup) throw refuse(`its Git work tree is ${path.resolve(root, cdup)}, not the folder itself (repository ${gitDir})`);
  const dotGit = path.join(root, '.git');
  if (gitDir === dotGit) {
    if (common !== gitDir) throw refuse(`its .git shares objects and refs with ${common} (commondir)`);
    await refuseLinksOut(gitDir, refuse);
    return;
  }
  if (!within(root, gitDir)) {
    const backTo = await readFile(path.join(gitDir, 'gitdir'), 'utf8').then((text) => realpath(path.resolve(gitDir, text.trim())), () => undefined);
    const linkedWorkTree = path.dirname(gitDir) === path.join(common, 'worktrees') && backTo !== undefined && backTo === (await realpath(dotGit).catch(() => undefined));
    const submodule = common === gitDir && configuredWorkTree !== undefined && (await realpath(path.resolve(gitDir, configuredWorkTree)).catch(() => undefined)) === root;
    if (linkedWorkTree || submodule) return;
  }
  throw refuse(`${dotGit} leads to the repository ${gitDir}, which is neither this folder's own nor a linked work tree or submodule of it`);
}

/** Refuses a symlink in a git folder that leads out of it (a write through it would land outside). Hooks are skipped: they never run. */
async function refuseLinksOut(gitDir: string, refuse: (why: string) => FleetdeckError): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        const target = await realpath(full).catch(() => undefined);
        if (target === undefined || !within(gitDir, target)) throw refuse(`${full} is a link to ${target ?? 'nowhere'}, outside its repository`);
      } else if (entry.isDirectory() && !(dir === gitDir && entry.name === 'hooks') && path.basename(dir) !== 'objects') {
        // objects/xx and objects/pack only gain new files, written beside the old
        await walk(full);
      }
    }
  };
  await walk(gitDir);
}

async function git(root: string, args: string[]): Promise<string> {
  return run(root, args, await safeEnv(root));
}

/** Whether the branch has a commit yet; a repository refused above is refused here too. */
async function headExists(root: string): Promise<boolean> {
  const env = await safeEnv(root);
  return run(root, ['rev-parse', '--verify', '--quiet', 'HEAD'], env).then(() => true, () => false);
}

/** Paths as they are: no pathspec magic (`:/`, globs) in what the renderer sends. */
const literal = (paths: string[]) => paths.map((p) => `:(literal)${p}`);

export async function isWorkTree(root: string): Promise<boolean> {
  return (await git(root, ['rev-parse', '--is-inside-work-tree']).catch(() => '')).trim() === 'true';
}

export async function status(root: string): Promise<GitStatus> {
  const out = await git(root, ['status', '--porcelain=v1', '-z', '--branch', '--untracked-files=all', '--ignore-submodules=all']);
  const records = out.split('\0').filter(Boolean);
  let branch = '';
  const files: GitStatus['files'] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (record.startsWith('## ')) {
      // "## main...origin/main [ahead 1]" or "## No commits yet on main"
      branch = record.slice(3).replace(/^No commits yet on /, '').split('...')[0].split(' ')[0];
      continue;
    }
    const [index, workTree, path] = [record[0], record[1], record.slice(3)];
    files.push({ path, index, workTree });
    // a rename's record is followed by its source path
    if (index === 'R' || index === 'C') i++;
  }
  return { branch, files };
}

export const diff = (root: string, path: string | undefined, staged: boolean) =>
  git(root, ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '--ignore-submodules=all', ...(staged ? ['--cached'] : []), '--', ...literal(path ? [path] : [])]);

export async function stage(root: string, paths: string[]): Promise<void> {
  // git add asks each submodule for its status, which would run under the submodule's own
  // configuration: submodules are left out
  const index = await git(root, ['ls-files', '--stage', '-z', '--', ...literal(paths)]);
  const submodules = index.split('\0').filter((record) => record.startsWith('160000 ')).map((record) => record.slice(record.indexOf('\t') + 1));
  await git(root, ['add', '--all', '--', ...literal(paths), ...submodules.map((s) => `:(exclude,literal)${s}`)]);
}

export async function unstage(root: string, paths: string[]): Promise<void> {
  const hasHead = await headExists(root);
  await git(root, hasHead ? ['reset', '--quiet', 'HEAD', '--', ...literal(paths)] : ['rm', '--cached', '--quiet', '-r', '--', ...literal(paths)]);
}

const logFormat = '%H%x1f%an%x1f%aI%x1f%s%x1e';

function parseLog(out: string): GitCommit[] {
  return out
    .split('\x1e')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const [hash, author, date, subject] = r.split('\x1f');
      return { hash, author, date, subject };
    });
}

export async function commit(root: string, message: string): Promise<GitCommit> {
  const staged = (await status(root)).files.some((f) => f.index !== ' ' && f.index !== '?');
  if (!staged) throw new FleetdeckError('invalid-input', 'nothing is staged: stage the changes to commit first');
  await git(root, ['commit', '--quiet', '-m', message]);
  return parseLog(await git(root, ['log', '-1', `--format=${logFormat}`]))[0];
}

export async function branches(root: string): Promise<{ current: string; branches: string[] }> {
  const current = (await status(root)).branch;
  const listed = (await git(root, ['branch', '--format=%(refname:short)'])).split('\n').filter(Boolean);
  return { current, branches: [...new Set([current, ...listed])].filter(Boolean).sort() };
}

export async function switchBranch(root: string, branch: string, create: boolean): Promise<void> {
  await git(root, ['switch', ...(create ? ['-c'] : []), branch]);
}

export async function log(root: string, path: string | undefined, limit: number): Promise<GitCommit[]> {
  const hasHead = await headExists(root);
  if (!hasHead) return [];
  return parseLog(await git(root, ['log', `-n${limit}`, `--format=${logFormat}`, ...(path ? ['--follow', '--', ...literal([path])] : [])]));
}

export async function init(root: string): Promise<void> {
  // a .git that names no repository (a dangling link, a link to an empty folder elsewhere) would be
  // made into one wherever it leads
  const dotGit = path.join(root, '.git');
  const repository = await git(root, ['rev-parse', '--is-inside-work-tree']).then(
    () => true,
    (error: unknown) => {
      if (error instanceof FleetdeckError && error.code === 'forbidden') throw error;
      return false;
    },
  );
  if (!repository && (await lstat(dotGit).then(() => true, () => false))) throw new FleetdeckError('forbidden', `${dotGit} exists but holds no repository Git can open: remove it to start a new one`);
  await git(root, ['init', '--quiet', '--initial-branch=main']);
}
