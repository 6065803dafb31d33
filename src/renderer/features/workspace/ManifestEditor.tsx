import { EditorSelection, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { useEffect, useRef, useState } from 'react';
import type { WorkspaceEntry } from '../../../shared/contract/manifests.ts';
import { FleetdeckError, messageOf } from '../../../shared/errors.ts';
import type { Problem } from '../../../shared/manifests/lint.ts';
import type { SchemaBundle } from '../../../shared/manifests/schema.ts';
import { api } from '../../api.ts';
import { useDrafts } from './drafts.ts';
import { manifestExtensions } from './editor-extensions.ts';

type SaveState = { state: 'loading' } | { state: 'saved' } | { state: 'unsaved' } | { state: 'saving' } | { state: 'failed'; message: string; conflict: boolean };

const AUTOSAVE_MS = 400;

/**
 * One file in CodeMirror with autosave: every edit is kept as a draft until main confirms the
 * crash-safe write; a failed or refused write (the file changed on disk) keeps the draft and says so.
 */
export function ManifestEditor(props: { root: string; file: WorkspaceEntry; bundle: SchemaBundle; reveal?: { line: number; nonce: number }; onSaved: () => void; onProblems: (problems: Problem[]) => void }) {
  const { root, file, bundle, reveal } = props;
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>(undefined);
  const [status, setStatus] = useState<SaveState>({ state: 'loading' });
  const callbacks = useRef(props);
  callbacks.current = props;
  const draftKey = `${root}\0${file.path}`;
  const saver = useRef<{ version?: string; pending?: string; timer?: ReturnType<typeof setTimeout>; saving: boolean; flush(): void; force(): void }>(undefined);

  useEffect(() => {
    let closed = false;
    const drafts = useDrafts.getState();
    const s: NonNullable<typeof saver.current> = { saving: false, flush: () => undefined, force: () => undefined };
    saver.current = s;
    const write = async (text: string, overwrite = false) => {
      s.saving = true;
      if (!closed) setStatus({ state: 'saving' });
      try {
        const { version } = await api.manifests.write({ root, path: file.path, text, version: overwrite ? undefined : s.version });
        s.version = version;
        useDrafts.getState().saved(draftKey, text);
        if (!closed) setStatus(s.pending === undefined ? { state: 'saved' } : { state: 'unsaved' });
        callbacks.current.onSaved();
      } catch (error) {
        if (!closed) setStatus({ state: 'failed', message: messageOf(error), conflict: error instanceof FleetdeckError && error.code === 'conflict' });
      } finally {
        s.saving = false;
        if (s.pending !== undefined && !closed) schedule();
      }
    };
    const run = () => {
      if (s.saving || s.pending === undefined) return;
      const text = s.pending;
      s.pending = undefined;
      void write(text);
    };
    const schedule = () => {
      clearTimeout(s.timer);
      s.timer = setTimeout(run, AUTOSAVE_MS);
    };
    s.flush = () => {
      clearTimeout(s.timer);
      run();
    };
    s.force = () => {
      const text = view.current?.state.doc.toString();
      if (text !== undefined) void write(text, true);
    };
    setStatus({ state: 'loading' });
    api.manifests.read({ root, path: file.path }).then(
      ({ text, version }) => {
        if (closed) return;
        s.version = version;
        const draft = drafts.drafts[draftKey];
        // in a shadow root CodeMirror's styles go in as a constructed style sheet, which the
        // strict CSP (no inline <style>) allows
        const shadow = host.current!.shadowRoot ?? host.current!.attachShadow({ mode: 'open' });
        const parent = document.createElement('div');
        parent.style.height = '100%';
        shadow.replaceChildren(parent);
        view.current = new EditorView({
          parent,
          root: shadow,
          state: EditorState.create({
            doc: draft ?? text,
            extensions: manifestExtensions({
              file,
              bundle,
              onChange: (changed) => {
                s.pending = changed;
                useDrafts.getState().edited(draftKey, changed);
                setStatus({ state: 'unsaved' });
                schedule();
              },
              onSave: () => s.flush(),
              onProblems: (problems) => callbacks.current.onProblems(problems),
            }),
          }),
        });
        // a draft that did not reach the disk last time is restored, and saved again
        if (draft !== undefined && draft !== text) {
          s.pending = draft;
          setStatus({ state: 'unsaved' });
          schedule();
        } else setStatus({ state: 'saved' });
      },
      (error: Error) => !closed && setStatus({ state: 'failed', message: error.message, conflict: false }),
    );
    return () => {
      closed = true;
      // leaving the file saves what was typed; the draft stays until the write is confirmed
      s.flush();
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
    const s = saver.current!;
    const { text, version } = await api.manifests.read({ root, path: file.path });
    s.version = version;
    view.current?.dispatch({ changes: { from: 0, to: view.current.state.doc.length, insert: text } });
    // that replacement reads as an edit: what is already on disk needs no save
    clearTimeout(s.timer);
    s.pending = undefined;
    useDrafts.getState().saved(draftKey, text);
    setStatus({ state: 'saved' });
  };

  return (
    <div className="editor-pane">
      <div className="editor-bar">
        <span className="mono strong">{file.path}</span>
        {file.context.cloud && <span className={`cloud-badge ${file.context.cloud}`}>{file.context.cloud.toUpperCase()}</span>}
        <span className="tag">{file.context.role}{file.context.overlay ? ' · overlay' : ''}{file.context.production ? ' · production' : ''}</span>
        <div className="spacer" />
        <span className={`save-state ${status.state}`} role="status" aria-live="polite">
          {{ loading: 'Opening…', saved: 'Saved', unsaved: 'Unsaved changes', saving: 'Saving…', failed: 'Not saved' }[status.state]}
        </span>
      </div>
      {status.state === 'failed' && (
        <div className="banner error" role="alert">
          {status.message}
          {status.conflict && (
            <span className="banner-actions">
              <button onClick={() => void reload()}>Reload from disk (drop my edits)</button>
              <button onClick={() => saver.current?.force()}>Keep mine (overwrite)</button>
            </span>
          )}
        </div>
      )}
      <div className="editor-host" ref={host} />
    </div>
  );
}
