import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useDeferredValue, useMemo, useRef, useState } from 'react';
import { useClusterColor } from '../../app/cluster-color.ts';
import type { ClusterRouting } from '../../../shared/contract/monitoring.ts';
import { alertGroupings, filterAlerts, groupAlerts, type AlertGrouping, type AlertState, type MergedAlert } from '../../../shared/monitoring/alerts.ts';
import { formatMatcher, parseMatchers, type Matcher } from '../../../shared/monitoring/matchers.ts';
import { describeMatchers, receiversFor, type RouteNode } from '../../../shared/monitoring/routing.ts';
import { useUi } from '../../app/ui-store.ts';
import { age } from '../fleet/FleetScreen.tsx';
import { useDeployRulePack, useAlerts, useRouting, useSilenceActions, useSilences } from './queries.ts';
import { SilenceDialog } from './SilenceDialog.tsx';

type Tab = 'alerts' | 'silences' | 'routing' | 'rules';
const STATES: AlertState[] = ['active', 'silenced', 'suppressed'];

export function AlertsScreen() {
  const clusterColor = useClusterColor();
  const alerts = useAlerts();
  const [tab, setTab] = useState<Tab>('alerts');
  const clusters = [...new Set([...(alerts.data?.answered ?? []), ...(alerts.data?.errors.map((e) => e.cluster) ?? [])])].sort();
  const active = alerts.data?.alerts.filter((a) => a.state === 'active').length ?? 0;
  return (
    <section className="screen alerts" aria-labelledby="alerts-title">
      <header className="screen-header">
        <h1 id="alerts-title">Alerts</h1>
        <span className="muted">{alerts.data ? `${active} active of ${alerts.data.alerts.length} from ${alerts.data.answered.length} Alertmanagers` : 'asking every Alertmanager…'}</span>
        <div className="spacer" />
        <div className="segmented" role="tablist" aria-label="Alert views">
          {(['alerts', 'silences', 'routing', 'rules'] as const).map((t) => (
            <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
              {{ alerts: 'Alerts', silences: 'Silences', routing: 'Routing', rules: 'Rule pack' }[t]}
            </button>
          ))}
        </div>
      </header>
      {alerts.error && <div className="banner error" role="alert">{alerts.error.message}</div>}
      {alerts.data?.errors.map((e) => (
        <div key={e.cluster} className="banner error" role="alert">
          <span className="dot" style={{ background: clusterColor(e.cluster) }} /> {e.cluster}: {e.message}
        </div>
      ))}
      {tab === 'alerts' && <AlertList alerts={alerts.data?.alerts ?? []} clusters={clusters} loading={alerts.isPending} />}
      {tab === 'silences' && <SilenceList />}
      {tab === 'routing' && <RoutingView alerts={alerts.data?.alerts ?? []} />}
      {tab === 'rules' && <RulePack clusters={clusters} />}
    </section>
  );
}

type Row = { kind: 'group'; key: string; count: number; active: number } | { kind: 'alert'; alert: MergedAlert };

