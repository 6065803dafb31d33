import { useDeferredValue, useMemo, useState } from 'react';
import type { GitOpsAction } from '../../../shared/gitops/actions.ts';
import { actionProblem } from '../../../shared/gitops/actions.ts';
import { kindInfo, type GitOpsApp } from '../../../shared/gitops/status.ts';
import { useClusterColor } from '../../app/cluster-color.ts';
import { useUi } from '../../app/ui-store.ts';
import { useClusters } from '../../data/shared-queries.ts';
import { age } from '../fleet/FleetScreen.tsx';
import { DriftPanel } from './DriftPanel.tsx';
import { useGitOpsAction, useGitOpsStatus } from './queries.ts';

type Tool = 'all' | 'argo' | 'flux';
const keyOf = (a: Pick<GitOpsApp, 'context' | 'kind' | 'namespace' | 'name'>) => `${a.context}/${a.kind}/${a.namespace}/${a.name}`;
const tone = (value: string) => (/^(Synced|Ready|Healthy|Current)$/.test(value) ? 'ok' : /^(OutOfSync|NotReady|Degraded|Failed|Missing)$/.test(value) ? 'failed' : /^(Suspended)$/.test(value) ? 'idle' : 'pending');

/** The columns the table sorts by (ascending, descending, then back); "attention" is the service's order: what needs a look first. */
const sorters = {
  attention: undefined,
  name: (a: GitOpsApp) => a.name,
  cluster: (a: GitOpsApp) => a.context,
  sync: (a: GitOpsApp) => a.sync,
  health: (a: GitOpsApp) => a.health,
  applied: (a: GitOpsApp) => a.lastAppliedAt ?? '',
} satisfies Record<string, ((a: GitOpsApp) => string) | undefined>;
type SortKey = keyof typeof sorters;

