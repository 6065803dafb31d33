import { useDeferredValue, useMemo, useState, type DragEvent } from 'react';
import type { DesktopBridge, WorkspaceEntry, WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import { crossFileRules, type Problem } from '../../../shared/manifests/lint.ts';
import { useUi, type WorkspacePanel } from '../../app/ui-store.ts';
import { useFolders, useOpenWorkspace } from '../../data/shared-queries.ts';
import { FolderGrantNote } from '../../ui/FolderGrantNote.tsx';
import { RemoteOption } from '../../ui/RemoteOption.tsx';
import { useDrafts } from './drafts.ts';
import { GitPanel } from './GitPanel.tsx';
import { ManifestEditor } from './ManifestEditor.tsx';
import { OverlayCompare } from './OverlayCompare.tsx';
import { useChooseFolder, useProblems, useRender, useScaffold, useSchemas, useWorkspaceRefresh } from './queries.ts';

declare global {
  interface Window {
    /** set by the Electron preload beside `fleetdeck`: a dropped folder is granted by its path */
    fleetdeckDesktop?: DesktopBridge;
  }
}

export function WorkspaceScreen() {
  const workspacePath = useUi((s) => s.workspacePath);
  const setWorkspacePath = useUi((s) => s.setWorkspacePath);
  const refresh = useWorkspaceRefresh();
  const workspace = useOpenWorkspace(workspacePath);
  const folders = useFolders();
  const [scaffolding, setScaffolding] = useState(false);
  const [dropping, setDropping] = useState(false);
  const [dropError, setDropError] = useState<string>();
  const opened = (info: WorkspaceInfo) => {
    refresh.opened(info);
    setWorkspacePath(info.root);
  };
  const choose = useChooseFolder(opened);
  // a folder dropped on the desktop window is granted by main through the preload; a browser gives no path
  const drop = async (e: DragEvent) => {
    if (e.defaultPrevented || !e.dataTransfer.files.length) return;
    e.preventDefault();
    setDropping(false);
    setDropError(undefined);
    const desktop = window.fleetdeckDesktop;
    if (!desktop) return setDropError('A dropped folder opens in the desktop app only: start the web shell with --workspace DIR to open a folder here.');
    const result = await desktop.grantDroppedFolder(e.dataTransfer.files[0]);
    if (!result.ok) return setDropError(result.error.message);
    refresh.opened();
    setWorkspacePath(result.value as string);
  };
  return (
    <section
      className={`screen workspace ${dropping ? 'dropping' : ''}`}
      aria-labelledby="workspace-title"
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDropping(true);
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDropping(false)}
      onDrop={(e) => void drop(e)}
    >
      <header className="screen-header">
        <h1 id="workspace-title">Workspace</h1>
        {workspace.data && (
          <span className="muted">
            {workspace.data.sample ? 'sample workspace · ' : ''}
            <span className="mono">{workspace.data.root}</span>
          </span>
        )}
        <div className="spacer" />
        <label className="inline-field">
          Folder
          <select aria-label="Open a workspace folder" value={workspace.data?.root ?? ''} onChange={(e) => setWorkspacePath(e.target.value)}>
            {workspace.data && !folders.data?.folders.includes(workspace.data.root) && <option value={workspace.data.root}>{workspace.data.root}</option>}
            {folders.data?.folders.map((f) => (
              <option key={f} value={f}>{f}</option>
            ))}
          </select>
        </label>
        {folders.data?.dialog && (
          <button onClick={() => choose.mutate()} disabled={choose.isPending}>
            Open folder…
          </button>
        )}
        <button onClick={() => setScaffolding(true)}>New repository…</button>
      </header>
      {folders.data && !folders.data.dialog && <FolderGrantNote dialog={false} />}
      {dropError && <div className="banner error" role="alert">{dropError}</div>}
      {choose.error && <div className="banner error" role="alert">{choose.error.message}</div>}
      {workspace.error && <div className="banner error" role="alert">{workspace.error.message}</div>}
      {workspace.isPending && <div className="empty">Opening the workspace…</div>}
      {workspace.data && <WorkspaceBody info={workspace.data} />}
      {scaffolding && <ScaffoldDialog current={workspace.data} onClose={() => setScaffolding(false)} onCreated={opened} />}
    </section>
  );
}

