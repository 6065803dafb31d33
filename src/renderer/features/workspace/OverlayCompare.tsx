import { useState } from 'react';
import type { WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import type { ObjectComparison } from '../../../shared/manifests/overlay-diff.ts';
import { cloudOfPath } from '../../../shared/manifests/workspace-model.ts';
import { RemoteOption } from '../../ui/RemoteOption.tsx';
import { useCompareOverlays } from './queries.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';

/** The rendered overlays side by side, one object at a time, with the differing lines marked. */
export function OverlayCompare({ info }: { info: WorkspaceInfo }) {
  const candidates = info.kustomizations.filter((k) => k.split('/').includes('overlays') || cloudOfPath(k));
  const [chosen, setChosen] = useState<string[]>(() => {
    const clouds = candidates.filter((k) => cloudOfPath(k));
    return (clouds.length >= 2 ? clouds : candidates).slice(0, 3);
  });
  const [onlyDifferent, setOnlyDifferent] = useState(true);
  const [allowRemote, setAllowRemote] = useState(false);
  const compare = useCompareOverlays({ root: info.root, overlays: chosen, allowRemote });
  if (candidates.length < 2) return <div className="empty">Comparing needs two overlays (folders under overlays/ with a kustomization).</div>;
  const toggle = (k: string) => setChosen((c) => (c.includes(k) ? c.filter((x) => x !== k) : [...c, k].slice(-6)));
  const objects = compare.data?.objects.filter((o) => !onlyDifferent || o.differences.length || o.yaml.some((y) => !y)) ?? [];
  return (
    <div className="compare-panel">
      <form className="inline-field" onSubmit={(e) => (e.preventDefault(), compare.mutate())}>
        {candidates.map((k) => (
          <label key={k} className="check">
            <input type="checkbox" checked={chosen.includes(k)} onChange={() => toggle(k)} /> {k}
          </label>
        ))}
        <label className="check">
          <input type="checkbox" checked={onlyDifferent} onChange={(e) => setOnlyDifferent(e.target.checked)} /> only objects that differ
        </label>
        <RemoteOption allowed={allowRemote} onChange={setAllowRemote} />
        <button type="submit" className="primary" disabled={chosen.length < 2 || compare.isPending}>{compare.isPending ? 'Rendering…' : 'Compare'}</button>
      </form>
      <ErrorBanner error={compare.error} />
      {compare.data && (
        <div className="compare-legend muted small">
          {compare.data.objects.length} objects · <span className="diff-cloud">per-cloud setting</span> <span className="diff-other">other difference</span>
        </div>
      )}
      {objects.map((o) => (
        <ObjectColumns key={`${o.kind}/${o.namespace}/${o.name}`} overlays={compare.data!.overlays} object={o} />
      ))}
    </div>
  );
}

function ObjectColumns({ overlays, object }: { overlays: string[]; object: ObjectComparison }) {
  const cloudSpecific = object.differences.filter((d) => d.cloudSpecific).length;
  return (
    <section className="compare-object" aria-label={`${object.kind} ${object.name}`}>
      <h3>
        {object.kind} <span className="mono">{object.namespace ? `${object.namespace}/` : ''}{object.name}</span>
        <span className="muted small"> · {object.differences.length} differing fields{cloudSpecific ? `, ${cloudSpecific} per cloud` : ''}</span>
      </h3>
      <div className="compare-columns" style={{ gridTemplateColumns: `repeat(${overlays.length}, minmax(0, 1fr))` }}>
        {overlays.map((overlay, i) => {
          const marks = new Map<number, boolean>();
          for (const d of object.differences) {
            const line = d.lines[i];
            if (line) marks.set(line, (marks.get(line) ?? false) || d.cloudSpecific);
          }
          const cloud = cloudOfPath(overlay);
          return (
            <div key={overlay} className="compare-column">
              <div className="compare-head">
                {cloud && <span className={`cloud-badge ${cloud}`}>{cloud.toUpperCase()}</span>} <span className="mono">{overlay}</span>
              </div>
              {object.yaml[i] === undefined ? (
                <div className="muted pad">not in this overlay</div>
              ) : (
                <pre className="mono compare-yaml">
                  {object.yaml[i]!.trimEnd().split('\n').map((text, j) => {
                    const mark = marks.get(j + 1);
                    return (
                      <div key={j} className={mark === undefined ? undefined : mark ? 'diff-cloud' : 'diff-other'}>
                        {text || ' '}
                      </div>
                    );
                  })}
                </pre>
              )}
            </div>
          );
        })}
      </div>
    </section>
  );
}
