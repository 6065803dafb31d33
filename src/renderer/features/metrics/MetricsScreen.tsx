import { useMemo, useState } from 'react';
import { useClusterColor } from '../../app/cluster-color.ts';
import type { ClusterMonitoring } from '../../../shared/contract/monitoring.ts';
import { dashboardPanels, formatValue, grafanaExploreUrl, timeRanges, type Panel } from '../../../shared/monitoring/dashboards.ts';
import type { ClusterError } from '../../../shared/monitoring/promql.ts';
import { seriesName } from '../../../shared/monitoring/promql.ts';
import { useMetricNamespaces, useMonitoringEndpoints, useRangeQueries, useRangeQuery, useSetEndpoints } from './queries.ts';
import { TimeSeriesChart, type ChartLine } from './TimeSeriesChart.tsx';

const HISTORY_KEY = 'fleetdeck.promql.history';
const readHistory = (): string[] => {
  try {
    return JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as string[];
  } catch {
    return [];
  }
};

export function MetricsScreen() {
  const endpoints = useMonitoringEndpoints();
  const [rangeId, setRangeId] = useState<(typeof timeRanges)[number]['id']>('1h');
  const [namespace, setNamespace] = useState('');
  const [deselected, setDeselected] = useState<Set<string>>(new Set());
  const range = timeRanges.find((r) => r.id === rangeId)!;
  const withPrometheus = endpoints.data?.filter((e) => e.prometheus && !e.sameAs) ?? [];
  const contexts = withPrometheus.map((e) => e.context).filter((c) => !deselected.has(c));
  const namespaces = useMetricNamespaces(contexts);
  const namespaceOptions = [...new Set(namespaces.data?.series.map((s) => s.metric.namespace).filter(Boolean))].sort();

  return (
    <section className="screen metrics" aria-labelledby="metrics-title">
      <header className="screen-header">
        <h1 id="metrics-title">Metrics</h1>
        <span className="muted">{endpoints.data ? `${contexts.length} of ${endpoints.data.filter((e) => !e.sameAs).length} clusters` : ''}</span>
        <div className="spacer" />
        <label className="inline-field">
          <span>Scope</span>
          <select aria-label="Namespace scope" value={namespace} onChange={(e) => setNamespace(e.target.value)}>
            <option value="">whole clusters</option>
            {namespaceOptions.map((n) => (
              <option key={n} value={n}>
                namespace {n}
              </option>
            ))}
          </select>
        </label>
        <div className="segmented" role="radiogroup" aria-label="Time range">
          {timeRanges.map((r) => (
            <button key={r.id} role="radio" aria-checked={r.id === rangeId} className={r.id === rangeId ? 'active' : ''} title={r.label} onClick={() => setRangeId(r.id)}>
              {r.id}
            </button>
          ))}
        </div>
      </header>
      {endpoints.error && <div className="banner error" role="alert">{endpoints.error.message}</div>}
      <ClusterToggles endpoints={endpoints.data ?? []} deselected={deselected} onToggle={(c) => setDeselected((d) => (d.has(c) ? new Set([...d].filter((x) => x !== c)) : new Set([...d, c])))} />
      <div className="panels">
        {dashboardPanels.map((panel) => (
          <DashboardPanel key={panel.id} panel={panel} namespace={panel.namespaced ? namespace || undefined : undefined} seconds={range.seconds} contexts={contexts} />
        ))}
      </div>
      <Explorer contexts={contexts} seconds={range.seconds} rangeId={rangeId} endpoints={endpoints.data ?? []} />
      <EndpointSettings endpoints={endpoints.data ?? []} />
    </section>
  );
}