type Destination = 'new-folder' | 'dialog' | 'open-folder';

/** A new repository goes where main puts it: a new folder of Fleetdeck's, main's dialog, or the open folder when it is empty. */
function ScaffoldDialog({ current, onClose, onCreated }: { current?: WorkspaceInfo; onClose(): void; onCreated(info: WorkspaceInfo): void }) {
  const folders = useFolders();
  const [into, setInto] = useState<Destination>('new-folder');
  const [name, setName] = useState('');
  const emptyFolder = current && !current.sample && current.files.length === 0 ? current.root : undefined;
  const scaffold = useScaffold({ into: into === 'open-folder' ? emptyFolder! : into, ...(name.trim() ? { name: name.trim() } : {}) }, (info) => {
    onCreated(info);
    onClose();
  });
  const choice = (value: Destination, label: React.ReactNode) => (
    <label className="check">
      <input type="radio" name="scaffold-into" checked={into === value} onChange={() => setInto(value)} /> {label}
    </label>
  );
  return (
    <div className="backdrop" role="presentation" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <form className="dialog" role="dialog" aria-modal aria-labelledby="scaffold-title" onSubmit={(e) => (e.preventDefault(), scaffold.mutate())}>
        <h2 id="scaffold-title">New multi-cloud GitOps repository</h2>
        <p className="muted">A base, overlays for AKS, GKE and EKS (storage class, load balancer and ingress patches), Argo CD and Flux wiring, default-deny NetworkPolicies and a CI workflow.</p>
        <label className="field">
          Application name
          <input className="filter mono" autoFocus value={name} onChange={(e) => setName(e.target.value)} placeholder={into === 'new-folder' ? 'e.g. payments' : 'from the folder name'} />
        </label>
        <fieldset className="field">
          <legend>Where</legend>
          {choice('new-folder', <>a new folder <span className="mono">{folders.data ? `${folders.data.newFolderParent}/${name.trim() || '<name>'}` : ''}</span></>)}
          {folders.data?.dialog && choice('dialog', 'a new or empty folder I choose…')}
          {emptyFolder && choice('open-folder', <>the open folder <span className="mono">{emptyFolder}</span></>)}
        </fieldset>
        {scaffold.error && <div className="banner error" role="alert">{scaffold.error.message}</div>}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={(into === 'new-folder' && !name.trim()) || scaffold.isPending}>{scaffold.isPending ? 'Creating…' : 'Create'}</button>
        </div>
      </form>
    </div>
  );
}

function WorkspaceBody({ info }: { info: WorkspaceInfo }) {
  const openFile = useUi((s) => s.openFile);
  const openWorkspaceFile = useUi((s) => s.openWorkspaceFile);
  const workspacePanel = useUi((s) => s.workspacePanel);
  const setWorkspacePanel = useUi((s) => s.setWorkspacePanel);
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
  const [allowRemote, setAllowRemote] = useState(false);
  const render = useRender({ root: info.root, dir, allowRemote });
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
        <RemoteOption allowed={allowRemote} onChange={setAllowRemote} />
        <button type="submit" className="primary" disabled={render.isPending}>{render.isPending ? 'Rendering…' : 'Render'}</button>
        {render.data && <span className="muted small">{render.data.objects} objects · {render.data.tool}</span>}
      </form>
      {render.error && <div className="banner error" role="alert">{render.error.message}</div>}
      {render.data && <pre className="rendered mono" aria-label="Rendered manifests">{render.data.yaml}</pre>}
    </div>
  );
}
