import { useMemo, useState } from 'react';
import type { WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import { crossFileRules, type Problem } from '../../../shared/manifests/lint.ts';
import { useUi, type WorkspacePanel } from '../../app/ui-store.ts';
import { Banner } from '../../ui/Banner.tsx';
import { useDrafts } from './drafts.ts';
import { FileTree } from './FileTree.tsx';
import { GitPanel } from './GitPanel.tsx';
import { ManifestEditor } from './ManifestEditor.tsx';
import { OverlayCompare } from './OverlayCompare.tsx';
import { ProblemList } from './ProblemList.tsx';
import { useProblems, useSchemas, useWorkspaceRefresh } from './queries.ts';
import { RenderPanel } from './RenderPanel.tsx';

/** An open workspace: the file tree, the editor, and the panel below it. */
export function WorkspaceBody({ info }: { info: WorkspaceInfo }) {
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
        {drafts > 0 && (
          <Banner tone="warning">
            {drafts} file{drafts === 1 ? ' has' : 's have'} edits not yet written to disk; they are kept and saved when the file is opened.
          </Banner>
        )}
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
