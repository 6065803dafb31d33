/** Rendering is offline: remote resources and bases are fetched only when the user says so. */
export function RemoteOption({ allowed, onChange }: { allowed: boolean; onChange(allowed: boolean): void }) {
  return (
    <label className="check" title="Let kustomize fetch remote resources and bases (URLs, git repositories) over the network">
      <input type="checkbox" checked={allowed} onChange={(e) => onChange(e.target.checked)} /> fetch remote resources
    </label>
  );
}
