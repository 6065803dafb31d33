import { useEffect, useMemo, useRef, useState } from 'react';
import { cloudNames, clouds, type Cloud } from '../../../shared/cloud.ts';
import type { ClusterEntry, Connection } from '../../../shared/contract/clusters.ts';
import { useUi } from '../../app/ui-store.ts';
import { ImportDialog, importFiles } from './ImportDialog.tsx';
import { useClusters, useClustersLive, useConnect, useImport, useRemove, useRename } from './queries.ts';

export function ClustersScreen() {
  useClustersLive();
  const { data, error, isPending, refetch, isFetching } = useClusters();
  const connect = useConnect();
  const importer = useImport();
  const [importing, setImporting] = useState(false);
  const [dropping, setDropping] = useState(false);
  const [dropResults, setDropResults] = useState<string[]>([]);
  const [connecting, setConnecting] = useState<ReadonlySet<string>>(new Set());
  const { clusterFilter, setClusterFilter } = useUi();
  const filterRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && document.activeElement?.tagName !== 'INPUT') {
        e.preventDefault();
        filterRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // mutateAsync per context: with mutate, only the latest call's callbacks run when several overlap
  const connectOne = (context: string) => {
    setConnecting((s) => new Set(s).add(context));
    connect
      .mutateAsync(context)
      .catch(() => undefined)
      .finally(() =>
        setConnecting((s) => {
          const next = new Set(s);
          next.delete(context);
          return next;
        }),
      );
  };

  const groups = useMemo(() => {
    const needle = clusterFilter.trim().toLowerCase();
    const matches = (c: ClusterEntry) => !needle || [c.context, c.cluster, c.server, c.cloud].some((v) => v.toLowerCase().includes(needle));
    return clouds
      .map((cloud) => ({ cloud, clusters: (data?.clusters ?? []).filter((c) => c.cloud === cloud && matches(c)) }))
      .filter((g) => g.clusters.length > 0);
  }, [data, clusterFilter]);

  return (
    <section
      className={`screen ${dropping ? 'dropping' : ''}`}
      aria-labelledby="clusters-title"
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDropping(true);
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDropping(false)}
      onDrop={async (e) => {
        e.preventDefault();
        setDropping(false);
        setDropResults(await importFiles(e.dataTransfer.files, importer.mutateAsync));
      }}
    >
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
      {dropping && <div className="drop-hint">Drop kubeconfig files to import them</div>}
      <header className="screen-header">
        <h1 id="clusters-title">Clusters</h1>
        <span className="muted">{data ? `${data.clusters.length} contexts` : ''}</span>
        <div className="spacer" />
        <input
          ref={filterRef}
          className="filter"
          type="search"
          placeholder="Filter  ( / )"
          aria-label="Filter clusters"
          value={clusterFilter}
          onChange={(e) => setClusterFilter(e.target.value)}
        />
        <button onClick={() => void refetch()} disabled={isFetching}>Reload</button>
        <button onClick={() => setImporting(true)}>Add kubeconfig…</button>
        <button className="primary" disabled={!data?.clusters.length} onClick={() => data?.clusters.filter((c) => !c.problem).forEach((c) => connectOne(c.context))}>
          Connect all
        </button>
      </header>

      {error && <div className="banner error" role="alert">{error.message}</div>}
      {dropResults.map((r) => (
        <div key={r} className={`banner ${r.includes(': added ') ? 'ok' : 'error'}`} role="status">{r}</div>
      ))}
      {connect.error && <div className="banner error" role="alert">{connect.error.message}</div>}
      {data?.errors.map((e) => (
        <div key={e.source} className="banner error" role="alert">
          <strong>{e.code}</strong> {e.message}
        </div>
      ))}
      {isPending && <p className="muted">Reading kubeconfig…</p>}
      {data && data.clusters.length === 0 && !data.errors.length && <p className="empty">No contexts found. Point Fleetdeck at a kubeconfig with --kubeconfig or $KUBECONFIG.</p>}

      {groups.map(({ cloud, clusters }) => (
        <CloudGroup key={cloud} cloud={cloud} clusters={clusters} connecting={connecting} onConnect={connectOne} />
      ))}
    </section>
  );
}

function CloudGroup(props: { cloud: Cloud; clusters: ClusterEntry[]; connecting: ReadonlySet<string>; onConnect(context: string): void }) {
  return (
    <section className="cloud-group" data-cloud={props.cloud} aria-label={cloudNames[props.cloud]}>
      <h2>
        <span className={`cloud-badge ${props.cloud}`}>{props.cloud.toUpperCase()}</span> {cloudNames[props.cloud]}
        <span className="muted"> · {props.clusters.length}</span>
      </h2>
      <table className="grid">
        <thead>
          <tr>
            <th>Context</th>
            <th>Cluster</th>
            <th>Server</th>
            <th>Auth</th>
            <th>Connection</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {props.clusters.map((c) => (
            <tr key={c.context} data-context={c.context}>
              <td className="strong">
                <ContextName entry={c} />
              </td>
              <td>{c.cluster}</td>
              <td className="mono">{c.server}</td>
              <td title={c.authDetail}>{c.authKind}{c.authDetail ? <span className="muted"> · {c.authDetail.split(' ')[0]}</span> : null}</td>
              <td>{c.problem ? <span className="status failed" title={c.problem}>{c.problem}</span> : <ConnectionState connecting={props.connecting.has(c.context)} connection={c.connection} />}</td>
              <td>
                <button disabled={!!c.problem || props.connecting.has(c.context)} onClick={() => props.onConnect(c.context)} aria-label={`Connect ${c.context}`}>
                  Connect
                </button>
                {c.vaultId && <RemoveButton entry={c} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ConnectionState({ connecting, connection }: { connecting: boolean; connection?: Connection }) {
  if (connecting) return <span className="status pending">connecting…</span>;
  if (!connection) return <span className="status idle">not checked</span>;
  if (connection.state === 'connected') {
    return (
      <span className="status ok" title={connection.user ? `as ${connection.user}` : undefined}>
        connected · {connection.version} · {connection.latencyMs} ms
      </span>
    );
  }
  return (
    <span className="status failed" title={connection.message}>
      {connection.reason}: {connection.message}
    </span>
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
      {rename.error && <span className="status failed" title={rename.error.message}>{rename.error.message}</span>}
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
