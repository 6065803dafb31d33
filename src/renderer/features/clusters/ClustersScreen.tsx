import { useMemo, useRef, useState } from 'react';
import { clouds } from '../../../shared/cloud.ts';
import type { ClusterEntry } from '../../../shared/contract/clusters.ts';
import { useUi } from '../../app/ui-store.ts';
import { useClusters, useSummaries } from '../../data/shared-queries.ts';
import { Banner, ErrorBanner } from '../../ui/Banner.tsx';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { ScreenHeader } from '../../ui/ScreenHeader.tsx';
import { useFocusKey } from '../../ui/useFocusKey.ts';
import { CloudGroup } from './CloudGroup.tsx';
import { connectionView, watchOf } from './connection-state.ts';
import { ImportDialog, importFiles } from './ImportDialog.tsx';
import { useConnect, useImport } from './queries.ts';

export function ClustersScreen() {
  const { data, error, isPending, refetch, isFetching } = useClusters();
  // what the fleet view's watches know: a context nobody checked is still shown live when it is
  const summaries = useSummaries();
  const connect = useConnect();
  const importer = useImport();
  const [importing, setImporting] = useState(false);
  const [dropping, setDropping] = useState(false);
  const [dropResults, setDropResults] = useState<string[]>([]);
  const [connecting, setConnecting] = useState<ReadonlySet<string>>(new Set());
  const clusterFilter = useUi((s) => s.clusterFilter);
  const setClusterFilter = useUi((s) => s.setClusterFilter);
  const filterRef = useRef<HTMLInputElement>(null);
  useFocusKey(filterRef, '/');

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
  const connectionOf = (entry: ClusterEntry) => connectionView(entry, entry.connection, watchOf(entry, data?.clusters ?? [], summaries.data ?? []));

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
      <ScreenHeader id="clusters-title" title="Clusters" summary={data ? `${data.clusters.length} contexts` : ''}>
        <input ref={filterRef} className="filter" type="search" placeholder="Filter  ( / )" aria-label="Filter clusters" value={clusterFilter} onChange={(e) => setClusterFilter(e.target.value)} />
        <button onClick={() => void refetch()} disabled={isFetching}>
          Reload
        </button>
        <button onClick={() => setImporting(true)}>Add kubeconfig…</button>
        <button className="primary" disabled={!data?.clusters.length} onClick={() => data?.clusters.filter((c) => !c.problem).forEach((c) => connectOne(c.context))}>
          Connect all
        </button>
      </ScreenHeader>

      <ErrorBanner error={error} />
      {dropResults.map((r) => (
        <Banner key={r} tone={r.includes(': added ') ? 'ok' : 'error'}>
          {r}
        </Banner>
      ))}
      <ErrorBanner error={connect.error} />
      {data?.errors.map((e) =>
        e.notice ? (
          <Banner key={e.source} tone="info">
            {e.message}
          </Banner>
        ) : (
          <ErrorBanner key={e.source} error={e} />
        ),
      )}
      {isPending && <p className="muted">Reading kubeconfig…</p>}
      {data && data.clusters.length === 0 && !data.errors.length && <EmptyState>No contexts found. Point Fleetdeck at a kubeconfig with --kubeconfig or $KUBECONFIG.</EmptyState>}

      {groups.map(({ cloud, clusters }) => (
        <CloudGroup key={cloud} cloud={cloud} clusters={clusters} connecting={connecting} connectionOf={connectionOf} onConnect={connectOne} />
      ))}
    </section>
  );
}
