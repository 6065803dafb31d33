import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useRef, useState } from 'react';
import type { PodProblemRow } from '../../../shared/contract/fleet.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { age } from '../../ui/format.ts';
import { PROBLEM_PAGE, useProblemPages, type ProblemFilter } from './queries.ts';

const key = (r: PodProblemRow) => `${r.context}/${r.namespace}/${r.pod}`;

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

/** Every broken pod of the fleet (or of the cluster and namespace in focus), worst first, a page at a time; arrow keys move the selection. */
export function ProblemsTable({ filter, selected, onSelect }: { filter: ProblemFilter; selected?: string; onSelect(r: PodProblemRow): void }) {
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
      <ErrorBanner error={error} />
      {isPending && <p className="muted pad">Listing pods in every cluster…</p>}
      {!isPending && !error && total === 0 && <EmptyState>No broken pods.</EmptyState>}
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
