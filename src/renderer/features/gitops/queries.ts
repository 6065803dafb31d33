import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ActInput, DriftInput } from '../../../shared/contract/gitops.ts';
import { api } from '../../api.ts';
import { keys } from '../../data/keys.ts';
import { useLive, type LiveHandler } from '../../data/live.ts';

const refetchStatus: LiveHandler<unknown> = (_, cache) => cache.refetch(keys.gitops.status());

/** Every Argo CD and Flux object of the fleet; main watches them and says when they change. */
export function useGitOpsStatus() {
  useLive(api.gitops.onDidChange, refetchStatus);
  return useQuery({ queryKey: keys.gitops.status(), queryFn: () => api.gitops.status({}) });
}

export function useGitOpsAction() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (input: ActInput) => api.gitops.act(input), onSettled: () => queryClient.invalidateQueries({ queryKey: keys.gitops.status() }) });
}

/** Drift of a workspace overlay against a cluster, and self-heal; both are asked for, never cached. */
export const useDriftCheck = (input: DriftInput) => useMutation({ mutationFn: () => api.gitops.drift(input) });
export const useSelfHeal = (input: DriftInput, onSuccess: (result: Awaited<ReturnType<typeof api.gitops.selfHeal>>) => void) =>
  useMutation({ mutationFn: () => api.gitops.selfHeal(input), onSuccess });
