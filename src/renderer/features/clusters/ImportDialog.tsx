import { useEffect, useRef, useState } from 'react';
import { Banner } from '../../ui/Banner.tsx';
import { useImport } from './queries.ts';

/** Reads the files as text and imports each; returns a line per file. */
export async function importFiles(files: FileList | File[], importOne: (input: { yaml: string; origin: string }) => Promise<{ contexts: string[] }>): Promise<string[]> {
  const lines: string[] = [];
  for (const file of Array.from(files)) {
    try {
      const { contexts } = await importOne({ yaml: await file.text(), origin: file.name });
      lines.push(`${file.name}: added ${contexts.join(', ')}`);
    } catch (error) {
      lines.push((error as Error).message);
    }
  }
  return lines;
}

export function ImportDialog({ onClose }: { onClose(): void }) {
  const [yaml, setYaml] = useState('');
  const [results, setResults] = useState<string[]>([]);
  const importer = useImport();
  const textarea = useRef<HTMLTextAreaElement>(null);
  useEffect(() => textarea.current?.focus(), []);
  useEffect(() => {
    // on the window: focus may have left the dialog (a button that became disabled)
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const importPasted = async () => {
    try {
      const { contexts } = await importer.mutateAsync({ yaml, origin: 'pasted' });
      setResults([`added ${contexts.join(', ')}`]);
      setYaml('');
    } catch (error) {
      setResults([(error as Error).message]);
    }
  };

  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="import-title">
        <h2 id="import-title">Add kubeconfig</h2>
        <p className="muted small">Imported kubeconfigs are stored encrypted in Fleetdeck's vault; credentials never reach this window again. You can also drop files anywhere on this screen.</p>
        <label className="field">
          <span>Files</span>
          <input type="file" multiple aria-label="Kubeconfig files" onChange={async (e) => e.target.files && setResults(await importFiles(e.target.files, importer.mutateAsync))} />
        </label>
        <label className="field">
          <span>Or paste YAML</span>
          <textarea ref={textarea} rows={10} spellCheck={false} className="mono" aria-label="Kubeconfig YAML" value={yaml} onChange={(e) => setYaml(e.target.value)} placeholder="apiVersion: v1&#10;kind: Config&#10;clusters: …" />
        </label>
        {results.map((r) => (
          <Banner key={r} tone={r.startsWith('added') || r.includes(': added ') ? 'ok' : 'error'}>
            {r}
          </Banner>
        ))}
        <div className="dialog-actions">
          <button onClick={onClose}>Close</button>
          <button className="primary" disabled={!yaml.trim() || importer.isPending} onClick={() => void importPasted()}>Import pasted YAML</button>
        </div>
      </div>
    </div>
  );
}
