import { useMemo } from 'react';
import type { BrowseItem } from '../../../shared/contract/fleet.ts';
import { useUi } from '../../app/ui-store.ts';
import { useSummaries } from '../../data/shared-queries.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { ScreenHeader } from '../../ui/ScreenHeader.tsx';
import { BrowseColumn, open } from './BrowseColumn.tsx';
import { ClusterCard } from './ClusterCard.tsx';
import { ProblemsTable } from './ProblemsTable.tsx';
import { useFleetLive, useSearch } from './queries.ts';
import { RootCausePanel } from './RootCausePanel.tsx';

export function FleetScreen() {
  useFleetLive();
  const summaries = useSummaries();
  const fleetSearch = useUi((s) => s.fleetSearch);
  const setFleetSearch = useUi((s) => s.setFleetSearch);
  const selectedPod = useUi((s) => s.selectedPod);
  const selectPod = useUi((s) => s.selectPod);
  const browse = useUi((s) => s.browse);
  const setBrowse = useUi((s) => s.setBrowse);
  const clusterFocus = browse?.context;

  const filter = useMemo(() => ({ context: clusterFocus, namespace: browse?.namespace, query: fleetSearch.trim() || undefined }), [clusterFocus, browse?.namespace, fleetSearch]);
  const selectedKey = selectedPod && `${selectedPod.context}/${selectedPod.namespace}/${selectedPod.pod}`;

  return (
    <section className="screen fleet" aria-labelledby="fleet-title">
      <ScreenHeader id="fleet-title" title="Fleet" summary={summaries.data ? `${summaries.data.length} clusters` : ''}>
        <input className="filter wide" type="search" placeholder="Search pods, namespaces, reasons…" aria-label="Search the fleet" value={fleetSearch} onChange={(e) => setFleetSearch(e.target.value)} />
      </ScreenHeader>
      <ErrorBanner error={summaries.error} />
      <SearchResults query={fleetSearch} onOpen={(item) => open(item, setBrowse, selectPod)} />
      <div className="cards">
        {summaries.data?.map((s) => (
          <ClusterCard key={s.context} summary={s} focused={clusterFocus === s.context} onFocus={() => setBrowse(clusterFocus === s.context ? undefined : { context: s.context })} />
        ))}
      </div>
      <div className="fleet-body">
        {browse && <BrowseColumn path={browse} onNavigate={setBrowse} onPod={selectPod} />}
        <ProblemsTable filter={filter} selected={selectedKey} onSelect={(r) => selectPod({ context: r.context, namespace: r.namespace, pod: r.pod })} />
        {selectedPod && <RootCausePanel pod={selectedPod} onClose={() => selectPod(undefined)} />}
      </div>
    </section>
  );
}

function SearchResults({ query, onOpen }: { query: string; onOpen(item: BrowseItem): void }) {
  const { data } = useSearch(query);
  if (query.trim().length < 2 || !data) return null;
  return (
    <div className="search-results" aria-label="Fleet search results" role="list">
      {data.length === 0 && <span className="muted small">Nothing named like "{query}" in the fleet.</span>}
      {data.map((item) => (
        <button key={`${item.context}/${item.kind}/${item.namespace}/${item.name}`} role="listitem" className={item.problems ? 'chip bad' : 'chip'} onClick={() => onOpen(item)}>
          <span className="muted">{item.kind}</span> {item.namespace ? `${item.namespace}/` : ''}{item.name} <span className="muted">· {item.context}</span>
        </button>
      ))}
    </div>
  );
}
