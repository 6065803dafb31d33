import { useMutation } from '@tanstack/react-query';
import { api } from '../../api.ts';

// the cluster list itself is read by several screens: useClusters in data/shared-queries.ts

export const useConnect = () => useMutation({ mutationFn: (context: string) => api.clusters.connect({ context }) });
export const useImport = () => useMutation({ mutationFn: (input: { yaml: string; origin: string }) => api.clusters.importKubeconfig(input) });
export const useRename = () => useMutation({ mutationFn: (input: { context: string; displayName: string }) => api.clusters.rename(input) });
export const useRemove = () => useMutation({ mutationFn: (id: string) => api.clusters.removeKubeconfig({ id }) });
