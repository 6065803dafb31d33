import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { DriftItem } from '../../../shared/contract/gitops.ts';
import { cloudOfPath } from '../../../shared/manifests/workspace-model.ts';
import { useUi } from '../../app/ui-store.ts';
import { api } from '../../api.ts';
import { useClusters } from '../clusters/queries.ts';
import { driftTargetKey, useDriftTargets } from './drift-targets.ts';

/** A workspace overlay against a cluster: what drifted, the diff, and self-heal after confirmation. */
export function DriftPanel() {
  const { workspacePath } = useUi();
  const clusters = useClusters();
  // the folder is opened once typed (on leaving the field or Enter), not for every partial path
  const [typed, setTyped] = useState(workspacePath ?? '');
  const [workspace, setWorkspace] = useState(typed);
  const pending = typed.trim() !== workspace;
  const info = useQuery({ queryKey: ['gitops', 'drift-workspace', workspace], queryFn: () => api.manifests.open({ path: workspace || undefined }), retry: false });
  const overlays = info.data?.kustomizations.filter((k) => k.split('/').includes('overlays') || cloudOfPath(k)) ?? [];
  const [overlay, setOverlay] = useState('');
  const chosenOverlay = overlay || overlays[0] || '';
  const root = info.data?.root ?? '';
  const { targets, remember } = useDriftTargets();
  // the cluster chosen for this overlay before, else one of the overlay's cloud: overlays/eks → eks-lab
  const contexts = clusters.data?.clusters.filter((c) => !c.problem) ?? [];
  const saved = contexts.find((c) => c.context === targets[driftTargetKey(root, chosenOverlay)])?.context;
  const chosenContext = saved || contexts.find((c) => c.cloud === cloudOfPath(chosenOverlay))?.context || contexts[0]?.context || '';
  const input = { context: chosenContext, workspace: root, overlay: chosenOverlay };
  const check = useMutation({ mutationFn: () => api.gitops.drift(input) });
  const [healed, setHealed] = useState<{ applied: number; remaining: DriftItem[] }>();
  const heal = useMutation({
    mutationFn: () => api.gitops.selfHeal(input),
    onSuccess: (result) => {
      check.reset();
      setHealed(result);
    },
  });
  const [confirming, setConfirming] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (pending) return setWorkspace(typed.trim());
    setHealed(undefined);
    check.mutate();
  };
  const items = healed?.remaining ?? check.data;
  return (
    <div className="drift-panel">
      <form className="inline-field drift-form" onSubmit={submit}>
        <label>
          Workspace <input className="filter mono" aria-label="Workspace folder" placeholder={info.data?.root ?? '/path/to/gitops-repo'} value={typed} onChange={(e) => setTyped(e.target.value)} onBlur={() => setWorkspace(typed.trim())} />
        </label>
        <label>
          Overlay{' '}
          <select aria-label="Overlay" value={chosenOverlay} onChange={(e) => setOverlay(e.target.value)}>
            {overlays.map((o) => (
              <option key={o} value={o}>{o}</option>
            ))}
          </select>
        </label>
        <label>
          Cluster{' '}
          <select aria-label="Cluster" value={chosenContext} onChange={(e) => remember(root, chosenOverlay, e.target.value)}>
            {contexts.map((c) => (
              <option key={c.context} value={c.context}>{c.context}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={pending || !info.data || !chosenOverlay || !chosenContext || check.isPending}>{check.isPending ? 'Comparing…' : 'Check drift'}</button>
      </form>
      {info.error && <div className="banner error" role="alert">{info.error.message}</div>}
      {(check.error ?? heal.error) && <div className="banner error" role="alert">{(check.error ?? heal.error)!.message}</div>}
      {healed && <div className="banner" role="status">Applied {healed.applied} objects from {input.overlay} to {input.context}.</div>}
      {items && items.length === 0 && <div className="empty" role="status">No drift: {input.context} matches {input.overlay}.</div>}
      {items && items.length > 0 && (
        <>
          <div className="inline-field">
            <span className="strong">{items.length} drifted objects</span>
            {!confirming ? (
              <button onClick={() => setConfirming(true)} disabled={heal.isPending}>Self-heal…</button>
            ) : (
              <span className="inline-field" role="group" aria-label="Confirm self-heal">
                Apply {input.overlay} to {input.context} with server-side apply? Extra objects are left alone.
                <button className="primary" onClick={() => (setConfirming(false), heal.mutate())}>Apply</button>
                <button onClick={() => setConfirming(false)}>Cancel</button>
              </span>
            )}
          </div>
          <ul className="drift-list" aria-label="Drift">
            {items.map((item) => (
              <li key={`${item.kind}/${item.namespace}/${item.name}`} className={`drift-item ${item.drift}`}>
                <span className={`tag drift-${item.drift}`}>{item.drift}</span> <span className="strong">{item.kind}</span> <span className="mono">{item.namespace ? `${item.namespace}/` : ''}{item.name}</span>
                {item.diff && (
                  <pre className="mono diff">
                    {item.diff.map((line) => (
                      <div key={line}>{line}</div>
                    ))}
                  </pre>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
