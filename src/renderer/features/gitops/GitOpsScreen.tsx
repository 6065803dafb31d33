import { useDeferredValue, useMemo, useState } from 'react';
import { kindInfo, needsAttention } from '../../../shared/gitops/status.ts';
import { useClusters } from '../../data/shared-queries.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { plural } from '../../ui/format.ts';
import { ScreenHeader } from '../../ui/ScreenHeader.tsx';
import { DriftPanel } from './DriftPanel.tsx';
import { GitOpsDetail } from './GitOpsDetail.tsx';
import { GitOpsTable, sorters, type Sort, type SortKey } from './GitOpsTable.tsx';
import { useGitOpsStatus } from './queries.ts';
import { keyOf } from './rows.ts';

type Tool = 'all' | 'argo' | 'flux';

export function GitOpsScreen() {
  const status = useGitOpsStatus();
  const clusters = useClusters();
  const cloudOf = (context: string) => clusters.data?.clusters.find((c) => c.context === context)?.cloud ?? 'other';
  const [filter, setFilter] = useState('');
  const [tool, setTool] = useState<Tool>('all');
  const [attention, setAttention] = useState(false);
  const [selected, setSelected] = useState<string>();
  const [view, setView] = useState<'apps' | 'drift'>('apps');
  const [sort, setSort] = useState<Sort>({ key: 'attention', descending: false });
  const deferred = useDeferredValue(filter.trim().toLowerCase());
  const apps = useMemo(() => {
    const shown = (status.data?.apps ?? []).filter(
      (a) =>
        (tool === 'all' || kindInfo(a.kind).tool === tool) &&
        (!attention || needsAttention(a)) &&
        (!deferred || [a.name, a.namespace, a.context, a.kind, a.source.repo, a.source.path, a.message].some((v) => v?.toLowerCase().includes(deferred))),
    );
    const by = sorters[sort.key];
    if (by) shown.sort((x, y) => by(x).localeCompare(by(y)));
    return sort.descending ? shown.reverse() : shown;
  }, [status.data, tool, attention, deferred, sort]);
  const onSort = (key: SortKey) => setSort((s) => (s.key !== key ? { key, descending: false } : !s.descending ? { key, descending: true } : { key: 'attention', descending: false }));
  const current = status.data?.apps.find((a) => keyOf(a) === selected);
  const summary = status.data ? `${plural(status.data.apps.length, 'Argo CD and Flux object')} from ${plural(status.data.answered.length, 'cluster')}` : 'reading every cluster…';
  return (
    <section className="screen gitops" aria-labelledby="gitops-title">
      <ScreenHeader id="gitops-title" title="GitOps" summary={summary}>
        <div className="segmented" role="tablist" aria-label="GitOps views">
          {(['apps', 'drift'] as const).map((v) => (
            <button key={v} role="tab" aria-selected={view === v} className={view === v ? 'active' : ''} onClick={() => setView(v)}>
              {{ apps: 'Applications', drift: 'Drift' }[v]}
            </button>
          ))}
        </div>
        {view === 'apps' && (
          <>
            <div className="segmented" role="radiogroup" aria-label="Tool">
              {(['all', 'argo', 'flux'] as Tool[]).map((t) => (
                <button key={t} role="radio" aria-checked={tool === t} className={tool === t ? 'active' : ''} onClick={() => setTool(t)}>
                  {{ all: 'All', argo: 'Argo CD', flux: 'Flux' }[t]}
                </button>
              ))}
            </div>
            <label className="check" title="failing, out of sync or not settled; a suspended object is not counted">
              <input type="checkbox" checked={attention} onChange={(e) => setAttention(e.target.checked)} /> needs attention
            </label>
            <input className="filter" aria-label="Filter applications" placeholder="Filter by name, repo, path, message…" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </>
        )}
      </ScreenHeader>
      {view === 'drift' && <DriftPanel />}
      {view === 'apps' && (
        <>
          <ErrorBanner error={status.error} />
          {status.data?.errors.map((e) => <ErrorBanner key={e.cluster} about={e.cluster} error={e.message} />)}
          {!!status.data?.notices.length && (
            <details className="notices muted small">
              <summary>{plural(status.data.notices.length, 'kind')} not listed (not installed or not allowed)</summary>
              {status.data.notices.map((n) => (
                <div key={`${n.cluster}/${n.kind}`}>{n.cluster}: {n.kind}: {n.reason}</div>
              ))}
            </details>
          )}
          <div className="gitops-body">
            <div className="gitops-list">
              <GitOpsTable apps={apps} sort={sort} onSort={onSort} selected={selected} onSelect={setSelected} cloudOf={cloudOf} />
              {apps.length === 0 && status.data && <EmptyState>No application matches.</EmptyState>}
            </div>
            {current && <GitOpsDetail app={current} onClose={() => setSelected(undefined)} onOpen={setSelected} />}
          </div>
        </>
      )}
    </section>
  );
}
