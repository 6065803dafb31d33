// Federated PromQL: durations, step choice and merging each cluster's result into one series list.

/** Prometheus refuses a range query whose series would hold more points than this. */
export const MAX_POINTS = 11_000;
/** What a dashboard panel aims for when no step is asked for: enough for a wide chart, cheap to draw. */
const TARGET_POINTS = 300;
const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** A Prometheus duration ("90s", "1h30m", "7d") in seconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * UNIT_SECONDS[unit];
  return total > 0 ? total : undefined;
}

/**
 * The step of a range query, in seconds: the one asked for, or a round value giving about 300
 * points; never so small that a series exceeds 11,000 points.
 */
export function chooseStep(rangeSeconds: number, requested?: number): number {
  const floor = Math.ceil(rangeSeconds / (MAX_POINTS - 1));
  if (requested) return Math.max(requested, floor);
  const ideal = rangeSeconds / TARGET_POINTS;
  const nice = NICE_STEPS.find((s) => s >= ideal) ?? Math.ceil(ideal);
  return Math.max(nice, floor, 1);
}

export type Sample = [number, string];

/** The `data` of a successful /api/v1/query or /api/v1/query_range answer. */
export type PromData =
  | { resultType: 'matrix'; result: { metric: Record<string, string>; values: Sample[] }[] }
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: Sample }[] }
  | { resultType: 'scalar' | 'string'; result: Sample };

export interface Series {
  /** the Fleetdeck context the series came from */
  cluster: string;
  /** the series' labels, with `cluster` set (the Prometheus's own value is kept when it has one) */
  metric: Record<string, string>;
  /** range queries */
  values?: Sample[];
  /** instant queries */
  value?: Sample;
}

export interface ClusterError {
  cluster: string;
  message: string;
}

/**
 * One cluster's answer as series labelled by cluster. `clusterLabel` is the Prometheus's external
 * `cluster` label when it sets one: series keep it, as they would on a federated Thanos or Grafana.
 */
export function labelSeries(cluster: string, data: PromData, clusterLabel?: string): Series[] {
  const label = (metric: Record<string, string>) => ({ ...metric, cluster: metric.cluster ?? clusterLabel ?? cluster });
  switch (data.resultType) {
    case 'matrix':
      return data.result.map((s) => ({ cluster, metric: label(s.metric), values: s.values }));
    case 'vector':
      return data.result.map((s) => ({ cluster, metric: label(s.metric), value: s.value }));
    default:
      return [{ cluster, metric: label({}), value: data.result }];
  }
}

/** A series' display name: its metric name and labels in PromQL form, cluster first. */
export function seriesName(metric: Record<string, string>): string {
  const { __name__: name = '', cluster, ...rest } = metric;
  const labels = [...(cluster ? [`cluster="${cluster}"`] : []), ...Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`)];
  return `${name}{${labels.join(', ')}}`;
}
