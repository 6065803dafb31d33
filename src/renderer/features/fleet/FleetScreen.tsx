import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { cloudNames } from '../../../shared/cloud.ts';
import { useClusterColor } from '../../app/cluster-color.ts';
import type { BrowseItem, ClusterSummary, PodProblemRow } from '../../../shared/contract/fleet.ts';
import { useUi, type BrowsePath, type MigrationRequest, type PodRef } from '../../app/ui-store.ts';
import { RootCausePanel } from './RootCausePanel.tsx';
import { useSummaries } from '../../data/shared-queries.ts';
import { PROBLEM_PAGE, useBrowse, useFleetLive, useProblemPages, useSearch, type ProblemFilter } from './queries.ts';

const stateLabel: Record<ClusterSummary['state'], string> = { connecting: 'connecting…', synced: 'live', reconnecting: 'reconnecting…', failed: 'failed' };
const percent = (used: number, total: number) => (total ? Math.round((used / total) * 100) : 0);
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export function age(since: string | undefined, now = Date.now()): string {
  if (!since) return '';
  const s = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

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
      <header className="screen-header">
        <h1 id="fleet-title">Fleet</h1>
        <span className="muted">{summaries.data ? `${summaries.data.length} clusters` : ''}</span>
        <div className="spacer" />
        <input className="filter wide" type="search" placeholder="Search pods, namespaces, reasons…" aria-label="Search the fleet" value={fleetSearch} onChange={(e) => setFleetSearch(e.target.value)} />
      </header>
      {summaries.error && <div className="banner error" role="alert">{summaries.error.message}</div>}
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

const key = (r: PodProblemRow) => `${r.context}/${r.namespace}/${r.pod}`;

/** Opens a browse item: a pod in the root-cause panel, anything else in the drill-down. */
function open(item: BrowseItem, setBrowse: (p: BrowsePath) => void, selectPod: (p: PodRef) => void) {
  if (item.kind === 'Pod') return selectPod({ context: item.context, namespace: item.namespace!, pod: item.name });
  if (item.kind === 'Namespace') return setBrowse({ context: item.context, namespace: item.name });
  setBrowse({ context: item.context, namespace: item.namespace, workload: { kind: item.kind, name: item.name } });
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

/** What a namespace or workload dragged from the drill-down carries: a migration request without its target. */
const MIGRATION_DRAG = 'application/x-fleetdeck-migration';

function BrowseColumn({ path, onNavigate, onPod }: { path: BrowsePath; onNavigate(p: BrowsePath): void; onPod(p: PodRef): void }) {
  const { data, error, isPending } = useBrowse(path);
  const setMigration = useUi((s) => s.setMigration);
  return (
    <nav className="browse" aria-label="Drill down">
      <div className="crumbs">
        <button className="link" onClick={() => onNavigate({ context: path.context })}>{path.context}</button>
        {path.namespace && <> › <button className="link" onClick={() => onNavigate({ context: path.context, namespace: path.namespace })}>{path.namespace}</button></>}
        {path.workload && <> › <span>{path.workload.kind}/{path.workload.name}</span></>}
      </div>
      {isPending && <p className="muted small">Loading…</p>}
      {error && <div className="banner error" role="alert">{error.message}</div>}
      <ul>
        {data?.map((item) => (
          <li key={`${item.kind}/${item.name}`}>
            <button
              className="browse-item"
              onClick={() => open(item, onNavigate, onPod)}
              draggable={item.kind !== 'Pod'}
              title={item.kind !== 'Pod' ? 'Drag onto another cluster to migrate it' : undefined}
              onDragStart={(e) => {
                const dragged: Omit<MigrationRequest, 'toContext'> =
                  item.kind === 'Namespace' ? { fromContext: item.context, namespace: item.name } : { fromContext: item.context, namespace: item.namespace!, workload: { kind: item.kind as 'Deployment', name: item.name } };
                e.dataTransfer.setData(MIGRATION_DRAG, JSON.stringify(dragged));
                e.dataTransfer.effectAllowed = 'copy';
              }}
            >
              <span className="muted small">{item.kind}</span>
              <span className="ellipsis">{item.name}</span>
              <span className={item.problems ? 'bad small' : 'muted small'}>{item.problems ? `${item.problems} broken` : item.status}</span>
            </button>
          </li>
        ))}
      </ul>
      {path.namespace && (
        <button className="small" onClick={() => setMigration({ fromContext: path.context, toContext: '', namespace: path.namespace!, ...(path.workload ? { workload: path.workload } : {}) })}>
          Migrate {path.workload ? `${path.workload.kind}/${path.workload.name}` : path.namespace} to another cluster…
        </button>
      )}
    </nav>
  );
}

function ClusterCard({ summary: s, focused, onFocus }: { summary: ClusterSummary; focused: boolean; onFocus(): void }) {
  const clusterColor = useClusterColor();
  const nodesForbidden = s.forbidden.some((f) => f.includes('list nodes'));
  const setMigration = useUi((state) => state.setMigration);
  const [dropping, setDropping] = useState(false);
  return (
    <button
      className={`card ${focused ? 'focused' : ''} ${dropping ? 'drop-target' : ''}`}
      data-context={s.context}
      aria-pressed={focused}
      onClick={onFocus}
      title={focused ? 'Show every cluster' : `Show only ${s.context}`}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes(MIGRATION_DRAG)) return;
        e.preventDefault();
        setDropping(true);
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={(e) => {
        setDropping(false);
        const dragged = e.dataTransfer.getData(MIGRATION_DRAG);
        if (!dragged) return;
        e.preventDefault();
        const request = JSON.parse(dragged) as Omit<MigrationRequest, 'toContext'>;
        if (request.fromContext !== s.context) setMigration({ ...request, toContext: s.context });
      }}
    >
      <div className="card-head">
        <span className={`cloud-badge ${s.cloud}`}>{s.cloud.toUpperCase()}</span>
        <span className="dot" style={{ background: clusterColor(s.context) }} aria-hidden />
        <strong>{s.context}</strong>
        <span className={`status ${s.state === 'synced' ? 'ok' : s.state === 'failed' ? 'failed' : 'pending'}`}>{stateLabel[s.state]}</span>
      </div>
      <div className="muted small">{cloudNames[s.cloud]} · {s.version ?? 'version unknown'}</div>
      {s.error && <div className="card-error" title={s.error}>{s.error}</div>}
      <dl className="card-stats">
        <div><dt>nodes</dt><dd className={s.nodes.ready < s.nodes.total ? 'bad' : ''}>{nodesForbidden ? '—' : `${s.nodes.ready}/${s.nodes.total}`}</dd></div>
        <div><dt>pods</dt><dd>{s.pods.running} running{s.pods.pending ? ` · ${s.pods.pending} pending` : ''}{s.pods.failed ? ` · ${s.pods.failed} failed` : ''}</dd></div>
        <div><dt>problems</dt><dd className={s.problemPods ? 'bad' : 'good'}>{s.problemPods}</dd></div>
        <div><dt>cpu req.</dt><dd>{nodesForbidden ? '—' : `${percent(s.cpu.requestedMillis, s.cpu.allocatableMillis)}% of ${(s.cpu.allocatableMillis / 1000).toFixed(0)} cores`}</dd></div>
        <div><dt>mem req.</dt><dd>{nodesForbidden ? '—' : `${percent(s.memory.requestedBytes, s.memory.allocatableBytes)}% of ${gib(s.memory.allocatableBytes)}`}</dd></div>
      </dl>
      {s.forbidden.length > 0 && <div className="muted small" title={s.forbidden.join('\n')}>{s.forbidden.length} list(s) forbidden</div>}
    </button>
  );
}

/** One row of the problem table; memoized, so scrolling renders only the rows that come into view. */
const ProblemRow = memo(function ProblemRow({ row: r, index, top, selected, onPick }: { row: PodProblemRow; index: number; top: number; selected: boolean; onPick(index: number, row: PodProblemRow): void }) {
  return (
    <div role="row" aria-selected={selected} data-pod={r.pod} className={`problem-row sev-${r.severity} ${selected ? 'selected' : ''}`} style={{ transform: `translateY(${top}px)` }} onClick={() => onPick(index, r)}>
      <span className="reason">{r.reason}</span>
      <span><span className={`dot ${r.cloud}`} /> {r.context}</span>
      <span className="mono ellipsis" title={`${r.namespace}/${r.pod}`}>{r.namespace}/{r.pod}</span>
      <span>{r.restarts}</span>
      <span>{age(r.since)}</span>
      <span className="ellipsis muted" title={r.hint}>{r.hint}</span>
    </div>
  );
});

function ProblemsTable({ filter, selected, onSelect }: { filter: ProblemFilter; selected?: string; onSelect(r: PodProblemRow): void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [cursor, setCursor] = useState(-1);
  const [visiblePages, setVisiblePages] = useState<number[]>([]);
  const { total, rowAt, isPending, error } = useProblemPages(filter, visiblePages);
  const virtual = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => 36, overscan: 12 });
  const items = virtual.getVirtualItems();
  const inView = items.length ? `${Math.floor(items[0].index / PROBLEM_PAGE)},${Math.floor(items[items.length - 1].index / PROBLEM_PAGE)}` : '';
  useEffect(() => setVisiblePages(inView ? inView.split(',').map(Number) : []), [inView]);
  const pick = useCallback(
    (index: number, row: PodProblemRow) => {
      setCursor(index);
      onSelect(row);
    },
    [onSelect],
  );
  const move = (delta: number) => {
    const index = Math.max(0, Math.min(total - 1, cursor + delta));
    const row = rowAt(index);
    if (!row) return;
    pick(index, row);
    virtual.scrollToIndex(index);
  };
  return (
    <div className="problems" role="grid" aria-label="Pod problems" aria-rowcount={total} tabIndex={0} onKeyDown={(e) => (e.key === 'ArrowDown' ? move(1) : e.key === 'ArrowUp' ? move(-1) : undefined)}>
      <div className="problems-head" role="row">
        <span>Reason</span><span>Cluster</span><span>Namespace / pod</span><span>Restarts</span><span>Age</span><span>Hint</span>
      </div>
      {error && <div className="banner error" role="alert">{error.message}</div>}
      {isPending && <p className="muted pad">Listing pods in every cluster…</p>}
      {!isPending && !error && total === 0 && <p className="empty">No broken pods. </p>}
      <div className="problems-scroll" ref={scroller}>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const r = rowAt(item.index);
            if (!r) return <div key={`loading-${item.index}`} role="row" className="problem-row loading" style={{ transform: `translateY(${item.start}px)` }}><span className="muted">…</span></div>;
            return <ProblemRow key={key(r)} row={r} index={item.index} top={item.start} selected={key(r) === selected} onPick={pick} />;
          })}
        </div>
      </div>
    </div>
  );
}
