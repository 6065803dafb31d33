import { useState } from 'react';
import type { GitOpsAction } from '../../../shared/gitops/actions.ts';
import { actionProblem } from '../../../shared/gitops/actions.ts';
import { kindInfo, type GitOpsApp } from '../../../shared/gitops/status.ts';
import { isWorkloadKind } from '../../../shared/kube-object.ts';
import { useUi } from '../../app/ui-store.ts';
import { Banner, ErrorBanner } from '../../ui/Banner.tsx';
import { age } from '../../ui/format.ts';
import { useGitOpsAction } from './queries.ts';
import { keyOf, toneOf } from './rows.ts';

const actionsFor = (app: GitOpsApp): GitOpsAction[] => (kindInfo(app.kind).tool === 'argo' ? ['sync', 'refresh'] : app.suspended ? ['resume'] : ['reconcile', 'suspend']);
const actionLabel = (app: GitOpsApp, action: GitOpsAction) =>
  ({ sync: app.kind === 'ApplicationSet' ? `Sync its ${app.resources.length} Application${app.resources.length === 1 ? '' : 's'}` : 'Sync', refresh: 'Refresh', reconcile: 'Reconcile', suspend: 'Suspend', resume: 'Resume' })[action];

export function GitOpsDetail({ app, onClose, onOpen }: { app: GitOpsApp; onClose(): void; onOpen(key: string): void }) {
  const setBrowse = useUi((s) => s.setBrowse);
  const setScreen = useUi((s) => s.setScreen);
  const act = useGitOpsAction();
  const [prune, setPrune] = useState(false);
  const [withSource, setWithSource] = useState(true);
  const run = (action: GitOpsAction, hard = false) =>
    act.mutate({ context: app.context, kind: app.kind, namespace: app.namespace, name: app.name, action, prune, hard, withSource: action === 'reconcile' && ['Kustomization', 'HelmRelease'].includes(app.kind) ? withSource : undefined, timeoutSeconds: 15 });
  return (
    <aside className="panel gitops-detail" aria-label={`${app.kind} ${app.name}`}>
      <div className="card-head">
        <h2>{app.name} <span className="muted small">{app.kind} · {app.context} · {app.namespace}{app.attention === 'suspended' ? ' · suspended' : ''}</span></h2>
        <div className="spacer" />
        <button onClick={onClose} aria-label="Close">✕</button>
      </div>
      <div className="mono small">
        {[app.source.repo, app.source.path, app.source.chart].filter(Boolean).join(' · ')}
        {app.source.targetRevision ? ` @ ${app.source.targetRevision}` : ''}
        {app.revision ? <div className="muted">revision {app.revision}{app.lastAppliedAt ? `, applied ${age(app.lastAppliedAt)} ago` : ''}</div> : null}
      </div>
      {app.message && <div className={`banner ${app.attention === 'failing' ? 'error' : 'warning'}`}>{app.message}</div>}
      {app.forbidden && <div className="muted small" role="note">Read only: {app.forbidden}</div>}
      <div className="actions">
        {actionsFor(app).map((action) => (
          <span key={action} className="inline-field">
            <button onClick={() => run(action)} title={app.forbidden} disabled={act.isPending || !!app.forbidden || !!actionProblem(app.kind, action, { spec: { suspend: app.suspended } })}>
              {actionLabel(app, action)}
            </button>
            {action === 'refresh' && app.kind === 'Application' && <button onClick={() => run('refresh', true)} title={app.forbidden} disabled={act.isPending || !!app.forbidden}>Hard refresh</button>}
            {action === 'sync' && (
              <label className="check"><input type="checkbox" checked={prune} disabled={!!app.forbidden} onChange={(e) => setPrune(e.target.checked)} /> prune</label>
            )}
            {action === 'reconcile' && ['Kustomization', 'HelmRelease'].includes(app.kind) && (
              <label className="check"><input type="checkbox" checked={withSource} disabled={!!app.forbidden} onChange={(e) => setWithSource(e.target.checked)} /> source first</label>
            )}
          </span>
        ))}
      </div>
      {act.isPending && <div className="muted small" role="status">Written; waiting for the controller to act…</div>}
      <ErrorBanner error={act.error} />
      {act.data && <Banner tone={act.data.settled ? 'ok' : 'warning'}>{act.data.message}</Banner>}
      <h3 className="small">Conditions</h3>
      {app.conditions.length === 0 && <div className="muted small">none reported</div>}
      {app.conditions.map((c) => (
        <div key={c.type} className="small"><span className="strong">{c.type}</span> {c.status}{c.reason ? ` · ${c.reason}` : ''}{c.message ? ` — ${c.message}` : ''} <span className="muted">{age(c.lastTransitionTime)}</span></div>
      ))}
      <h3 className="small">Managed resources ({app.resources.length})</h3>
      {app.resources.map((r) => (
        <div key={`${r.group}/${r.kind}/${r.namespace}/${r.name}`} className="small">
          {r.namespace && (isWorkloadKind(r.kind) || r.kind === 'Namespace') ? (
            <button
              className="link"
              onClick={() => {
                setBrowse({ context: app.context, namespace: r.kind === 'Namespace' ? r.name : r.namespace, ...(isWorkloadKind(r.kind) ? { workload: { kind: r.kind, name: r.name } } : {}) });
                setScreen('fleet');
              }}
            >
              {r.kind}/{r.namespace}/{r.name}
            </button>
          ) : r.kind === 'Application' && r.group === 'argoproj.io' && r.namespace ? (
            <button className="link" onClick={() => onOpen(keyOf({ context: app.context, kind: 'Application', namespace: r.namespace!, name: r.name }))}>
              Application/{r.namespace}/{r.name}
            </button>
          ) : (
            <span>{r.kind}/{r.namespace ? `${r.namespace}/` : ''}{r.name}</span>
          )}
          {r.status && <span className={`status ${toneOf(r.status)}`}> {r.status}</span>} {r.health && <span className={`status ${toneOf(r.health)}`}>{r.health}</span>}
        </div>
      ))}
      <h3 className="small">History</h3>
      {app.history.length === 0 && <div className="muted small">none reported</div>}
      {app.history.map((h, i) => (
        <div key={i} className="small mono">{h.revision} <span className="muted">{age(h.at)}</span></div>
      ))}
    </aside>
  );
}
