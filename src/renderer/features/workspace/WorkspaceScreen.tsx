import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useMemo, useState, type FormEvent } from 'react';
import type { WorkspaceEntry, WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import { crossFileRules, type Problem } from '../../../shared/manifests/lint.ts';
import { useUi, type WorkspacePanel } from '../../app/ui-store.ts';
import { api } from '../../api.ts';
import { useDrafts } from './drafts.ts';
import { GitPanel } from './GitPanel.tsx';
import { ManifestEditor } from './ManifestEditor.tsx';
import { OverlayCompare } from './OverlayCompare.tsx';
import { useProblems, useSchemas, useWorkspace, useWorkspaceRefresh } from './queries.ts';

export function WorkspaceScreen() {
  const { workspacePath, setWorkspacePath } = useUi();
  const workspace = useWorkspace(workspacePath);
  const [scaffolding, setScaffolding] = useState(false);
  return (
    <section className="screen workspace" aria-labelledby="workspace-title">
      <header className="screen-header">
        <h1 id="workspace-title">Workspace</h1>
        {workspace.data && (
          <span className="muted">
            {workspace.data.sample ? 'sample workspace · ' : ''}
            <span className="mono">{workspace.data.root}</span>
          </span>
        )}
        <div className="spacer" />
        <OpenFolder current={workspace.data?.root} onOpen={setWorkspacePath} />
        <button onClick={() => setScaffolding(true)}>New repository…</button>
      </header>
      {workspace.error && <div className="banner error" role="alert">{workspace.error.message}</div>}
      {workspace.isPending && <div className="empty">Opening the workspace…</div>}
      {workspace.data && <WorkspaceBody info={workspace.data} />}
      {scaffolding && <ScaffoldDialog onClose={() => setScaffolding(false)} onCreated={(root) => setWorkspacePath(root)} />}
    </section>
  );
}

function OpenFolder({ current, onOpen }: { current?: string; onOpen(path: string): void }) {
  const [path, setPath] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (path.trim()) onOpen(path.trim());
  };
  return (
    <form className="inline-field" onSubmit={submit}>
      <input className="filter mono" aria-label="Folder to open" placeholder={current ?? '/path/to/gitops-repo'} value={path} onChange={(e) => setPath(e.target.value)} />
      <button type="submit" disabled={!path.trim()}>Open</button>
    </form>
  );
}

function ScaffoldDialog({ onClose, onCreated }: { onClose(): void; onCreated(root: string): void }) {
  const queryClient = useQueryClient();
  const [dir, setDir] = useState('');
  const [name, setName] = useState('');
  const scaffold = useMutation({
    mutationFn: () => api.manifests.scaffold({ dir: dir.trim(), ...(name.trim() ? { name: name.trim() } : {}) }),
    onSuccess: (info) => {
      queryClient.setQueryData(['workspace', 'info', info.root], info);
      onCreated(info.root);
      onClose();
    },
  });
  return (
    <div className="backdrop" role="presentation" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <form className="dialog" role="dialog" aria-modal aria-labelledby="scaffold-title" onSubmit={(e) => (e.preventDefault(), scaffold.mutate())}>
        <h2 id="scaffold-title">New multi-cloud GitOps repository</h2>
        <p className="muted">A base, overlays for AKS, GKE and EKS (storage class, load balancer and ingress patches), Argo CD and Flux wiring, default-deny NetworkPolicies and a CI workflow.</p>
        <label className="field">
          Folder (new or empty)
          <input className="filter mono" autoFocus value={dir} onChange={(e) => setDir(e.target.value)} placeholder="/home/me/src/shop-gitops" />
        </label>
        <label className="field">
          Application name
          <input className="filter mono" value={name} onChange={(e) => setName(e.target.value)} placeholder="from the folder name" />
        </label>
        {scaffold.error && <div className="banner error" role="alert">{scaffold.error.message}</div>}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={!dir.trim().startsWith('/') || scaffold.isPending}>{scaffold.isPending ? 'Creating…' : 'Create'}</button>
        </div>
      </form>
    </div>
  );
}

