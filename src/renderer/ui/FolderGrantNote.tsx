/**
 * How another folder becomes one Fleetdeck may open: only main grants folders (the renderer cannot
 * name one), through its dialog or a drop on the desktop, through --workspace in the web shell.
 */
export function FolderGrantNote({ dialog }: { dialog: boolean }) {
  return (
    <p className="muted small">
      The folders listed are those Fleetdeck was started with or has opened before. To open another,{' '}
      {dialog ? (
        <>
          use <span className="strong">Open folder…</span> on the Workspace screen or drop the folder on the window.
        </>
      ) : (
        <>
          start the web shell with <span className="mono">--workspace DIR</span> (repeatable).
        </>
      )}
    </p>
  );
}
