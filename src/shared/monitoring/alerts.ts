// One alert view over every cluster's Alertmanager (Karma is the anchor): the same alert reported by
// several instances is shown once, with every source listed.
import { matchesAll, type Matcher } from './matchers.ts';

/** An alert as Alertmanager's /api/v2/alerts returns it. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  updatedAt?: string;
  fingerprint: string;
  generatorURL?: string;
  receivers?: { name: string }[];
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
}

/** active: firing and notified; silenced: a silence matches; suppressed: inhibited by another alert. */
export type AlertState = 'active' | 'silenced' | 'suppressed';

export interface AlertSource {
  cluster: string;
  state: AlertState;
  fingerprint: string;
  silencedBy: string[];
  inhibitedBy: string[];
  receivers: string[];
  generatorURL?: string;
}

export interface MergedAlert {
  /** stable across refreshes: the identity label set */
  id: string;
  clusters: string[];
  /** the alert's labels without `cluster`, which differs per source and is listed in `clusters` */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** active when any source is active, else silenced when any is, else suppressed */
  state: AlertState;
  /** the earliest start among the sources */
  startsAt: string;
  sources: AlertSource[];
}

export const alertGroupings = ['alertname', 'cluster', 'severity', 'namespace'] as const;
export type AlertGrouping = (typeof alertGroupings)[number];

function sourceState(status: AlertmanagerAlert['status']): AlertState {
  if (status.state !== 'suppressed') return 'active';
  return status.silencedBy.length ? 'silenced' : 'suppressed';
}

const STATE_ORDER: Record<AlertState, number> = { active: 0, silenced: 1, suppressed: 2 };

function identity(labels: Record<string, string>): string {
  return Object.keys(labels)
    .filter((k) => k !== 'cluster')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

/** Merges each cluster's alerts; alerts with the same labels (ignoring `cluster`) become one. */
export function mergeAlerts(perCluster: { cluster: string; alerts: AlertmanagerAlert[] }[]): MergedAlert[] {
  const merged = new Map<string, MergedAlert>();
  for (const { cluster, alerts } of perCluster) {
    for (const alert of alerts) {
      const id = identity(alert.labels);
      const source: AlertSource = {
        cluster,
        state: sourceState(alert.status),
        fingerprint: alert.fingerprint,
        silencedBy: alert.status.silencedBy,
        inhibitedBy: alert.status.inhibitedBy,
        receivers: (alert.receivers ?? []).map((r) => r.name),
        ...(alert.generatorURL ? { generatorURL: alert.generatorURL } : {}),
      };
      const existing = merged.get(id);
      if (!existing) {
        const { cluster: _, ...labels } = alert.labels;
        merged.set(id, { id, clusters: [cluster], labels, annotations: alert.annotations, state: source.state, startsAt: alert.startsAt, sources: [source] });
        continue;
      }
      existing.sources.push(source);
      if (!existing.clusters.includes(cluster)) existing.clusters.push(cluster);
      if (STATE_ORDER[source.state] < STATE_ORDER[existing.state]) existing.state = source.state;
      if (alert.startsAt < existing.startsAt) existing.startsAt = alert.startsAt;
    }
  }
  return [...merged.values()].sort(compareAlerts);
}

const SEVERITY_ORDER: Record<string, number> = { critical: 0, error: 1, warning: 2, info: 3, none: 4 };
const severityRank = (a: MergedAlert) => SEVERITY_ORDER[a.labels.severity ?? 'none'] ?? 3.5;

/** Active first, then by severity, then oldest first. */
function compareAlerts(a: MergedAlert, b: MergedAlert): number {
  return STATE_ORDER[a.state] - STATE_ORDER[b.state] || severityRank(a) - severityRank(b) || (a.startsAt < b.startsAt ? -1 : a.startsAt > b.startsAt ? 1 : 0) || (a.id < b.id ? -1 : 1);
}

/** The alerts whose labels (with each of their clusters as `cluster`) satisfy every matcher. */
export function filterAlerts(alerts: MergedAlert[], matchers: Matcher[], states?: AlertState[]): MergedAlert[] {
  return alerts.filter((a) => (!states || states.includes(a.state)) && (!matchers.length || a.clusters.some((cluster) => matchesAll({ ...a.labels, cluster }, matchers))));
}

export interface AlertGroup {
  key: string;
  alerts: MergedAlert[];
}

/** Groups by a label; by cluster, an alert from several clusters is in each of their groups. */
export function groupAlerts(alerts: MergedAlert[], by: AlertGrouping): AlertGroup[] {
  const groups = new Map<string, MergedAlert[]>();
  for (const alert of alerts) {
    const keys = by === 'cluster' ? alert.clusters : [alert.labels[by] ?? `(no ${by})`];
    for (const key of keys) {
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(alert);
    }
  }
  return [...groups].map(([key, list]) => ({ key, alerts: list })).sort((a, b) => b.alerts.filter((x) => x.state === 'active').length - a.alerts.filter((x) => x.state === 'active').length || a.key.localeCompare(b.key));
}
