import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { chooseStep } from '../../../shared/monitoring/promql.ts';
import { api } from '../../api.ts';
import { keys } from '../../data/keys.ts';
import { useTaskDetails, useTasks } from '../../data/shared-queries.ts';
import { moveMarkers, movedTasks } from './moves.ts';

export const useMonitoringEndpoints = () => useQuery({ queryKey: keys.monitoring.endpoints(), queryFn: () => api.monitoring.endpoints({}), staleTime: 5 * 60_000 });

export function useSetEndpoints() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: api.monitoring.setEndpoints, onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.monitoring.all() }) });
}

/**
 * The namespaces with pods in the last hour on the selected clusters, for the namespace picker: one
 * just migrated is there with its copied history before its own pods are scraped.
 */
export const useMetricNamespaces = (contexts: string[]) =>
  useQuery({
    queryKey: keys.monitoring.namespaces(contexts),
    queryFn: () => api.monitoring.query({ query: 'count by (namespace) (last_over_time(kube_pod_info[1h]))', contexts }),
    enabled: contexts.length > 0,
    staleTime: 60_000,
    refetchInterval: 60_000,
  });

/**
 * A federated range query over the last `seconds`, refreshed every 30 s. The end is rounded to the
 * step so panels asking at about the same time share one cache entry; `panel` lets main cancel
 * this panel's previous query when the range or scope changes.
 */
function rangeQuery(query: string | undefined, seconds: number, contexts: string[], panel: string) {
  const step = chooseStep(seconds);
  return {
    queryKey: keys.monitoring.range(query, seconds, contexts),
    queryFn: () => {
      const end = Math.floor(Date.now() / 1000 / step) * step;
      return api.monitoring.query({ query: query!, range: { start: end - seconds, end, step }, panel, contexts });
    },
    enabled: !!query && contexts.length > 0,
    refetchInterval: 30_000,
    staleTime: 15_000,
    placeholderData: keepPreviousData,
  };
}

export const useRangeQuery = (query: string | undefined, seconds: number, contexts: string[], panel: string) => useQuery(rangeQuery(query, seconds, contexts, panel));

export const useRangeQueries = (queries: { query: string; panel: string }[], seconds: number, contexts: string[]) =>
  useQueries({ queries: queries.map((q) => rangeQuery(q.query, seconds, contexts, q.panel)) });

/** Where migrations carried metrics history: a marker per moved namespace on its target cluster, at the moment of the move. */
export function useMoveMarkers() {
  const tasks = useTasks();
  const details = useTaskDetails(movedTasks(tasks.data ?? []).map((t) => t.id));
  return moveMarkers(details.flatMap((d) => (d.data ? [d.data] : [])));
}