function AlertList({ alerts, clusters, loading }: { alerts: MergedAlert[]; clusters: string[]; loading: boolean }) {
  const clusterColor = useClusterColor();
  const alertView = useUi((s) => s.alertView);
  const setAlertView = useUi((s) => s.setAlertView);
  const { filter: filterText, groupBy } = alertView;
  const states = useMemo(() => new Set(alertView.states), [alertView.states]);
  const [selected, setSelected] = useState<string>();
  const [silencing, setSilencing] = useState<MergedAlert>();
  const deferredFilter = useDeferredValue(filterText);
  const parsed = useMemo((): { matchers: Matcher[]; error?: string } => {
    try {
      return { matchers: deferredFilter.trim() ? parseMatchers(deferredFilter) : [] };
    } catch (error) {
      return { matchers: [], error: (error as Error).message };
    }
  }, [deferredFilter]);
  const rows = useMemo((): Row[] => {
    const visible = filterAlerts(alerts, parsed.matchers, [...states]);
    return groupAlerts(visible, groupBy).flatMap((g): Row[] => [
      { kind: 'group', key: g.key, count: g.alerts.length, active: g.alerts.filter((a) => a.state === 'active').length },
      ...g.alerts.map((alert): Row => ({ kind: 'alert', alert })),
    ]);
  }, [alerts, parsed.matchers, states, groupBy]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: (i) => (rows[i].kind === 'group' ? 34 : 52), overscan: 10 });
  const selectedAlert = useMemo(() => (selected === undefined ? undefined : alerts.find((a) => a.id === selected)), [alerts, selected]);
  const alertCount = useMemo(() => rows.filter((r) => r.kind === 'alert').length, [rows]);
  /** Arrow keys move the selection over the alerts (group headers are passed over); S silences the selected one. */
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 's' && selectedAlert) return setSilencing(selectedAlert);
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const step = e.key === 'ArrowDown' ? 1 : -1;
    const current = rows.findIndex((r) => r.kind === 'alert' && r.alert.id === selected);
    for (let i = current + step; i >= 0 && i < rows.length; i += step) {
      const row = rows[i];
      if (row.kind !== 'alert') continue;
      setSelected(row.alert.id);
      virtual.scrollToIndex(i);
      return;
    }
  };
  const toggleState = (s: AlertState) => setAlertView({ states: states.has(s) ? [...states].filter((x) => x !== s) : [...states, s] });

  return (
    <>
      <div className="toolbar">
        <input className="filter wide" type="search" aria-label="Filter alerts by label matchers" placeholder='matchers: severity="critical" cluster="aks-lab" namespace=~"shop|pay"' value={filterText} onChange={(e) => setAlertView({ filter: e.target.value })} />
        {STATES.map((s) => (
          <button key={s} className={`chip state-${s}${states.has(s) ? ' active' : ''}`} aria-pressed={states.has(s)} onClick={() => toggleState(s)}>
            {s}
          </button>
        ))}
        <label className="inline-field">
          <span>Group by</span>
          <select aria-label="Group by" value={groupBy} onChange={(e) => setAlertView({ groupBy: e.target.value as AlertGrouping })}>
            {alertGroupings.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </label>
        <span className="muted small" aria-live="polite">
          {alertCount} shown
        </span>
      </div>
      {parsed.error && <div className="banner error">filter: {parsed.error}</div>}
      <div className="alerts-body">
        <div className="alert-list" role="grid" aria-label="Alerts" aria-rowcount={alertCount} tabIndex={0} onKeyDown={onKeyDown}>
          {loading && <p className="muted pad">Asking every Alertmanager…</p>}
          {!loading && alertCount === 0 && <p className="empty">{alerts.length ? 'No alert matches the filter.' : 'Nothing is firing.'}</p>}
          <div className="alert-scroll" ref={scroller}>
            <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
              {virtual.getVirtualItems().map((item) => {
                const row = rows[item.index];
                if (row.kind === 'group')
                  return (
                    <div key={`g-${row.key}-${item.index}`} className="alert-group" style={{ transform: `translateY(${item.start}px)`, height: item.size }} role="row">
                      {groupBy === 'cluster' && <span className="dot" style={{ background: clusterColor(row.key) }} />} <strong>{row.key}</strong>
                      <span className="muted small">
                        {row.count} alert{row.count === 1 ? '' : 's'}, {row.active} active
                      </span>
                    </div>
                  );
                return <AlertRow key={`${row.alert.id}-${item.index}`} alert={row.alert} selected={selected === row.alert.id} top={item.start} height={item.size} onSelect={setSelected} clusterColor={clusterColor} />;
              })}
            </div>
          </div>
        </div>
        {selectedAlert && <AlertDetail alert={selectedAlert} onSilence={() => setSilencing(selectedAlert)} onClose={() => setSelected(undefined)} />}
      </div>
      {silencing && <SilenceDialog alert={silencing} allClusters={clusters} onClose={() => setSilencing(undefined)} />}
    </>
  );
}

/** One alert of the list; memoized, so scrolling renders only the rows that come into view. */
const AlertRow = memo(function AlertRow({ alert: a, selected, top, height, onSelect, clusterColor }: { alert: MergedAlert; selected: boolean; top: number; height: number; onSelect: (id: string) => void; clusterColor: (context: string) => string }) {
  return (
    <div role="row" aria-selected={selected} className={`alert-row state-${a.state}${selected ? ' selected' : ''}`} style={{ transform: `translateY(${top}px)`, height }} onClick={() => onSelect(a.id)}>
      <span className={`sev sev-${a.labels.severity ?? 'none'}`}>{a.labels.severity ?? '–'}</span>
      <span className="alert-main">
        <strong>{a.labels.alertname}</strong> <span className="muted small">{[a.labels.namespace, a.labels.pod ?? a.labels.node ?? a.labels.deployment].filter(Boolean).join('/')}</span>
        <span className="ellipsis small muted">{a.annotations.summary ?? a.annotations.description ?? ''}</span>
      </span>
      <span className="alert-clusters">
        {a.clusters.map((c) => (
          <span key={c} className="cluster-tag" style={{ borderColor: clusterColor(c) }}>
            {c}
          </span>
        ))}
      </span>
      <span className={`state state-${a.state}`}>{a.state}</span>
      <span className="muted small">{age(a.startsAt)}</span>
    </div>
  );
});