function ClusterToggles({ endpoints, deselected, onToggle }: { endpoints: ClusterMonitoring[]; deselected: Set<string>; onToggle: (context: string) => void }) {
  const clusterColor = useClusterColor();
  return (
    <div className="cluster-toggles" role="group" aria-label="Clusters">
      {endpoints.filter((e) => !e.sameAs).map((e) => (
        <button
          key={e.context}
          className={`chip cluster-chip${e.prometheus && !deselected.has(e.context) ? ' active' : ''}`}
          aria-pressed={!!e.prometheus && !deselected.has(e.context)}
          disabled={!e.prometheus}
          title={e.prometheus ? `Prometheus: ${e.prometheus.location} (${e.prometheus.source})` : e.problem}
          onClick={() => onToggle(e.context)}
        >
          <span className="dot" style={{ background: clusterColor(e.context) }} /> {e.context}
          {!e.prometheus && <span className="muted"> · no Prometheus</span>}
        </button>
      ))}
    </div>
  );
}

function ClusterErrors({ errors }: { errors: ClusterError[] }) {
  const clusterColor = useClusterColor();
  if (!errors.length) return null;
  return (
    <ul className="cluster-errors" aria-label="Clusters that failed">
      {errors.map((e) => (
        <li key={e.cluster}>
          <span className="dot" style={{ background: clusterColor(e.cluster) }} /> <strong>{e.cluster}</strong>: {e.message}
        </li>
      ))}
    </ul>
  );
}

/** One golden-signal panel: each of its lines queried on every selected cluster. */
function DashboardPanel({ panel, namespace, seconds, contexts }: { panel: Panel; namespace?: string; seconds: number; contexts: string[] }) {
  const queries = useRangeQueries(panel.lines.map((line) => ({ query: line.query(namespace), panel: `${panel.id}:${line.id}` })), seconds, contexts);
  const results = panel.lines.map((line, i) => ({ line, result: queries[i] }));
  const lines: ChartLine[] = results.flatMap(({ line, result }) =>
    (result.data?.series ?? []).map((series, i) => ({ key: `${series.cluster}:${line.id}:${i}`, label: `${series.cluster} ${line.label}`, cluster: series.cluster, dashed: line.dashed, series })),
  );
  const errors = [...new Map(results.flatMap(({ result }) => result.data?.errors ?? []).map((e) => [e.cluster, e])).values()];
  const loading = results.some(({ result }) => result.isPending && result.fetchStatus !== 'idle');
  const failure = results.find(({ result }) => result.error)?.result.error;
  return (
    <article className="panel" aria-label={panel.title}>
      <h2>
        {panel.title}
        {namespace && <span className="muted"> · {namespace}</span>}
        {loading && <span className="muted"> · loading…</span>}
      </h2>
      {failure && <div className="banner error">{failure.message}</div>}
      <TimeSeriesChart lines={lines} unit={panel.unit} spanSeconds={seconds} />
      <ClusterErrors errors={errors} />
    </article>
  );
}

