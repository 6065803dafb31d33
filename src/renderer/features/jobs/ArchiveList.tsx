import { useArchives } from './queries.ts';

/** The archives of the backups folder, each with a way into the restore dialog. */
export function ArchiveList({ onRestore }: { onRestore(file: string): void }) {
  const archives = useArchives();
  if (!archives.data?.length) return null;
  return (
    <details className="panel-form" aria-label="Archives">
      <summary className="small strong">Archives ({archives.data.length})</summary>
      {archives.data.map((a) => (
        <div key={a.file} className="archive-row small">
          <span className="mono ellipsis" title={a.file}>
            {a.file}
          </span>
          <div className="task-line">
            <span className="muted">
              {a.total} objects · {a.source.context}
              {a.needsPassphrase ? ' · passphrase (CLI)' : ''}
              {a.signed ? '' : ' · unsigned'}
            </span>
            <div className="spacer" />
            <button disabled={a.needsPassphrase} aria-label={`Restore ${a.file}…`} onClick={() => onRestore(a.file)}>
              Restore…
            </button>
          </div>
        </div>
      ))}
    </details>
  );
}