function AlertDetail({ alert, onSilence, onClose }: { alert: MergedAlert; onSilence: () => void; onClose: () => void }) {
  const clusterColor = useClusterColor();
  const setScreen = useUi((s) => s.setScreen);
  const selectPod = useUi((s) => s.selectPod);
  const setFleetSearch = useUi((s) => s.setFleetSearch);
  const setBrowse = useUi((s) => s.setBrowse);
  const { namespace, pod, node } = alert.labels;
  const showPod = (context: string) => {
    setBrowse({ context, namespace });
    selectPod({ context, namespace: namespace!, pod: pod! });
    setScreen('fleet');
  };
  const showNode = () => {
    setFleetSearch(node!);
    setScreen('fleet');
  };
  return (
    <aside className="alert-detail" aria-label="Alert detail">
      <header>
        <div>
          <div className={`reason big state-${alert.state}`}>{alert.labels.alertname}</div>
          <div className="muted small">
            {alert.state} since {new Date(alert.startsAt).toLocaleString()}
          </div>
        </div>
        <button onClick={onClose} aria-label="Close alert detail">
          ✕
        </button>
      </header>
      <div className="actions">
        <button className="primary" onClick={onSilence}>
          Silence…
        </button>
        {namespace && pod && alert.clusters.map((c) => <button key={c} onClick={() => showPod(c)}>Show pod in {c}</button>)}
        {node && <button onClick={showNode}>Show node {node}</button>}
      </div>
      {alert.annotations.description && <p className="small">{alert.annotations.description}</p>}
      {alert.annotations.runbook && (
        <>
          <h3>Runbook</h3>
          <pre className="log">{alert.annotations.runbook}</pre>
        </>
      )}
      <h3>Labels</h3>
      <ul className="labels">
        {Object.entries(alert.labels).map(([k, v]) => (
          <li key={k}>
            <code>{formatMatcher({ name: k, value: v, isRegex: false, isEqual: true })}</code>
          </li>
        ))}
      </ul>
      <h3>Sources</h3>
      <ul className="events">
        {alert.sources.map((s) => (
          <li key={`${s.cluster}-${s.fingerprint}`}>
            <span className="dot" style={{ background: clusterColor(s.cluster) }} /> <strong>{s.cluster}</strong> {s.state}
            {s.receivers.length ? ` → ${s.receivers.join(', ')}` : ''}
            {s.silencedBy.length ? <span className="muted"> · silenced by {s.silencedBy.join(', ')}</span> : null}
            {s.inhibitedBy.length ? <span className="muted"> · inhibited</span> : null}
          </li>
        ))}
      </ul>
    </aside>
  );
}

