// Local Git through the user's git: status, diff, stage, commit, branches, history. Pushing is
// left to the user's own git and credentials.
import { execFile } from 'node:child_process';
import { FleetdeckError } from '../../../shared/errors.ts';
import type { GitCommit, GitStatus } from '../../../shared/contract/manifests.ts';

function git(root: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // no pager, no prompts, no locale surprises in what we parse
    const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' };
    execFile('git', ['-C', root, ...args], { env, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new FleetdeckError('not-found', 'git is not installed (or not on the PATH): install git to use version control'));
      if (stderr.includes('Please tell me who you are')) {
        return reject(new FleetdeckError('invalid-input', 'git does not know who you are: run git config --global user.name "Your Name" and git config --global user.email you@example.com'));
      }
      const message = stderr.trim() || error.message;
      reject(new FleetdeckError('invalid-input', `git ${args[0]}: ${message.split('\n').filter(Boolean).slice(0, 3).join(' ')}`));
    });
  });
}

export async function isWorkTree(root: string): Promise<boolean> {
  return (await git(root, ['rev-parse', '--is-inside-work-tree']).catch(() => '')).trim() === 'true';
}

export async function status(root: string): Promise<GitStatus> {
  const out = await git(root, ['status', '--porcelain=v1', '-z', '--branch', '--untracked-files=all']);
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

export const diff = (root: string, path: string | undefined, staged: boolean) => git(root, ['diff', '--no-color', ...(staged ? ['--cached'] : []), '--', ...(path ? [path] : [])]);

export async function stage(root: string, paths: string[]): Promise<void> {
  await git(root, ['add', '--all', '--', ...paths]);
}

export async function unstage(root: string, paths: string[]): Promise<void> {
  const hasHead = await git(root, ['rev-parse', '--verify', 'HEAD']).then(() => true, () => false);
  await git(root, hasHead ? ['reset', '--quiet', 'HEAD', '--', ...paths] : ['rm', '--cached', '--quiet', '-r', '--', ...paths]);
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
  const hasHead = await git(root, ['rev-parse', '--verify', 'HEAD']).then(() => true, () => false);
  if (!hasHead) return [];
  return parseLog(await git(root, ['log', `-n${limit}`, `--format=${logFormat}`, ...(path ? ['--follow', '--', path] : [])]));
}

export async function init(root: string): Promise<void> {
  await git(root, ['init', '--quiet', '--initial-branch=main']);
}
