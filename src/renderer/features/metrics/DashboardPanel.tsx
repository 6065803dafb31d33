import type { Panel } from '../../../shared/monitoring/dashboards.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { ClusterErrors } from './ClusterErrors.tsx';
import { useRangeQueries } from './queries.ts';
import type { MoveMarker } from './moves.ts';
import { TimeSeriesChart, type ChartLine } from './TimeSeriesChart.tsx';

/** One golden-signal panel: each of its lines queried on every selected cluster; a namespace's moves marked on it. */
export function DashboardPanel({ panel, namespace, seconds, contexts, markers }: { panel: Panel; namespace?: string; seconds: number; contexts: string[]; markers?: MoveMarker[] }) {
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
      <ErrorBanner error={failure} />
      <TimeSeriesChart lines={lines} unit={panel.unit} spanSeconds={seconds} markers={markers} />
      <ClusterErrors errors={errors} />
    </article>
  );
}
