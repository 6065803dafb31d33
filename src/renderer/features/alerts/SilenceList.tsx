import { useState } from 'react';
import type { Silence } from '../../../shared/contract/monitoring.ts';
import { describeMatchers } from '../../../shared/monitoring/routing.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { ClusterDot } from '../../ui/ClusterDot.tsx';
import { DataTable, type Column } from '../../ui/DataTable.tsx';
import { useSilenceActions, useSilences } from './queries.ts';

/** The silences of every Alertmanager (expired ones on request), each expirable. */
export function SilenceList() {
  const silences = useSilences();
  const { expire } = useSilenceActions();
  const [showExpired, setShowExpired] = useState(false);
  const list = (silences.data?.silences ?? []).filter((s) => showExpired || s.state !== 'expired');
  const columns: Column<Silence>[] = [
    { header: 'Cluster', width: '14%', cell: (s) => <><ClusterDot context={s.cluster} /> {s.cluster}</> },
    { header: 'Matchers', width: '28%', className: 'mono', cell: (s) => describeMatchers(s.matchers) },
    { header: 'State', width: '9%', cell: (s) => s.state },
    { header: 'Ends', width: '16%', cell: (s) => new Date(s.endsAt).toLocaleString() },
    { header: 'By / comment', cell: (s) => `${s.createdBy}: ${s.comment}` },
    {
      header: '',
      label: 'Actions',
      width: '90px',
      className: 'actions-cell',
      cell: (s) =>
        s.state !== 'expired' && (
          <button className="danger" disabled={expire.isPending} onClick={() => expire.mutate({ context: s.cluster, id: s.id })}>
            Expire
          </button>
        ),
    },
  ];
  return (
    <div className="panel">
      <div className="toolbar">
        <label className="inline-field">
          <input type="checkbox" checked={showExpired} onChange={(e) => setShowExpired(e.target.checked)} /> <span>show expired</span>
        </label>
      </div>
      <ErrorBanner error={silences.error} />
      <ErrorBanner error={expire.error} />
      {silences.data?.errors.map((e) => <ErrorBanner key={e.cluster} error={e} about={e.cluster} />)}
      <DataTable
        label="Silences"
        className="small"
        columns={columns}
        rows={list}
        rowKey={(s) => `${s.cluster}/${s.id}`}
        empty={silences.isPending ? 'Loading…' : 'No silences.'}
      />
    </div>
  );
}
