import { useState } from 'react';
import { dashboardPanels, timeRanges } from '../../../shared/monitoring/dashboards.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { ScreenHeader } from '../../ui/ScreenHeader.tsx';
import { ClusterToggles } from './ClusterToggles.tsx';
import { DashboardPanel } from './DashboardPanel.tsx';
import { EndpointSettings } from './EndpointSettings.tsx';
import { Explorer } from './Explorer.tsx';
import { markersOf } from './moves.ts';
import { useMetricNamespaces, useMonitoringEndpoints, useMoveMarkers } from './queries.ts';

/** The golden signals of every selected cluster over a time range, free PromQL, and where each Prometheus is. */
export function MetricsScreen() {
  const endpoints = useMonitoringEndpoints();
  const [rangeId, setRangeId] = useState<(typeof timeRanges)[number]['id']>('1h');
  const [namespace, setNamespace] = useState('');
  const [deselected, setDeselected] = useState<Set<string>>(new Set());
  const range = timeRanges.find((r) => r.id === rangeId)!;
  const withPrometheus = endpoints.data?.filter((e) => e.prometheus && !e.sameAs) ?? [];
  const contexts = withPrometheus.map((e) => e.context).filter((c) => !deselected.has(c));
  const namespaces = useMetricNamespaces(contexts);
  const moves = markersOf(useMoveMarkers(), namespace || undefined, contexts);
  const namespaceOptions = [...new Set(namespaces.data?.series.map((s) => s.metric.namespace).filter(Boolean))].sort();

  return (
    <section className="screen metrics" aria-labelledby="metrics-title">
      <ScreenHeader id="metrics-title" title="Metrics" summary={endpoints.data ? `${contexts.length} of ${endpoints.data.filter((e) => !e.sameAs).length} clusters` : ''}>
        <label className="inline-field">
          <span>Scope</span>
          <select aria-label="Namespace scope" value={namespace} onChange={(e) => setNamespace(e.target.value)}>
            <option value="">whole clusters</option>
            {namespaceOptions.map((n) => (
              <option key={n} value={n}>
                namespace {n}
              </option>
            ))}
          </select>
        </label>
        <div className="segmented" role="radiogroup" aria-label="Time range">
          {timeRanges.map((r) => (
            <button key={r.id} role="radio" aria-checked={r.id === rangeId} className={r.id === rangeId ? 'active' : ''} title={r.label} onClick={() => setRangeId(r.id)}>
              {r.id}
            </button>
          ))}
        </div>
      </ScreenHeader>
      <ErrorBanner error={endpoints.error} />
      <ClusterToggles endpoints={endpoints.data ?? []} deselected={deselected} onToggle={(c) => setDeselected((d) => (d.has(c) ? new Set([...d].filter((x) => x !== c)) : new Set([...d, c])))} />
      <div className="panels">
        {dashboardPanels.map((panel) => (
          <DashboardPanel key={panel.id} panel={panel} namespace={panel.namespaced ? namespace || undefined : undefined} seconds={range.seconds} contexts={contexts} markers={panel.namespaced ? moves : []} />
        ))}
      </div>
      <Explorer contexts={contexts} seconds={range.seconds} rangeId={rangeId} endpoints={endpoints.data ?? []} />
      <EndpointSettings endpoints={endpoints.data ?? []} />
    </section>
  );
}
