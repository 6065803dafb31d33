import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ActInput } from '../../../shared/contract/gitops.ts';
import { api } from '../../api.ts';

const statusKey = ['gitops', 'status'];

/** Every Argo CD and Flux object of the fleet; main watches them and says when they change. */
export function useGitOpsStatus() {
  const queryClient = useQueryClient();
  useEffect(() => api.gitops.onDidChange(() => void queryClient.invalidateQueries({ queryKey: statusKey })), [queryClient]);
  return useQuery({ queryKey: statusKey, queryFn: () => api.gitops.status({}) });
}

export function useGitOpsAction() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (input: ActInput) => api.gitops.act(input), onSettled: () => queryClient.invalidateQueries({ queryKey: statusKey }) });
}