function SilenceList() {
  const clusterColor = useClusterColor();
  const silences = useSilences();
  const { expire } = useSilenceActions();
  const [showExpired, setShowExpired] = useState(false);
  const list = (silences.data?.silences ?? []).filter((s) => showExpired || s.state !== 'expired');
  return (
    <div className="panel">
      <div className="toolbar">
        <label className="inline-field">
          <input type="checkbox" checked={showExpired} onChange={(e) => setShowExpired(e.target.checked)} /> <span>show expired</span>
        </label>
      </div>
      {silences.error && <div className="banner error">{silences.error.message}</div>}
      {expire.error && <div className="banner error" role="alert">{expire.error.message}</div>}
      {silences.data?.errors.map((e) => (
        <div key={e.cluster} className="banner error">
          {e.cluster}: {e.message}
        </div>
      ))}
      {!list.length && <p className="empty">{silences.isPending ? 'Loading…' : 'No silences.'}</p>}
      {list.length > 0 && (
        <table className="grid small" aria-label="Silences">
          <thead>
            <tr>
              <th>Cluster</th>
              <th>Matchers</th>
              <th>State</th>
              <th>Ends</th>
              <th>By / comment</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={`${s.cluster}/${s.id}`}>
                <td>
                  <span className="dot" style={{ background: clusterColor(s.cluster) }} /> {s.cluster}
                </td>
                <td className="mono">{describeMatchers(s.matchers)}</td>
                <td>{s.state}</td>
                <td>{new Date(s.endsAt).toLocaleString()}</td>
                <td>
                  {s.createdBy}: {s.comment}
                </td>
                <td>
                  {s.state !== 'expired' && (
                    <button className="danger" disabled={expire.isPending} onClick={() => expire.mutate({ context: s.cluster, id: s.id })}>
                      Expire
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Which receiver (team) gets which alerts, per cluster, with the current alerts each route catches. */
function RoutingView({ alerts }: { alerts: MergedAlert[] }) {
  const routing = useRouting();
  return (
    <div className="routing">
      {routing.error && <div className="banner error">{routing.error.message}</div>}
      {routing.data?.map((r) => (
        <ClusterRoutes key={r.cluster} routing={r} alerts={alerts.filter((a) => a.clusters.includes(r.cluster))} />
      ))}
    </div>
  );
}

function ClusterRoutes({ routing, alerts }: { routing: ClusterRouting; alerts: MergedAlert[] }) {
  const clusterColor = useClusterColor();
  const byReceiver = new Map<string, number>();
  if (routing.route) for (const a of alerts) for (const receiver of receiversFor(routing.route, { ...a.labels, cluster: routing.cluster })) byReceiver.set(receiver, (byReceiver.get(receiver) ?? 0) + 1);
  const node = (route: RouteNode, parent: RouteNode | undefined, path: string): React.ReactNode => (
    <li key={path}>
      <span className="route-matchers mono">{parent ? describeMatchers(route.matchers) : 'every alert'}</span> → <strong>{route.receiver}</strong>
      {route.continue && <span className="tag">continue</span>}
      {route.groupBy.length > 0 && route.groupBy.join() !== parent?.groupBy.join() && <span className="muted small"> · grouped by {route.groupBy.join(', ')}</span>}
      {route.routes.length > 0 && <ul>{route.routes.map((child, i) => node(child, route, `${path}.${i}`))}</ul>}
    </li>
  );
  return (
    <article className="panel" aria-label={`Routing of ${routing.cluster}`}>
      <h2>
        <span className="dot" style={{ background: clusterColor(routing.cluster) }} /> {routing.cluster}
      </h2>
      {routing.error && <div className="banner error">{routing.error}</div>}
      {routing.route && <ul className="route-tree">{node(routing.route, undefined, 'r')}</ul>}
      {routing.receivers.length > 0 && (
        <p className="receiver-counts small">
          {routing.receivers.map((r) => (
            <span key={r} className="chip">
              {r}: {byReceiver.get(r) ?? 0} current alert{byReceiver.get(r) === 1 ? '' : 's'}
            </span>
          ))}
        </p>
      )}
    </article>
  );
}

/** Deploys the PrometheusRule of the rule pack: a dry run first, then the real apply. */
function RulePack({ clusters }: { clusters: string[] }) {
  const deploy = useDeployRulePack();
  const [context, setContext] = useState('');
  const [namespace, setNamespace] = useState('monitoring');
  const plan = deploy.data?.dryRun ? deploy.data : undefined;
  return (
    <div className="panel pad">
      <p className="small">
        The Fleetdeck rule pack (kubernetes-mixin alerts for pod errors in every namespace, nodes and resource usage, each with a runbook) as a prometheus-operator <code>PrometheusRule</code>. Without the operator, load{' '}
        <code>resources/alert-rules/fleetdeck.rules.yaml</code> into Prometheus&apos;s <code>rule_files</code>.
      </p>
      <div className="toolbar">
        <select aria-label="Cluster for the rule pack" value={context} onChange={(e) => (setContext(e.target.value), deploy.reset())}>
          <option value="">Choose a cluster…</option>
          {clusters.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
        <input className="filter" aria-label="Namespace for the rule pack" value={namespace} onChange={(e) => (setNamespace(e.target.value), deploy.reset())} />
        <button disabled={!context || deploy.isPending} onClick={() => deploy.mutate({ context, namespace, dryRun: true })}>
          Dry run
        </button>
        <button className="primary" disabled={!plan || plan.context !== context || deploy.isPending} onClick={() => deploy.mutate({ context, namespace, dryRun: false })}>
          Apply
        </button>
      </div>
      {deploy.error && <div className="banner error" role="alert">{deploy.error.message}</div>}
      {deploy.data && (
        <div className={`banner ${deploy.data.dryRun ? 'warning' : 'ok'}`} role="status">
          {deploy.data.dryRun ? 'Dry run: would be' : 'Done:'} {deploy.data.result} — PrometheusRule {deploy.data.namespace}/{deploy.data.name} on {deploy.data.context} with {deploy.data.rules.length} rules
        </div>
      )}
    </div>
  );
}
