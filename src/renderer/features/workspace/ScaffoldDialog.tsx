import { useState, type ReactNode } from 'react';
import type { WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import { useFolders } from '../../data/shared-queries.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { useScaffold } from './queries.ts';

type Destination = 'new-folder' | 'dialog' | 'open-folder';

/** A new repository goes where main puts it: a new folder of Fleetdeck's, main's dialog, or the open folder when it is empty. */
export function ScaffoldDialog({ current, onClose, onCreated }: { current?: WorkspaceInfo; onClose(): void; onCreated(info: WorkspaceInfo): void }) {
  const folders = useFolders();
  const [into, setInto] = useState<Destination>('new-folder');
  const [name, setName] = useState('');
  const emptyFolder = current && !current.sample && current.files.length === 0 ? current.root : undefined;
  const scaffold = useScaffold({ into: into === 'open-folder' ? emptyFolder! : into, ...(name.trim() ? { name: name.trim() } : {}) }, (info) => {
    onCreated(info);
    onClose();
  });
  const choice = (value: Destination, label: ReactNode) => (
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
        <ErrorBanner error={scaffold.error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={(into === 'new-folder' && !name.trim()) || scaffold.isPending}>{scaffold.isPending ? 'Creating…' : 'Create'}</button>
        </div>
      </form>
    </div>
  );
}
