import type { ClusterEntry, Connection } from '../../../shared/contract/clusters.ts';
import type { ClusterSummary } from '../../../shared/contract/fleet.ts';
import type { StatusTone } from '../../ui/Badge.tsx';
import { age } from '../../ui/format.ts';

export interface ConnectionView {
  tone: StatusTone;
  text: string;
  title?: string;
}

/**
 * The fleet view's watch of a context's cluster: its own, or that of another context of the same
 * server (the fleet view watches each cluster once, through the first context that reaches it).
 */
export function watchOf(entry: ClusterEntry, entries: readonly ClusterEntry[], summaries: readonly ClusterSummary[]): ClusterSummary | undefined {
  const own = summaries.find((s) => s.context === entry.context);
  if (own) return own;
  const sameServer = new Set(entries.filter((e) => e.server === entry.server).map((e) => e.context));
  return summaries.find((s) => sameServer.has(s.context));
}

/**
 * What is known of a context's connection: a check the user asked for (Connect) says most about
 * this context's credentials, so it wins; without one, the fleet view's live watch of the cluster;
 * "not checked" only when neither has been tried.
 */
export function connectionView(entry: ClusterEntry, connection: Connection | undefined, watch: ClusterSummary | undefined, now = Date.now()): ConnectionView {
  if (connection?.state === 'connected') {
    return { tone: 'ok', text: `connected · ${connection.version} · ${connection.latencyMs} ms`, title: `${connection.user ? `as ${connection.user}, ` : ''}checked ${age(connection.checkedAt, now)} ago` };
  }
  if (connection) return { tone: 'failed', text: `${connection.reason}: ${connection.message}`, title: `checked ${age(connection.checkedAt, now)} ago: ${connection.message}` };
  if (!watch) return { tone: 'idle', text: 'not checked' };
  const via = watch.context === entry.context ? '' : ` · watched as ${watch.context}`;
  const title = watch.context === entry.context ? 'the fleet view watches this cluster' : `the fleet view watches this cluster through ${watch.context}; Connect checks this context's credentials`;
  switch (watch.state) {
    case 'synced':
      return { tone: 'ok', text: `live${watch.version ? ` · ${watch.version}` : ''}${via}`, title };
    case 'connecting':
      return { tone: 'pending', text: `connecting…${via}`, title };
    case 'reconnecting':
      return { tone: 'pending', text: `reconnecting…${watch.error ? `: ${watch.error}` : ''}${via}`, title: watch.error ?? title };
    case 'failed':
      return { tone: 'failed', text: `failed${watch.error ? `: ${watch.error}` : ''}${via}`, title: watch.error ?? title };
  }
}