function WorkspaceBody({ info }: { info: WorkspaceInfo }) {
  const { openFile, openWorkspaceFile, workspacePanel, setWorkspacePanel } = useUi();
  const schemas = useSchemas();
  const problems = useProblems(info.root);
  const { afterSave } = useWorkspaceRefresh();
  // edits of other files that did not reach the disk (the open file's state shows in its editor)
  const drafts = useDrafts((s) => Object.keys(s.drafts).filter((k) => k.startsWith(`${info.root}\0`) && k !== `${info.root}\0${openFile?.path}`).length);
  const [liveProblems, setLiveProblems] = useState<{ file: string; problems: Problem[] }>();
  const file = info.files.find((f) => f.path === openFile?.path);
  // the open file's problems come from the editor, as typed; the others from the last validation
  const shown = useMemo(() => {
    const all = problems.data?.problems ?? [];
    if (!liveProblems || liveProblems.file !== file?.path) return all;
    const others = all.filter((p) => p.file !== liveProblems.file || crossFileRules.has(p.rule));
    return [...others, ...liveProblems.problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  }, [problems.data, liveProblems, file?.path]);
  const errors = shown.filter((p) => p.severity === 'error').length;
  return (
    <div className="workspace-body">
      <FileTree files={info.files} selected={file?.path} onOpen={(path) => openWorkspaceFile(path)} />
      <div className="workspace-main">
        {drafts > 0 && <div className="banner warn" role="status">{drafts} file{drafts === 1 ? ' has' : 's have'} edits not yet written to disk; they are kept and saved when the file is opened.</div>}
        {file && schemas.data ? (
          <ManifestEditor key={`${info.root}/${file.path}`} root={info.root} file={file} bundle={schemas.data} reveal={openFile?.line ? { line: openFile.line, nonce: openFile.nonce } : undefined} onSaved={afterSave} onProblems={(p) => setLiveProblems({ file: file.path, problems: p })} />
        ) : (
          <div className="empty editor-pane">{schemas.isPending ? 'Loading schemas…' : 'Open a file from the tree, or a problem below.'}</div>
        )}
        <div className="workspace-panel">
          <div className="segmented" role="tablist" aria-label="Workspace panels">
            {(['problems', 'render', 'compare', 'git'] as WorkspacePanel[]).map((p) => (
              <button key={p} role="tab" aria-selected={workspacePanel === p} className={workspacePanel === p ? 'active' : ''} onClick={() => setWorkspacePanel(p)}>
                {{ problems: `Problems (${shown.length})`, render: 'Render', compare: 'Compare overlays', git: 'Git' }[p]}
              </button>
            ))}
            <span className="muted small">{problems.isFetching ? 'validating…' : `${errors} errors · ${shown.length - errors} warnings · ${problems.data?.files ?? 0} files`}</span>
          </div>
          <div className="workspace-panel-body">
            {workspacePanel === 'problems' && <ProblemList problems={shown} error={problems.error?.message} onOpen={(p) => openWorkspaceFile(p.file, p.line)} />}
            {workspacePanel === 'render' && <RenderPanel info={info} />}
            {workspacePanel === 'compare' && <OverlayCompare info={info} />}
            {workspacePanel === 'git' && <GitPanel info={info} openFile={file?.path} />}
          </div>
        </div>
      </div>
    </div>
  );
}

interface Folder {
  name: string;
  path: string;
  folders: Map<string, Folder>;
  files: WorkspaceEntry[];
}

function buildTree(files: WorkspaceEntry[]): Folder {
  const root: Folder = { name: '', path: '', folders: new Map(), files: [] };
  for (const f of files) {
    const parts = f.path.split('/');
    let folder = root;
    parts.slice(0, -1).forEach((part, i) => {
      let next = folder.folders.get(part);
      if (!next) folder.folders.set(part, (next = { name: part, path: parts.slice(0, i + 1).join('/'), folders: new Map(), files: [] }));
      folder = next;
    });
    folder.files.push(f);
  }
  return root;
}

function FileTree({ files, selected, onOpen }: { files: WorkspaceEntry[]; selected?: string; onOpen(path: string): void }) {
  const [filter, setFilter] = useState('');
  const deferred = useDeferredValue(filter.trim().toLowerCase());
  const [closed, setClosed] = useState<Set<string>>(new Set());
  const tree = useMemo(() => buildTree(files), [files]);
  const matches = useMemo(
    () => (deferred ? files.filter((f) => f.path.toLowerCase().includes(deferred) || f.objects.some((o) => `${o.kind}/${o.name}`.toLowerCase().includes(deferred))).slice(0, 500) : []),
    [files, deferred],
  );
  const fileButton = (f: WorkspaceEntry, label: string, depth: number) => (
    <button key={f.path} className={f.path === selected ? 'tree-item file active' : 'tree-item file'} style={{ paddingLeft: 8 + depth * 12 }} onClick={() => onOpen(f.path)} title={f.path} aria-current={f.path === selected ? 'true' : undefined}>
      <span className="ellipsis">{label}</span>
      {f.objects.length > 0 && <span className="tree-kinds">{f.objects.length === 1 ? f.objects[0].kind : `${f.objects.length} objects`}</span>}
    </button>
  );
  const render = (folder: Folder, depth: number): React.ReactNode[] => [
    ...[...folder.folders.values()].flatMap((sub) => {
      const isClosed = closed.has(sub.path);
      const cloud = /(^|\/)(aks|gke|eks)$/.exec(sub.path)?.[2];
      return [
        <button
          key={`dir:${sub.path}`}
          className="tree-item folder"
          style={{ paddingLeft: 8 + depth * 12 }}
          aria-expanded={!isClosed}
          onClick={() => setClosed((s) => (s.has(sub.path) ? new Set([...s].filter((p) => p !== sub.path)) : new Set([...s, sub.path])))}
        >
          {isClosed ? '▸' : '▾'} {sub.name}
          {cloud && <span className={`cloud-badge ${cloud}`}>{cloud.toUpperCase()}</span>}
        </button>,
        ...(isClosed ? [] : render(sub, depth + 1)),
      ];
    }),
    ...folder.files.map((f) => fileButton(f, f.path.split('/').pop()!, depth)),
  ];
  return (
    <nav className="file-tree" aria-label="Workspace files">
      <input className="filter" aria-label="Find a file or object" placeholder="Find file, kind or name…" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <div className="tree-scroll">{deferred ? matches.map((f) => fileButton(f, f.path, 0)) : render(tree, 0)}</div>
    </nav>
  );
}

function ProblemList({ problems, error, onOpen }: { problems: Problem[]; error?: string; onOpen(p: Problem): void }) {
  if (error) return <div className="banner error" role="alert">{error}</div>;
  if (!problems.length) return <div className="empty">No problems: every manifest matches its schema and passes the lint rules.</div>;
  return (
    <ul className="problem-list" aria-label="Problems">
      {problems.slice(0, 2000).map((p, i) => (
        <li key={`${p.file}:${p.line}:${p.rule}:${i}`}>
          <button className="problem-item" onClick={() => onOpen(p)} title={p.hint}>
            <span className={`sev-dot ${p.severity}`} aria-label={p.severity} />
            <span className="mono">{p.file}:{p.line}</span>
            <span className="tag">{p.rule}</span>
            <span className="ellipsis">{p.message}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

function RenderPanel({ info }: { info: WorkspaceInfo }) {
  const [dir, setDir] = useState(info.kustomizations.find((k) => /(^|\/)eks$/.test(k)) ?? info.kustomizations[0] ?? '');
  const render = useMutation({ mutationFn: () => api.manifests.render({ root: info.root, dir }) });
  if (!info.kustomizations.length) return <div className="empty">No kustomization.yaml in this workspace: nothing to render.</div>;
  return (
    <div className="render-panel">
      <form className="inline-field" onSubmit={(e) => (e.preventDefault(), render.mutate())}>
        <label>
          Kustomization{' '}
          <select value={dir} onChange={(e) => setDir(e.target.value)} aria-label="Kustomization to render">
            {info.kustomizations.map((k) => (
              <option key={k} value={k}>{k || '(root)'}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={render.isPending}>{render.isPending ? 'Rendering…' : 'Render'}</button>
        {render.data && <span className="muted small">{render.data.objects} objects · {render.data.tool}</span>}
      </form>
      {render.error && <div className="banner error" role="alert">{render.error.message}</div>}
      {render.data && <pre className="rendered mono" aria-label="Rendered manifests">{render.data.yaml}</pre>}
    </div>
  );
}
