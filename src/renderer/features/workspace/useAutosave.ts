import { useEffect, useRef, useState } from 'react';
import { Autosave, type SaveState } from './autosave.ts';
import { useDrafts } from './drafts.ts';
import { manifestFiles } from './queries.ts';

/**
 * The autosave of the file open in the editor and its state: one per file, every edit kept as a
 * draft until main confirms the crash-safe write; leaving the file writes what was typed.
 */
export function useAutosave(root: string, path: string, onSaved: () => void) {
  const [status, setStatus] = useState<SaveState>({ state: 'loading' });
  const autosave = useRef<Autosave>(undefined);
  const saved = useRef(onSaved);
  saved.current = onSaved;
  useEffect(() => {
    const draftKey = `${root}\0${path}`;
    const current = new Autosave({
      write: (text, version) => manifestFiles.write({ root, path, text, version }).then((r) => r.version),
      onState: setStatus,
      onSaved: (text) => {
        useDrafts.getState().saved(draftKey, text);
        saved.current();
      },
    });
    autosave.current = current;
    return () => current.close();
  }, [root, path]);
  return { autosave, status, setStatus };
}
