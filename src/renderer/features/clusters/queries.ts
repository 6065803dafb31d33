import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ClusterList, ConnectionChange } from '../../../shared/contract/clusters.ts';
import { api } from '../../api.ts';

const clustersKey = ['clusters'] as const;

/** The kubeconfig's contexts, kept current by connection events from main. */
export function useClusters() {
  const queryClient = useQueryClient();
  useEffect(
    () =>
      api.clusters.onDidChangeConnection(({ context, connection }: ConnectionChange) => {
        queryClient.setQueryData<ClusterList>(clustersKey, (list) =>
          list && { ...list, clusters: list.clusters.map((c) => (c.context === context ? { ...c, connection } : c)) },
        );
      }),
    [queryClient],
  );
  return useQuery({ queryKey: clustersKey, queryFn: () => api.clusters.list() });
}

export function useConnect() {
  return useMutation({ mutationFn: (context: string) => api.clusters.connect({ context }) });
}

/** Imports, renames and removals change the list: refetch it whenever main says so. */
export function useClustersLive() {
  const queryClient = useQueryClient();
  useEffect(() => api.clusters.onDidChangeClusters(() => void queryClient.invalidateQueries({ queryKey: clustersKey })), [queryClient]);
}

export const useImport = () => useMutation({ mutationFn: (input: { yaml: string; origin: string }) => api.clusters.importKubeconfig(input) });
export const useRename = () => useMutation({ mutationFn: (input: { context: string; displayName: string }) => api.clusters.rename(input) });
export const useRemove = () => useMutation({ mutationFn: (id: string) => api.clusters.removeKubeconfig({ id }) });
