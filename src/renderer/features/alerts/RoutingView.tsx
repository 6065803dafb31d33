import type { ClusterRouting } from '../../../shared/contract/monitoring.ts';
import type { MergedAlert } from '../../../shared/monitoring/alerts.ts';
import { describeMatchers, receiversFor, type RouteNode } from '../../../shared/monitoring/routing.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { ClusterDot } from '../../ui/ClusterDot.tsx';
import { useRouting } from './queries.ts';

/** Which receiver (team) gets which alerts, per cluster, with the current alerts each route catches. */
export function RoutingView({ alerts }: { alerts: MergedAlert[] }) {
  const routing = useRouting();
  return (
    <div className="routing">
      <ErrorBanner error={routing.error} />
      {routing.data?.map((r) => (
        <ClusterRoutes key={r.cluster} routing={r} alerts={alerts.filter((a) => a.clusters.includes(r.cluster))} />
      ))}
    </div>
  );
}

function ClusterRoutes({ routing, alerts }: { routing: ClusterRouting; alerts: MergedAlert[] }) {
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
        <ClusterDot context={routing.cluster} /> {routing.cluster}
      </h2>
      <ErrorBanner error={routing.error} />
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
