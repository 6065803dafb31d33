import { useState } from 'react';
import type { ClusterMonitoring } from '../../../shared/contract/monitoring.ts';
import { DataTable, type Column } from '../../ui/DataTable.tsx';
import { useSetEndpoints } from './queries.ts';

const columns: Column<ClusterMonitoring>[] = [
  { header: 'Cluster', width: '16%', cell: (e) => e.context },
  {
    header: 'Prometheus',
    cell: (e) => (
      <>
        {e.prometheus ? `${e.prometheus.location} (${e.prometheus.source})` : <span className="bad">{e.problem ?? 'none'}</span>}
        {e.sameAs && <span className="muted"> · same as {e.sameAs}</span>}
      </>
    ),
  },
  { header: 'Alertmanager', cell: (e) => (e.alertmanager ? `${e.alertmanager.location} (${e.alertmanager.source})` : <span className="muted">none</span>) },
  { header: 'Grafana', cell: (e) => e.grafana ?? <span className="muted">unknown</span> },
];

/** Where each cluster's Prometheus, Alertmanager and Grafana are, and URLs set in the app. */
export function EndpointSettings({ endpoints }: { endpoints: ClusterMonitoring[] }) {
  const save = useSetEndpoints();
  const [context, setContext] = useState('');
  const [urls, setUrls] = useState({ prometheus: '', alertmanager: '', grafana: '' });
  const value = (s: string) => (s.trim() ? s.trim() : null);
  return (
    <details className="panel endpoints">
      <summary>Monitoring endpoints</summary>
      <DataTable label="Monitoring endpoints" className="small" columns={columns} rows={endpoints} rowKey={(e) => e.context} />
      <form
        className="endpoint-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (context) save.mutate({ context, prometheus: value(urls.prometheus), alertmanager: value(urls.alertmanager), grafana: value(urls.grafana) });
        }}
      >
        <select aria-label="Cluster to configure" value={context} onChange={(e) => setContext(e.target.value)}>
          <option value="">Set URLs for…</option>
          {endpoints.map((e) => (
            <option key={e.context}>{e.context}</option>
          ))}
        </select>
        {(['prometheus', 'alertmanager', 'grafana'] as const).map((k) => (
          <input key={k} className="filter" placeholder={`${k} URL (empty: kubeconfig or discovery)`} aria-label={`${k} URL`} value={urls[k]} onChange={(e) => setUrls({ ...urls, [k]: e.target.value })} />
        ))}
        <button type="submit" disabled={!context || save.isPending}>
          Save
        </button>
        {save.error && <span className="bad small">{save.error.message}</span>}
      </form>
    </details>
  );
}