export function GitOpsScreen() {
  const status = useGitOpsStatus();
  const clusterColor = useClusterColor();
  const clusters = useClusters();
  const cloudOf = (context: string) => clusters.data?.clusters.find((c) => c.context === context)?.cloud ?? 'other';
  const [filter, setFilter] = useState('');
  const [tool, setTool] = useState<Tool>('all');
  const [attention, setAttention] = useState(false);
  const [selected, setSelected] = useState<string>();
  const [view, setView] = useState<'apps' | 'drift'>('apps');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'attention', descending: false });
  const deferred = useDeferredValue(filter.trim().toLowerCase());
  const apps = useMemo(() => {
    const shown = (status.data?.apps ?? []).filter(
      (a) =>
        (tool === 'all' || kindInfo(a.kind).tool === tool) &&
        (!attention || !/^(Synced|Ready)$/.test(a.sync) || !/^(Healthy|Current)$/.test(a.health)) &&
        (!deferred || [a.name, a.namespace, a.context, a.kind, a.source.repo, a.source.path, a.message].some((v) => v?.toLowerCase().includes(deferred))),
    );
    const by = sorters[sort.key];
    if (by) shown.sort((x, y) => by(x).localeCompare(by(y)));
    return sort.descending ? shown.reverse() : shown;
  }, [status.data, tool, attention, deferred, sort]);
  const header = (key: SortKey, label: string) => (
    <th aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button className="link" onClick={() => setSort((s) => (s.key !== key ? { key, descending: false } : !s.descending ? { key, descending: true } : { key: 'attention', descending: false }))}>
        {label}
        {sort.key === key ? (sort.descending ? ' ▾' : ' ▴') : ''}
      </button>
    </th>
  );
  const current = status.data?.apps.find((a) => keyOf(a) === selected);
  return (
    <section className="screen gitops" aria-labelledby="gitops-title">
      <header className="screen-header">
        <h1 id="gitops-title">GitOps</h1>
        <span className="muted">{status.data ? `${status.data.apps.length} Argo CD and Flux objects from ${status.data.answered.length} contexts` : 'reading every cluster…'}</span>
        <div className="spacer" />
        <div className="segmented" role="tablist" aria-label="GitOps views">
          {(['apps', 'drift'] as const).map((v) => (
            <button key={v} role="tab" aria-selected={view === v} className={view === v ? 'active' : ''} onClick={() => setView(v)}>
              {{ apps: 'Applications', drift: 'Drift' }[v]}
            </button>
          ))}
        </div>
        {view === 'apps' && (
          <>
            <div className="segmented" role="radiogroup" aria-label="Tool">
              {(['all', 'argo', 'flux'] as Tool[]).map((t) => (
                <button key={t} role="radio" aria-checked={tool === t} className={tool === t ? 'active' : ''} onClick={() => setTool(t)}>
                  {{ all: 'All', argo: 'Argo CD', flux: 'Flux' }[t]}
                </button>
              ))}
            </div>
            <label className="check">
              <input type="checkbox" checked={attention} onChange={(e) => setAttention(e.target.checked)} /> needs attention
            </label>
            <input className="filter" aria-label="Filter applications" placeholder="Filter by name, repo, path, message…" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </>
        )}
      </header>
      {view === 'drift' && <DriftPanel />}
      {view === 'apps' && status.error && <div className="banner error" role="alert">{status.error.message}</div>}
      {view === 'apps' && status.data?.errors.map((e) => (
        <div key={e.cluster} className="banner error" role="alert">{e.cluster}: {e.message}</div>
      ))}
      {view === 'apps' && !!status.data?.notices.length && (
        <details className="notices muted small">
          <summary>{status.data.notices.length} kinds not listed (not installed or not allowed)</summary>
          {status.data.notices.map((n) => (
            <div key={`${n.cluster}/${n.kind}`}>{n.cluster}: {n.kind}: {n.reason}</div>
          ))}
        </details>
      )}
      {view === 'apps' && (
        <div className="gitops-body">
          <table className="grid gitops-table" aria-label="GitOps applications">
            <thead>
              <tr>
                {header('name', 'Application')}
                {header('cluster', 'Cluster')}
                <th>Source</th>
                {header('sync', 'Sync')}
                {header('health', 'Health')}
                <th>Revision</th>
                {header('applied', 'Applied')}
              </tr>
            </thead>
            <tbody>
              {apps.map((a) => (
                <tr key={keyOf(a)} className={keyOf(a) === selected ? 'selected' : undefined} aria-selected={keyOf(a) === selected} onClick={() => setSelected(keyOf(a))}>
                  <td>
                    <button className="link strong" onClick={() => setSelected(keyOf(a))}>{a.name}</button>
                    <div className="muted small">{a.kind} · {a.namespace}{a.suspended ? ' · suspended' : ''}</div>
                  </td>
                  <td>
                    <span className="dot" style={{ background: clusterColor(a.context) }} /> {a.context} <span className={`cloud-badge ${cloudOf(a.context)}`}>{cloudOf(a.context).toUpperCase()}</span>
                  </td>
                  <td className="mono small ellipsis" title={[a.source.repo, a.source.path, a.source.chart, a.source.targetRevision].filter(Boolean).join(' ')}>
                    {a.source.repo ?? ''}{a.source.path ? ` · ${a.source.path}` : ''}{a.source.chart ? ` · ${a.source.chart}` : ''}{a.source.targetRevision ? ` @ ${a.source.targetRevision}` : ''}
                  </td>
                  <td><span className={`status ${tone(a.sync)}`}>{a.sync}{a.reason ? ` (${a.reason})` : ''}</span></td>
                  <td><span className={`status ${tone(a.health)}`}>{a.health}</span></td>
                  <td className="mono small ellipsis">{a.revision ?? ''}</td>
                  <td className="muted small">{age(a.lastAppliedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {apps.length === 0 && status.data && <div className="empty">No application matches.</div>}
          {current && <Detail app={current} onClose={() => setSelected(undefined)} onOpen={setSelected} />}
        </div>
      )}
    </section>
  );
}

const actionsFor = (app: GitOpsApp): GitOpsAction[] => (kindInfo(app.kind).tool === 'argo' ? ['sync', 'refresh'] : app.suspended ? ['resume'] : ['reconcile', 'suspend']);
const actionLabel = (app: GitOpsApp, action: GitOpsAction) =>
  ({ sync: app.kind === 'ApplicationSet' ? `Sync its ${app.resources.length} Application${app.resources.length === 1 ? '' : 's'}` : 'Sync', refresh: 'Refresh', reconcile: 'Reconcile', suspend: 'Suspend', resume: 'Resume' })[action];

function Detail({ app, onClose, onOpen }: { app: GitOpsApp; onClose(): void; onOpen(key: string): void }) {
  const setBrowse = useUi((s) => s.setBrowse);
  const setScreen = useUi((s) => s.setScreen);
  const act = useGitOpsAction();
  const [prune, setPrune] = useState(false);
  const [withSource, setWithSource] = useState(true);
  const run = (action: GitOpsAction, hard = false) =>
    act.mutate({ context: app.context, kind: app.kind, namespace: app.namespace, name: app.name, action, prune, hard, withSource: action === 'reconcile' && ['Kustomization', 'HelmRelease'].includes(app.kind) ? withSource : undefined, timeoutSeconds: 15 });
  const workloadKinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'];
  return (
    <aside className="panel gitops-detail" aria-label={`${app.kind} ${app.name}`}>
      <div className="card-head">
        <h2>{app.name} <span className="muted small">{app.kind} · {app.context} · {app.namespace}</span></h2>
        <div className="spacer" />
        <button onClick={onClose} aria-label="Close">✕</button>
      </div>
      <div className="mono small">
        {[app.source.repo, app.source.path, app.source.chart].filter(Boolean).join(' · ')}
        {app.source.targetRevision ? ` @ ${app.source.targetRevision}` : ''}
        {app.revision ? <div className="muted">revision {app.revision}{app.lastAppliedAt ? `, applied ${age(app.lastAppliedAt)} ago` : ''}</div> : null}
      </div>
      {app.message && <div className={`banner ${/^(Degraded|Failed)$/.test(app.health) || app.sync === 'NotReady' ? 'error' : 'warn'}`}>{app.message}</div>}
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
      {act.error && <div className="banner error" role="alert">{act.error.message}</div>}
      {act.data && <div className={`banner ${act.data.settled ? '' : 'warn'}`} role="status">{act.data.message}</div>}
      <h3 className="small">Conditions</h3>
      {app.conditions.length === 0 && <div className="muted small">none reported</div>}
      {app.conditions.map((c) => (
        <div key={c.type} className="small"><span className="strong">{c.type}</span> {c.status}{c.reason ? ` · ${c.reason}` : ''}{c.message ? ` — ${c.message}` : ''} <span className="muted">{age(c.lastTransitionTime)}</span></div>
      ))}
      <h3 className="small">Managed resources ({app.resources.length})</h3>
      {app.resources.map((r) => (
        <div key={`${r.group}/${r.kind}/${r.namespace}/${r.name}`} className="small">
          {r.namespace && (workloadKinds.includes(r.kind) || r.kind === 'Namespace') ? (
            <button
              className="link"
              onClick={() => {
                setBrowse({ context: app.context, namespace: r.kind === 'Namespace' ? r.name : r.namespace, ...(workloadKinds.includes(r.kind) ? { workload: { kind: r.kind as 'Deployment', name: r.name } } : {}) });
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
          {r.status && <span className={`status ${tone(r.status)}`}> {r.status}</span>} {r.health && <span className={`status ${tone(r.health)}`}>{r.health}</span>}
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
