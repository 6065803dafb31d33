import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { PodActionId, PodProblemRow } from '../../../shared/contract/fleet.ts';
import { api } from '../../api.ts';

/** Server data of the fleet view; main pushes "changed" and the queries refetch. */
export function useFleetLive() {
  const queryClient = useQueryClient();
  useEffect(() => api.fleet.onDidChange(() => void queryClient.invalidateQueries({ queryKey: ['fleet'] })), [queryClient]);
}

export const useSummaries = () => useQuery({ queryKey: ['fleet', 'summaries'], queryFn: () => api.fleet.summaries(), refetchInterval: 30_000 });
export const useProblems = () => useQuery({ queryKey: ['fleet', 'problems'], queryFn: () => api.fleet.problems(), refetchInterval: 30_000 });

export function useRootCause(row: PodProblemRow | undefined) {
  return useQuery({
    queryKey: ['fleet', 'root-cause', row?.context, row?.namespace, row?.pod],
    queryFn: () => api.fleet.rootCause({ context: row!.context, namespace: row!.namespace, pod: row!.pod }),
    enabled: !!row,
    staleTime: 5_000,
  });
}

export function useRunAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { context: string; namespace: string; pod: string; action: PodActionId }) => api.fleet.runAction(input),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['fleet'] }),
  });
}
