import { useState, type DragEvent } from 'react';
import type { DesktopBridge, WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import { useUi } from '../../app/ui-store.ts';
import { useFolders, useOpenWorkspace } from '../../data/shared-queries.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { FolderGrantNote } from '../../ui/FolderGrantNote.tsx';
import { ScreenHeader } from '../../ui/ScreenHeader.tsx';
import { useChooseFolder, useWorkspaceRefresh } from './queries.ts';
import { ScaffoldDialog } from './ScaffoldDialog.tsx';
import { WorkspaceBody } from './WorkspaceBody.tsx';

declare global {
  interface Window {
    /** set by the Electron preload beside `fleetdeck`: a dropped folder is granted by its path */
    fleetdeckDesktop?: DesktopBridge;
  }
}

/** The GitOps repository on disk: its files, the editor, problems, renders, overlay comparison and Git. */
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
      <ScreenHeader
        id="workspace-title"
        title="Workspace"
        summary={
          workspace.data && (
            <>
              {workspace.data.sample ? 'sample workspace · ' : ''}
              <span className="mono">{workspace.data.root}</span>
            </>
          )
        }
      >
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
      </ScreenHeader>
      {folders.data && !folders.data.dialog && <FolderGrantNote dialog={false} />}
      <ErrorBanner error={dropError} />
      <ErrorBanner error={choose.error} />
      <ErrorBanner error={workspace.error} />
      {workspace.isPending && <EmptyState>Opening the workspace…</EmptyState>}
      {workspace.data && <WorkspaceBody info={workspace.data} />}
      {scaffolding && <ScaffoldDialog current={workspace.data} onClose={() => setScaffolding(false)} onCreated={opened} />}
    </section>
  );
}