/** Free PromQL over the same clusters, with history and links out to Grafana. */
function Explorer({ contexts, seconds, rangeId, endpoints }: { contexts: string[]; seconds: number; rangeId: string; endpoints: ClusterMonitoring[] }) {
  const clusterColor = useClusterColor();
  const [draft, setDraft] = useState('sum by (namespace) (kube_pod_info)');
  const [query, setQuery] = useState<string>();
  const [history, setHistory] = useState(readHistory);
  const result = useRangeQuery(query, seconds, contexts, 'explorer');
  const run = (text = draft) => {
    const trimmed = text.trim();
    if (!trimmed) return;
    setDraft(trimmed);
    setQuery(trimmed);
    const next = [trimmed, ...history.filter((h) => h !== trimmed)].slice(0, 20);
    setHistory(next);
    localStorage.setItem(HISTORY_KEY, JSON.stringify(next));
  };
  const lines: ChartLine[] = useMemo(
    () => (result.data?.series ?? []).slice(0, 50).map((series, i) => ({ key: `s${i}`, label: seriesName(series.metric), cluster: series.cluster, series })),
    [result.data],
  );
  const total = result.data?.series.length ?? 0;
  const grafanas = endpoints.filter((e) => e.grafana && contexts.includes(e.context));
  return (
    <article className="panel explorer" aria-label="PromQL explorer">
      <h2>PromQL explorer</h2>
      <div className="explorer-form">
        <textarea
          aria-label="PromQL"
          rows={2}
          value={draft}
          spellCheck={false}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              run();
            }
          }}
        />
        <div className="explorer-actions">
          <button className="primary" onClick={() => run()} title="Ctrl+Enter">
            Run on {contexts.length} clusters
          </button>
          <select aria-label="History" value="" onChange={(e) => e.target.value && run(e.target.value)}>
            <option value="">History ({history.length})</option>
            {history.map((h) => (
              <option key={h} value={h}>
                {h.length > 90 ? `${h.slice(0, 90)}…` : h}
              </option>
            ))}
          </select>
          {query &&
            grafanas.map((e) => (
              <a key={e.context} className="chip" href={grafanaExploreUrl(e.grafana!, query, rangeId)} target="_blank" rel="noreferrer noopener">
                Open in Grafana ({e.context})
              </a>
            ))}
        </div>
      </div>
      {result.error && <div className="banner error" role="alert">{result.error.message}</div>}
      {result.data && <ClusterErrors errors={result.data.errors} />}
      {query && result.data && (
        <>
          <p className="muted small">
            {total} series from {result.data.answered.length} clusters, step {result.data.step} s{total > 50 ? ' · the chart shows the first 50' : ''}
          </p>
          <TimeSeriesChart lines={lines} unit="count" spanSeconds={seconds} height={260} />
          <table className="grid small" aria-label="Latest values">
            <thead>
              <tr>
                <th>Cluster</th>
                <th>Series</th>
                <th>Latest</th>
              </tr>
            </thead>
            <tbody>
              {result.data.series.slice(0, 200).map((s, i) => (
                <tr key={i}>
                  <td>
                    <span className="dot" style={{ background: clusterColor(s.cluster) }} /> {s.cluster}
                  </td>
                  <td className="mono">{seriesName(s.metric)}</td>
                  <td>{formatValue(Number(s.values?.at(-1)?.[1]), 'count')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </article>
  );
}

/** Where each cluster's Prometheus, Alertmanager and Grafana are, and URLs set in the app. */
function EndpointSettings({ endpoints }: { endpoints: ClusterMonitoring[] }) {
  const save = useSetEndpoints();
  const [context, setContext] = useState('');
  const [urls, setUrls] = useState({ prometheus: '', alertmanager: '', grafana: '' });
  const value = (s: string) => (s.trim() ? s.trim() : null);
  return (
    <details className="panel endpoints">
      <summary>Monitoring endpoints</summary>
      <table className="grid small">
        <thead>
          <tr>
            <th>Cluster</th>
            <th>Prometheus</th>
            <th>Alertmanager</th>
            <th>Grafana</th>
          </tr>
        </thead>
        <tbody>
          {endpoints.map((e) => (
            <tr key={e.context}>
              <td>{e.context}</td>
              <td>
                {e.prometheus ? `${e.prometheus.location} (${e.prometheus.source})` : <span className="bad">{e.problem ?? 'none'}</span>}
                {e.sameAs && <span className="muted"> · same as {e.sameAs}</span>}
              </td>
              <td>{e.alertmanager ? `${e.alertmanager.location} (${e.alertmanager.source})` : <span className="muted">none</span>}</td>
              <td>{e.grafana ?? <span className="muted">unknown</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="endpoint-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (context) save.mutate({ context, prometheus: value(urls.prometheus), alertmanager: value(urls.alertmanager), grafana: value(urls.grafana) });
        }}
      >
        <select aria-label="Cluster to configure" value={context} onChange={(e) => setContext(e.target.value)}>
          <option value="">Set URLs for…</option>
          {endpoints.map((e) => (
            <option key={e.context}>{e.context}</option>
          ))}
        </select>
        {(['prometheus', 'alertmanager', 'grafana'] as const).map((k) => (
          <input key={k} className="filter" placeholder={`${k} URL (empty: kubeconfig or discovery)`} aria-label={`${k} URL`} value={urls[k]} onChange={(e) => setUrls({ ...urls, [k]: e.target.value })} />
        ))}
        <button type="submit" disabled={!context || save.isPending}>
          Save
        </button>
        {save.error && <span className="bad small">{save.error.message}</span>}
      </form>
    </details>
  );
}
