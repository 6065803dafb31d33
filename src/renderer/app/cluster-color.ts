import { useMemo } from 'react';
import { clusterColors } from '../../shared/cluster-colors.ts';
import { useClusters } from '../data/shared-queries.ts';

/** The colour of each cluster, the same on every screen. */
export function useClusterColor(): (context: string) => string {
  const clusters = useClusters();
  return useMemo(() => clusterColors(clusters.data?.clusters.map((c) => c.context) ?? []), [clusters.data]);
}
