import { EditorSelection, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import type { WorkspaceEntry } from '../../../shared/contract/manifests.ts';
import type { Problem } from '../../../shared/manifests/lint.ts';
import type { SchemaBundle } from '../../../shared/manifests/schema.ts';
import { CloudBadge } from '../../ui/Badge.tsx';
import { Banner } from '../../ui/Banner.tsx';
import { useDrafts } from './drafts.ts';
import { manifestExtensions } from './editor-extensions.ts';
import { manifestFiles } from './queries.ts';
import { useAutosave } from './useAutosave.ts';

/**
 * One file in CodeMirror with autosave (useAutosave): a failed or refused write (the file changed
 * on disk) keeps the draft and says so, with the choice to reload or to keep the edits.
 */
export function ManifestEditor(props: { root: string; file: WorkspaceEntry; bundle: SchemaBundle; reveal?: { line: number; nonce: number }; onSaved: () => void; onProblems: (problems: Problem[]) => void }) {
  const { root, file, bundle, reveal } = props;
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>(undefined);
  const onProblems = useRef(props.onProblems);
  onProblems.current = props.onProblems;
  const draftKey = `${root}\0${file.path}`;
  const { autosave, status, setStatus } = useAutosave(root, file.path, props.onSaved);

  useEffect(() => {
    let closed = false;
    const saver = autosave.current!;
    setStatus({ state: 'loading' });
    manifestFiles.read(root, file.path).then(
      ({ text, version }) => {
        if (closed) return;
        saver.opened(version);
        const draft = useDrafts.getState().drafts[draftKey];
        const extensions = manifestExtensions({
          file,
          bundle,
          onChange: (changed) => {
            useDrafts.getState().edited(draftKey, changed);
            saver.edit(changed);
          },
          onSave: () => saver.flush(),
          onProblems: (problems) => onProblems.current(problems),
        });
        view.current = mountEditor(host.current!, EditorState.create({ doc: draft ?? text, extensions }));
        // a draft that did not reach the disk last time is restored, and saved again
        if (draft !== undefined && draft !== text) saver.edit(draft);
        else setStatus({ state: 'saved' });
      },
      (error: Error) => !closed && setStatus({ state: 'failed', message: error.message, conflict: false }),
    );
    return () => {
      closed = true;
      view.current?.destroy();
      view.current = undefined;
    };
    // a new file path or root recreates the editor; the file's context is read at creation
  }, [root, file.path, bundle]);

  useEffect(() => {
    const v = view.current;
    if (!v || !reveal) return;
    const line = v.state.doc.line(Math.min(Math.max(reveal.line, 1), v.state.doc.lines));
    v.dispatch({ selection: EditorSelection.cursor(line.from), effects: EditorView.scrollIntoView(line.from, { y: 'center' }) });
    v.focus();
  }, [reveal, status.state === 'loading']);

  const reload = async () => {
    const { text, version } = await manifestFiles.read(root, file.path);
    view.current?.dispatch({ changes: { from: 0, to: view.current.state.doc.length, insert: text } });
    // that replacement reads as an edit: what is already on disk needs no save
    autosave.current?.reloaded(version);
    useDrafts.getState().saved(draftKey, text);
  };
  const keepMine = () => {
    const text = view.current?.state.doc.toString();
    if (text !== undefined) autosave.current?.overwrite(text);
  };

  return (
    <div className="editor-pane">
      <div className="editor-bar">
        <span className="mono strong">{file.path}</span>
        {file.context.cloud && <CloudBadge cloud={file.context.cloud} />}
        <span className="tag">{file.context.role}{file.context.overlay ? ' · overlay' : ''}{file.context.production ? ' · production' : ''}</span>
        <div className="spacer" />
        <span className={`save-state ${status.state}`} role="status" aria-live="polite">
          {{ loading: 'Opening…', saved: 'Saved', unsaved: 'Unsaved changes', saving: 'Saving…', failed: 'Not saved' }[status.state]}
        </span>
      </div>
      {status.state === 'failed' && (
        <Banner
          tone="error"
          actions={
            status.conflict && (
              <>
                <button onClick={() => void reload()}>Reload from disk (drop my edits)</button>
                <button onClick={keepMine}>Keep mine (overwrite)</button>
              </>
            )
          }
        >
          {status.message}
        </Banner>
      )}
      <div className="editor-host" ref={host} />
    </div>
  );
}

/**
 * CodeMirror in a shadow root of `host`: its styles go in as a constructed style sheet, which the
 * strict CSP (no inline <style>) allows.
 */
function mountEditor(host: HTMLElement, state: EditorState): EditorView {
  const shadow = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  const parent = document.createElement('div');
  parent.style.height = '100%';
  shadow.replaceChildren(parent);
  return new EditorView({ parent, root: shadow, state });
}
