import { useState } from 'react';
import type { WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import { RemoteOption } from '../../ui/RemoteOption.tsx';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { useRender } from './queries.ts';

/** A kustomization rendered by Kustomize, offline unless remote resources are allowed. */
export function RenderPanel({ info }: { info: WorkspaceInfo }) {
  const [dir, setDir] = useState(info.kustomizations.find((k) => /(^|\/)eks$/.test(k)) ?? info.kustomizations[0] ?? '');
  const [allowRemote, setAllowRemote] = useState(false);
  const render = useRender({ root: info.root, dir, allowRemote });
  if (!info.kustomizations.length) return <div className="empty">No kustomization.yaml in this workspace: nothing to render.</div>;
  return (
    <div className="render-panel">
      <form className="inline-field" onSubmit={(e) => (e.preventDefault(), render.mutate())}>
        <label>
          Kustomization{' '}
          <select value={dir} onChange={(e) => setDir(e.target.value)} aria-label="Kustomization to render">
            {info.kustomizations.map((k) => (
              <option key={k} value={k}>{k || '(root)'}</option>
            ))}
          </select>
        </label>
        <RemoteOption allowed={allowRemote} onChange={setAllowRemote} />
        <button type="submit" className="primary" disabled={render.isPending}>{render.isPending ? 'Rendering…' : 'Render'}</button>
        {render.data && <span className="muted small">{render.data.objects} objects · {render.data.tool}</span>}
      </form>
      <ErrorBanner error={render.error} />
      {render.data && <pre className="rendered mono" aria-label="Rendered manifests">{render.data.yaml}</pre>}
    </div>
  );
}
