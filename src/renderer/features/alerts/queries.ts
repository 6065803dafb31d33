import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api.ts';

// thousands of alerts: comparing each refetch with the last, field by field, costs more than it saves
export const useAlerts = () => useQuery({ queryKey: ['monitoring', 'alerts'], queryFn: () => api.monitoring.alerts({}), refetchInterval: 15_000, placeholderData: keepPreviousData, structuralSharing: false });
export const useSilences = () => useQuery({ queryKey: ['monitoring', 'silences'], queryFn: () => api.monitoring.silences({}), refetchInterval: 30_000 });
export const useRouting = () => useQuery({ queryKey: ['monitoring', 'routing'], queryFn: () => api.monitoring.routing({}), staleTime: 5 * 60_000 });

/** Silencing changes what the alerts look like: both refetch. */
export function useSilenceActions() {
  const queryClient = useQueryClient();
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: ['monitoring', 'silences'] }), queryClient.invalidateQueries({ queryKey: ['monitoring', 'alerts'] })]);
  return {
    create: useMutation({ mutationFn: api.monitoring.createSilence, onSuccess: refresh }),
    expire: useMutation({ mutationFn: api.monitoring.expireSilence, onSuccess: refresh }),
  };
}

export const useDeployRulePack = () => useMutation({ mutationFn: api.monitoring.deployRulePack });
