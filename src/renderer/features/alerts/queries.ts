import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AlertsResult } from '../../../shared/contract/monitoring.ts';
import { api } from '../../api.ts';
import { keys } from '../../data/keys.ts';

/**
 * Refreshed every 15 s; main answers "unchanged" when nothing changed, so thousands of alerts are
 * not sent and parsed again. Comparing refetches field by field would cost more than it saves.
 */
export function useAlerts() {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: keys.monitoring.alerts(),
    queryFn: async () => {
      const known = queryClient.getQueryData<AlertsResult>(keys.monitoring.alerts());
      const result = await api.monitoring.alerts(known ? { unlessVersion: known.version } : {});
      return result.unchanged && known ? known : result;
    },
    refetchInterval: 15_000,
    placeholderData: keepPreviousData,
    structuralSharing: false,
  });
}
export const useSilences = () => useQuery({ queryKey: keys.monitoring.silences(), queryFn: () => api.monitoring.silences({}), refetchInterval: 30_000 });
export const useRouting = () => useQuery({ queryKey: keys.monitoring.routing(), queryFn: () => api.monitoring.routing({}), staleTime: 5 * 60_000 });

/** Silencing changes what the alerts look like: both refetch. */
export function useSilenceActions() {
  const queryClient = useQueryClient();
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: keys.monitoring.silences() }), queryClient.invalidateQueries({ queryKey: keys.monitoring.alerts() })]);
  return {
    create: useMutation({ mutationFn: api.monitoring.createSilence, onSuccess: refresh }),
    expire: useMutation({ mutationFn: api.monitoring.expireSilence, onSuccess: refresh }),
  };
}

export const useDeployRulePack = () => useMutation({ mutationFn: api.monitoring.deployRulePack });
