import { useState, type KeyboardEvent } from 'react';
import type { GitFileStatus, WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import { useGitActions, useGitBranches, useGitDiff, useGitLog, useGitStatus, useWorkspaceRefresh } from './queries.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';

const isStaged = (f: GitFileStatus) => f.index !== ' ' && f.index !== '?';
const label = (f: GitFileStatus) => (f.index === '?' ? 'new' : { M: 'modified', A: 'added', D: 'deleted', R: 'renamed' }[isStaged(f) ? f.index : f.workTree] ?? `${f.index}${f.workTree}`.trim());

/** Local Git: status, stage, diff, commit, branches, and the open file's history. Pushing stays with the user's git. */
export function GitPanel({ info, openFile }: { info: WorkspaceInfo; openFile?: string }) {
  const status = useGitStatus(info.root, info.git);
  const actions = useGitActions(info.root);
  const { afterGit } = useWorkspaceRefresh();
  const [selected, setSelected] = useState<GitFileStatus>();
  const [message, setMessage] = useState('');
  const [newBranch, setNewBranch] = useState('');
  const branches = useGitBranches(info.root, info.git);
  const diff = useGitDiff(info.root, selected && { path: selected.path, staged: isStaged(selected), tracked: selected.index !== '?' });
  const history = useGitLog(info.root, openFile, info.git && !!openFile);
  if (!info.git) {
    return (
      <div className="empty">
        This folder is not a Git repository.{' '}
        <button onClick={() => actions.init.mutate(undefined, { onSuccess: afterGit })} disabled={actions.init.isPending}>Initialize Git here</button>
        <ErrorBanner error={actions.init.error} />
      </div>
    );
  }
  const files = status.data?.files ?? [];
  const staged = files.filter(isStaged);
  const error = status.error ?? actions.stage.error ?? actions.unstage.error ?? actions.commit.error ?? actions.switchBranch.error;
  const commit = () => message.trim() && actions.commit.mutate(message.trim(), { onSuccess: () => (setMessage(''), setSelected(undefined)) });
  const onKey = (e: KeyboardEvent) => (e.ctrlKey || e.metaKey) && e.key === 'Enter' && (e.preventDefault(), commit());
  return (
    <div className="git-panel">
      <div className="git-side">
        <div className="inline-field">
          <label>
            Branch{' '}
            <select aria-label="Branch" value={status.data?.branch ?? ''} onChange={(e) => actions.switchBranch.mutate({ branch: e.target.value })}>
              {(branches.data?.branches ?? [status.data?.branch ?? '']).map((b) => (
                <option key={b} value={b}>{b}</option>
              ))}
            </select>
          </label>
          <form className="inline-field" onSubmit={(e) => (e.preventDefault(), newBranch.trim() && actions.switchBranch.mutate({ branch: newBranch.trim(), create: true }, { onSuccess: () => setNewBranch('') }))}>
            <input className="filter small-input mono" aria-label="New branch name" placeholder="new branch" value={newBranch} onChange={(e) => setNewBranch(e.target.value)} />
            <button type="submit" disabled={!newBranch.trim()}>Create</button>
          </form>
        </div>
        <ErrorBanner error={error} />
        {files.length > 0 && (
          <div className="inline-field">
            <button onClick={() => actions.stage.mutate(files.filter((f) => !isStaged(f) || f.workTree !== ' ').map((f) => f.path))} disabled={files.every((f) => isStaged(f) && f.workTree === ' ')}>Stage all</button>
            <button onClick={() => actions.unstage.mutate(staged.map((f) => f.path))} disabled={!staged.length}>Unstage all</button>
          </div>
        )}
        <div className="git-files" aria-label="Changed files">
          {files.length === 0 && <div className="muted pad">Nothing to commit: the work tree is clean.</div>}
          {files.map((f) => (
            <div key={f.path} className={selected?.path === f.path ? 'git-file active' : 'git-file'}>
              <input type="checkbox" aria-label={`Stage ${f.path}`} checked={isStaged(f)} onChange={(e) => (e.target.checked ? actions.stage : actions.unstage).mutate([f.path])} />
              <button className="link mono ellipsis" onClick={() => setSelected(f)}>{f.path}</button>
              <span className="tag">{label(f)}</span>
            </div>
          ))}
        </div>
        <textarea className="commit-message" aria-label="Commit message" placeholder="Commit message (Ctrl+Enter commits)" value={message} onChange={(e) => setMessage(e.target.value)} onKeyDown={onKey} rows={3} />
        <div className="inline-field">
          <button className="primary" onClick={commit} disabled={!staged.length || !message.trim() || actions.commit.isPending}>
            Commit {staged.length} file{staged.length === 1 ? '' : 's'}
          </button>
          {actions.commit.data && <span className="muted small">committed {actions.commit.data.hash.slice(0, 8)}</span>}
        </div>
        {openFile && (
          <div className="git-history">
            <h3 className="small">History of {openFile}</h3>
            {history.data?.length === 0 && <div className="muted small">not committed yet</div>}
            {history.data?.map((c) => (
              <div key={c.hash} className="small">
                <span className="mono">{c.hash.slice(0, 8)}</span> {c.subject} <span className="muted">· {c.author} · {new Date(c.date).toLocaleString()}</span>
              </div>
            ))}
          </div>
        )}
      </div>
      <div className="git-diff" aria-label="Diff">
        {!selected && <div className="muted pad">Select a file to see its changes.</div>}
        {selected?.index === '?' && <div className="muted pad">{selected.path} is new: stage it to include it in the next commit.</div>}
        <ErrorBanner error={diff.error} />
        {diff.data && (
          <pre className="mono diff">
            {diff.data.diff.split('\n').map((line, i) => (
              <div key={i} className={line.startsWith('+') && !line.startsWith('+++') ? 'diff-add' : line.startsWith('-') && !line.startsWith('---') ? 'diff-del' : line.startsWith('@@') ? 'diff-hunk' : undefined}>
                {line || ' '}
              </div>
            ))}
          </pre>
        )}
      </div>
    </div>
  );
}
