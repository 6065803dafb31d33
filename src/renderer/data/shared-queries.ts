import { useQueries, useQuery } from '@tanstack/react-query';
import type { ClusterList, ConnectionChange } from '../../shared/contract/clusters.ts';
import { api } from '../api.ts';
import { keys } from './keys.ts';
import { useLive, type LiveHandler } from './live.ts';

// Server data that more than one feature reads (a feature imports no other feature): defined once here.

const patchConnection: LiveHandler<ConnectionChange> = ({ context, connection }, { queryClient }) =>
  queryClient.setQueryData<ClusterList>(keys.clusters.list(), (list) => list && { ...list, clusters: list.clusters.map((c) => (c.context === context ? { ...c, connection } : c)) });
const refetchClusters: LiveHandler<unknown> = (_, cache) => cache.refetch(keys.clusters.all());

/** The kubeconfig's contexts, kept current by main's connection events; imports, renames and removals refetch it. */
export function useClusters() {
  useLive(api.clusters.onDidChangeConnection, patchConnection);
  useLive(api.clusters.onDidChangeClusters, refetchClusters);
  return useQuery({ queryKey: keys.clusters.list(), queryFn: () => api.clusters.list() });
}

/** Every watched cluster's health; main's fleet events refresh it (see the fleet feature's live wiring). */
export const useSummaries = () => useQuery({ queryKey: keys.fleet.summaries(), queryFn: () => api.fleet.summaries(), refetchInterval: 30_000 });

/** The jobs center's tasks, newest first (the jobs feature keeps it live with main's task events). */
export const useTasks = () => useQuery({ queryKey: keys.jobs.tasks(), queryFn: () => api.jobs.list() });

/** Several tasks' details (report, a migration's clusters and namespaces), under the same keys the jobs center reads one by. */
export const useTaskDetails = (ids: string[]) => useQueries({ queries: ids.map((id) => ({ queryKey: keys.jobs.task(id), queryFn: () => api.jobs.get({ id }), staleTime: 60_000 })) });

/** The folders main lets the renderer open, and whether it can show a folder dialog. */
export const useFolders = () => useQuery({ queryKey: keys.workspace.folders(), queryFn: () => api.manifests.folders({}) });

/** A workspace folder opened (manifests.open), cached once for every screen that shows it. */
export const useOpenWorkspace = (path: string | undefined, enabled = true) =>
  useQuery({ queryKey: keys.workspace.open(path), queryFn: () => api.manifests.open({ path }), enabled, staleTime: Infinity, retry: false });
