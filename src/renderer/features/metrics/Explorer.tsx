import { useMemo, useState } from 'react';
import type { ClusterMonitoring } from '../../../shared/contract/monitoring.ts';
import { formatValue, grafanaExploreUrl } from '../../../shared/monitoring/dashboards.ts';
import { seriesName, type Series } from '../../../shared/monitoring/promql.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { ClusterDot } from '../../ui/ClusterDot.tsx';
import { DataTable, type Column } from '../../ui/DataTable.tsx';
import { ClusterErrors } from './ClusterErrors.tsx';
import { useRangeQuery } from './queries.ts';
import { TimeSeriesChart, type ChartLine } from './TimeSeriesChart.tsx';

const HISTORY_KEY = 'fleetdeck.promql.history';
const readHistory = (): string[] => {
  try {
    return JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as string[];
  } catch {
    return [];
  }
};

const latestColumns: Column<Series>[] = [
  { header: 'Cluster', width: '18%', cell: (s) => <><ClusterDot context={s.cluster} /> {s.cluster}</> },
  { header: 'Series', className: 'mono', cell: (s) => seriesName(s.metric) },
  { header: 'Latest', width: '14%', cell: (s) => formatValue(Number(s.values?.at(-1)?.[1]), 'count') },
];

/** Free PromQL over the same clusters, with history and links out to Grafana. */
export function Explorer({ contexts, seconds, rangeId, endpoints }: { contexts: string[]; seconds: number; rangeId: string; endpoints: ClusterMonitoring[] }) {
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
      <ErrorBanner error={result.error} />
      {result.data && <ClusterErrors errors={result.data.errors} />}
      {query && result.data && (
        <>
          <p className="muted small">
            {total} series from {result.data.answered.length} clusters, step {result.data.step} s{total > 50 ? ' · the chart shows the first 50' : ''}
          </p>
          <TimeSeriesChart lines={lines} unit="count" spanSeconds={seconds} height={260} />
          <DataTable label="Latest values" className="small" columns={latestColumns} rows={result.data.series.slice(0, 200)} rowKey={(_, i) => String(i)} />
        </>
      )}
    </article>
  );
}
