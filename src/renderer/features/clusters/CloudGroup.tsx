import { useState } from 'react';
import { cloudNames, type Cloud } from '../../../shared/cloud.ts';
import type { ClusterEntry } from '../../../shared/contract/clusters.ts';
import { CloudBadge, StatusBadge } from '../../ui/Badge.tsx';
import { DataTable, type Column } from '../../ui/DataTable.tsx';
import type { ConnectionView } from './connection-state.ts';
import { useRemove, useRename } from './queries.ts';

/** One cloud's contexts: where each points, how it authenticates and what is known of its connection. */
export function CloudGroup(props: { cloud: Cloud; clusters: ClusterEntry[]; connecting: ReadonlySet<string>; connectionOf(entry: ClusterEntry): ConnectionView; onConnect(context: string): void }) {
  const { cloud, clusters, connecting, connectionOf, onConnect } = props;
  const columns: Column<ClusterEntry>[] = [
    { header: 'Context', width: '20%', className: 'strong', cell: (c) => <ContextName entry={c} /> },
    { header: 'Cluster', width: '14%', cell: (c) => c.cluster },
    { header: 'Server', width: '20%', className: 'mono', cell: (c) => c.server },
    { header: 'Auth', width: '12%', cell: (c) => <span title={c.authDetail}>{c.authKind}{c.authDetail ? <span className="muted"> · {c.authDetail.split(' ')[0]}</span> : null}</span> },
    { header: 'Connection', cell: (c) => <ConnectionCell entry={c} connecting={connecting.has(c.context)} view={connectionOf(c)} /> },
    {
      header: '',
      label: 'Actions',
      width: '190px',
      className: 'actions-cell',
      cell: (c) => (
        <>
          <button disabled={!!c.problem || connecting.has(c.context)} onClick={() => onConnect(c.context)} aria-label={`Connect ${c.context}`}>
            Connect
          </button>
          {c.vaultId && <RemoveButton entry={c} />}
        </>
      ),
    },
  ];
  return (
    <section className="cloud-group" data-cloud={cloud} aria-label={cloudNames[cloud]}>
      <h2>
        <CloudBadge cloud={cloud} /> {cloudNames[cloud]}
        <span className="muted"> · {clusters.length}</span>
      </h2>
      <DataTable label={`${cloudNames[cloud]} contexts`} columns={columns} rows={clusters} rowKey={(c) => c.context} rowProps={(c) => ({ 'data-context': c.context })} />
    </section>
  );
}

function ConnectionCell({ entry, connecting, view }: { entry: ClusterEntry; connecting: boolean; view: ConnectionView }) {
  if (entry.problem) return <StatusBadge tone="failed" title={entry.problem}>{entry.problem}</StatusBadge>;
  if (connecting) return <StatusBadge tone="pending">connecting…</StatusBadge>;
  return (
    <StatusBadge tone={view.tone} title={view.title}>
      {view.text}
    </StatusBadge>
  );
}

function ContextName({ entry }: { entry: ClusterEntry }) {
  const rename = useRename();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(entry.displayName ?? '');
  const save = () => {
    setEditing(false);
    if (value !== (entry.displayName ?? '')) rename.mutate({ context: entry.context, displayName: value });
  };
  if (editing) {
    return (
      <input
        className="rename"
        autoFocus
        aria-label={`Display name for ${entry.context}`}
        value={value}
        placeholder={entry.context}
        onChange={(e) => setValue(e.target.value)}
        onBlur={save}
        onKeyDown={(e) => (e.key === 'Enter' ? save() : e.key === 'Escape' ? (setValue(entry.displayName ?? ''), setEditing(false)) : undefined)}
      />
    );
  }
  return (
    <span className="context-name">
      <button className="link" title="Rename (display name only)" aria-label={`Rename ${entry.context}`} onClick={() => setEditing(true)}>
        {entry.displayName ?? entry.context}
      </button>
      {entry.displayName && <span className="muted small"> {entry.context}</span>}
      {entry.current && <span className="tag">current</span>}
      {entry.vaultId && <span className="tag" title={entry.source}>vault</span>}
      {rename.error && <StatusBadge tone="failed" title={rename.error.message}>{rename.error.message}</StatusBadge>}
    </span>
  );
}

function RemoveButton({ entry }: { entry: ClusterEntry }) {
  const remove = useRemove();
  return (
    <button
      className="danger"
      aria-label={`Remove ${entry.context}`}
      title={`Remove the imported kubeconfig ${entry.source} (all its contexts)`}
      disabled={remove.isPending}
      onClick={() => window.confirm(`Remove ${entry.source} and every context it added?`) && remove.mutate(entry.vaultId!)}
    >
      Remove
    </button>
  );
}
