import type { ClusterError } from '../../../shared/monitoring/promql.ts';
import { ClusterDot } from '../../ui/ClusterDot.tsx';

/** The clusters whose Prometheus failed to answer a query, and why. */
export function ClusterErrors({ errors }: { errors: ClusterError[] }) {
  if (!errors.length) return null;
  return (
    <ul className="cluster-errors" aria-label="Clusters that failed">
      {errors.map((e) => (
        <li key={e.cluster}>
          <ClusterDot context={e.cluster} /> <strong>{e.cluster}</strong>: {e.message}
        </li>
      ))}
    </ul>
  );
}
