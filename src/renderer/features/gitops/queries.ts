import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ActInput } from '../../../shared/contract/gitops.ts';
import { api } from '../../api.ts';

/** Every Argo CD and Flux object of the fleet, refreshed every 10 s. */
export const useGitOpsStatus = () => useQuery({ queryKey: ['gitops', 'status'], queryFn: () => api.gitops.status({}), refetchInterval: 10_000 });

export function useGitOpsAction() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (input: ActInput) => api.gitops.act(input), onSettled: () => queryClient.invalidateQueries({ queryKey: ['gitops', 'status'] }) });
}
