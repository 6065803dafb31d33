import type { ClusterMonitoring } from '../../../shared/contract/monitoring.ts';
import { ClusterDot } from '../../ui/ClusterDot.tsx';

/** Which clusters the panels ask: those with a Prometheus, each on or off. */
export function ClusterToggles({ endpoints, deselected, onToggle }: { endpoints: ClusterMonitoring[]; deselected: Set<string>; onToggle: (context: string) => void }) {
  return (
    <div className="cluster-toggles" role="group" aria-label="Clusters">
      {endpoints.filter((e) => !e.sameAs).map((e) => (
        <button
          key={e.context}
          className={`chip cluster-chip${e.prometheus && !deselected.has(e.context) ? ' active' : ''}`}
          aria-pressed={!!e.prometheus && !deselected.has(e.context)}
          disabled={!e.prometheus}
          title={e.prometheus ? `Prometheus: ${e.prometheus.location} (${e.prometheus.source})` : e.problem}
          onClick={() => onToggle(e.context)}
        >
          <ClusterDot context={e.context} /> {e.context}
          {!e.prometheus && <span className="muted"> · no Prometheus</span>}
        </button>
      ))}
    </div>
  );
}
