import { useState, type FormEvent } from 'react';
import type { DriftItem } from '../../../shared/contract/gitops.ts';
import { cloudOfPath } from '../../../shared/manifests/workspace-model.ts';
import { useUi } from '../../app/ui-store.ts';
import { Banner, ErrorBanner } from '../../ui/Banner.tsx';
import { FolderGrantNote } from '../../ui/FolderGrantNote.tsx';
import { RemoteOption } from '../../ui/RemoteOption.tsx';
import { useClusters, useFolders, useOpenWorkspace } from '../../data/shared-queries.ts';
import { driftTargetKey, useDriftTargets } from './drift-targets.ts';
import { useDriftCheck, useSelfHeal } from './queries.ts';

/** A workspace overlay against a cluster: what drifted, the diff, and self-heal after confirmation. */
export function DriftPanel() {
  const workspacePath = useUi((s) => s.workspacePath);
  const clusters = useClusters();
  // only folders main granted (the command line, its dialog, a drop, the recent list): main refuses any other
  const folders = useFolders();
  const granted = folders.data?.folders ?? [];
  const [picked, setPicked] = useState<string>();
  // the folder picked here, else the one open on the Workspace screen, else the most recent
  const workspace = [picked, workspacePath].find((f) => f !== undefined && granted.includes(f)) ?? granted[0];
  const info = useOpenWorkspace(workspace, workspace !== undefined);
  const overlays = info.data?.kustomizations.filter((k) => k.split('/').includes('overlays') || cloudOfPath(k)) ?? [];
  const [overlay, setOverlay] = useState('');
  const chosenOverlay = overlays.includes(overlay) ? overlay : overlays[0] || '';
  const root = info.data?.root ?? '';
  const { targets, remember } = useDriftTargets();
  // the cluster chosen for this overlay before, else one of the overlay's cloud: overlays/eks → eks-lab
  const contexts = clusters.data?.clusters.filter((c) => !c.problem) ?? [];
  const saved = contexts.find((c) => c.context === targets[driftTargetKey(root, chosenOverlay)])?.context;
  const chosenContext = saved || contexts.find((c) => c.cloud === cloudOfPath(chosenOverlay))?.context || contexts[0]?.context || '';
  const [allowRemote, setAllowRemote] = useState(false);
  const input = { context: chosenContext, workspace: root, overlay: chosenOverlay, allowRemote };
  const check = useDriftCheck(input);
  const [healed, setHealed] = useState<{ applied: number; remaining: DriftItem[] }>();
  const heal = useSelfHeal(input, (result) => {
    check.reset();
    setHealed(result);
  });
  const [confirming, setConfirming] = useState(false);
  // a result (and a self-heal offered on it) belongs to the folder, overlay, cluster and option it was found with
  const changeTarget = (change: () => void) => {
    change();
    check.reset();
    heal.reset();
    setHealed(undefined);
    setConfirming(false);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setHealed(undefined);
    check.mutate();
  };
  const items = healed?.remaining ?? check.data;
  return (
    <div className="drift-panel">
      <form className="inline-field drift-form" onSubmit={submit}>
        <label>
          Workspace{' '}
          <select className="mono" aria-label="Workspace folder" value={workspace ?? ''} disabled={!granted.length} onChange={(e) => changeTarget(() => setPicked(e.target.value))}>
            {granted.map((f) => (
              <option key={f} value={f}>{f}</option>
            ))}
          </select>
        </label>
        <label>
          Overlay{' '}
          <select aria-label="Overlay" value={chosenOverlay} onChange={(e) => changeTarget(() => setOverlay(e.target.value))}>
            {overlays.map((o) => (
              <option key={o} value={o}>{o}</option>
            ))}
          </select>
        </label>
        <label>
          Cluster{' '}
          <select aria-label="Cluster" value={chosenContext} onChange={(e) => changeTarget(() => remember(root, chosenOverlay, e.target.value))}>
            {contexts.map((c) => (
              <option key={c.context} value={c.context}>{c.context}</option>
            ))}
          </select>
        </label>
        <RemoteOption allowed={allowRemote} onChange={(allowed) => changeTarget(() => setAllowRemote(allowed))} />
        <button type="submit" className="primary" disabled={!info.data || !chosenOverlay || !chosenContext || check.isPending}>{check.isPending ? 'Comparing…' : 'Check drift'}</button>
      </form>
      {folders.data && (
        <>
          {!granted.length && <div className="empty">No workspace folder is open yet.</div>}
          <FolderGrantNote dialog={folders.data.dialog} />
        </>
      )}
      <ErrorBanner error={folders.error} />
      <ErrorBanner error={info.error} />
      <ErrorBanner error={check.error ?? heal.error} />
      {healed && <Banner tone="ok">Applied {healed.applied} objects from {input.overlay} to {input.context}.</Banner>}
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
