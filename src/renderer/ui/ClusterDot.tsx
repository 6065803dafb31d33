import { useClusterColor } from '../app/cluster-color.ts';

/** A cluster's colour, the same on every screen, as a dot before its name. */
export function ClusterDot({ context }: { context: string }) {
  const clusterColor = useClusterColor();
  return <span className="dot" style={{ background: clusterColor(context) }} aria-hidden />;
}
