// The fleet golden-signal dashboards: each panel's PromQL, for the whole cluster or one namespace.

export type PanelUnit = 'cores' | 'bytes' | 'count' | 'ratio' | 'per-second';

export interface PanelLine {
  id: string;
  label: string;
  /** requests and capacities are drawn dashed beside the usage they bound */
  dashed?: boolean;
  query: (namespace?: string) => string;
}

export interface Panel {
  id: string;
  title: string;
  unit: PanelUnit;
  /** cluster-wide panels ignore the namespace scope */
  namespaced: boolean;
  lines: PanelLine[];
}

const ns = (namespace?: string, extra = '') => {
  const matchers = [...(namespace ? [`namespace="${namespace.replace(/["\\]/g, '\\$&')}"`] : []), ...(extra ? [extra] : [])];
  return matchers.length ? `{${matchers.join(',')}}` : '';
};

export const dashboardPanels: Panel[] = [
  {
    id: 'cpu',
    title: 'CPU usage vs requests',
    unit: 'cores',
    namespaced: true,
    lines: [
      { id: 'usage', label: 'usage', query: (n) => `sum(rate(container_cpu_usage_seconds_total${ns(n, 'container!=""')}[5m]))` },
      { id: 'requests', label: 'requests', dashed: true, query: (n) => `sum(kube_pod_container_resource_requests${ns(n, 'resource="cpu"')})` },
    ],
  },
  {
    id: 'memory',
    title: 'Memory usage vs requests',
    unit: 'bytes',
    namespaced: true,
    lines: [
      { id: 'usage', label: 'working set', query: (n) => `sum(container_memory_working_set_bytes${ns(n, 'container!=""')})` },
      { id: 'requests', label: 'requests', dashed: true, query: (n) => `sum(kube_pod_container_resource_requests${ns(n, 'resource="memory"')})` },
    ],
  },
  {
    id: 'restarts',
    title: 'Pod restarts (per 10 min)',
    unit: 'count',
    namespaced: true,
    lines: [{ id: 'restarts', label: 'restarts', query: (n) => `sum(increase(kube_pod_container_status_restarts_total${ns(n)}[10m])) or vector(0)` }],
  },
  {
    id: 'error-pods',
    title: 'Error pods',
    unit: 'count',
    namespaced: true,
    lines: [
      {
        id: 'errors',
        label: 'waiting with an error or failed',
        query: (n) =>
          `count(max by (namespace, pod) (kube_pod_container_status_waiting_reason${ns(n, 'reason=~"CrashLoopBackOff|ImagePullBackOff|ErrImagePull|CreateContainerConfigError|CreateContainerError"')}) == 1) or vector(0)`,
      },
    ],
  },
  {
    id: 'apiserver-rate',
    title: 'API server requests',
    unit: 'per-second',
    namespaced: false,
    lines: [{ id: 'rate', label: 'requests/s', query: () => 'sum(rate(apiserver_request_total[5m]))' }],
  },
  {
    id: 'apiserver-errors',
    title: 'API server error ratio (5xx)',
    unit: 'ratio',
    namespaced: false,
    lines: [{ id: 'ratio', label: '5xx / all', query: () => '(sum(rate(apiserver_request_total{code=~"5.."}[5m])) or vector(0)) / sum(rate(apiserver_request_total[5m]))' }],
  },
  {
    id: 'nodes',
    title: 'Nodes ready',
    unit: 'count',
    namespaced: false,
    lines: [
      { id: 'ready', label: 'ready', query: () => 'sum(kube_node_status_condition{condition="Ready",status="true"})' },
      { id: 'total', label: 'total', dashed: true, query: () => 'count(kube_node_status_condition{condition="Ready",status="true"})' },
    ],
  },
];

/** The time ranges the picker offers, in seconds. */
export const timeRanges = [
  { id: '15m', label: '15 minutes', seconds: 900 },
  { id: '1h', label: '1 hour', seconds: 3600 },
  { id: '6h', label: '6 hours', seconds: 21600 },
  { id: '24h', label: '24 hours', seconds: 86400 },
  { id: '7d', label: '7 days', seconds: 604800 },
  { id: '30d', label: '30 days', seconds: 2592000 },
] as const;

export function formatValue(value: number, unit: PanelUnit): string {
  if (!Number.isFinite(value)) return '–';
  switch (unit) {
    case 'bytes': {
      const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let v = value;
      let i = 0;
      while (Math.abs(v) >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
      }
      return `${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
    }
    case 'ratio':
      return `${(value * 100).toFixed(value < 0.01 ? 2 : 1)} %`;
    case 'cores':
      return value >= 1 ? value.toFixed(2) : `${Math.round(value * 1000)}m`;
    case 'per-second':
      return `${value.toFixed(value >= 10 ? 0 : 1)}/s`;
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
}

/** Grafana's Explore with a query and range, for clusters whose Grafana is known. */
export function grafanaExploreUrl(grafana: string, query: string, rangeId: string): string {
  const left = JSON.stringify({ queries: [{ refId: 'A', expr: query }], range: { from: `now-${rangeId}`, to: 'now' } });
  return `${grafana.replace(/\/+$/, '')}/explore?left=${encodeURIComponent(left)}`;
}
