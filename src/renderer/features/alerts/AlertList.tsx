import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useDeferredValue, useMemo, useRef, useState } from 'react';
import { alertGroupings, filterAlerts, groupAlerts, type AlertGrouping, type AlertState, type MergedAlert } from '../../../shared/monitoring/alerts.ts';
import { parseMatchers, type Matcher } from '../../../shared/monitoring/matchers.ts';
import { useClusterColor } from '../../app/cluster-color.ts';
import { useUi } from '../../app/ui-store.ts';
import { SeverityBadge } from '../../ui/Badge.tsx';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { age } from '../../ui/format.ts';
import { AlertDetail } from './AlertDetail.tsx';
import { SilenceDialog } from './SilenceDialog.tsx';

const STATES: AlertState[] = ['active', 'silenced', 'suppressed'];

type Row = { kind: 'group'; key: string; count: number; active: number } | { kind: 'alert'; alert: MergedAlert };

/** The merged alerts, filtered by label matchers and state, grouped; arrow keys move the selection, S silences it. */
export function AlertList({ alerts, clusters, loading }: { alerts: MergedAlert[]; clusters: string[]; loading: boolean }) {
  const clusterColor = useClusterColor();
  const alertView = useUi((s) => s.alertView);
  const setAlertView = useUi((s) => s.setAlertView);
  const { filter: filterText, groupBy } = alertView;
  const states = useMemo(() => new Set(alertView.states), [alertView.states]);
  const [selected, setSelected] = useState<string>();
  const [silencing, setSilencing] = useState<MergedAlert>();
  const deferredFilter = useDeferredValue(filterText);
  const parsed = useMemo((): { matchers: Matcher[]; error?: string } => {
    try {
      return { matchers: deferredFilter.trim() ? parseMatchers(deferredFilter) : [] };
    } catch (error) {
      return { matchers: [], error: (error as Error).message };
    }
  }, [deferredFilter]);
  const rows = useMemo((): Row[] => {
    const visible = filterAlerts(alerts, parsed.matchers, [...states]);
    return groupAlerts(visible, groupBy).flatMap((g): Row[] => [
      { kind: 'group', key: g.key, count: g.alerts.length, active: g.alerts.filter((a) => a.state === 'active').length },
      ...g.alerts.map((alert): Row => ({ kind: 'alert', alert })),
    ]);
  }, [alerts, parsed.matchers, states, groupBy]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: (i) => (rows[i].kind === 'group' ? 34 : 52), overscan: 10 });
  const selectedAlert = useMemo(() => (selected === undefined ? undefined : alerts.find((a) => a.id === selected)), [alerts, selected]);
  const alertCount = useMemo(() => rows.filter((r) => r.kind === 'alert').length, [rows]);
  /** Arrow keys move the selection over the alerts (group headers are passed over); S silences the selected one. */
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 's' && selectedAlert) return setSilencing(selectedAlert);
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const step = e.key === 'ArrowDown' ? 1 : -1;
    const current = rows.findIndex((r) => r.kind === 'alert' && r.alert.id === selected);
    for (let i = current + step; i >= 0 && i < rows.length; i += step) {
      const row = rows[i];
      if (row.kind !== 'alert') continue;
      setSelected(row.alert.id);
      virtual.scrollToIndex(i);
      return;
    }
  };
  const toggleState = (s: AlertState) => setAlertView({ states: states.has(s) ? [...states].filter((x) => x !== s) : [...states, s] });

  return (
    <>
      <div className="toolbar">
        <input className="filter wide" type="search" aria-label="Filter alerts by label matchers" placeholder='matchers: severity="critical" cluster="aks-lab" namespace=~"shop|pay"' value={filterText} onChange={(e) => setAlertView({ filter: e.target.value })} />
        {STATES.map((s) => (
          <button key={s} className={`chip state-${s}${states.has(s) ? ' active' : ''}`} aria-pressed={states.has(s)} onClick={() => toggleState(s)}>
            {s}
          </button>
        ))}
        <label className="inline-field">
          <span>Group by</span>
          <select aria-label="Group by" value={groupBy} onChange={(e) => setAlertView({ groupBy: e.target.value as AlertGrouping })}>
            {alertGroupings.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </label>
        <span className="muted small" aria-live="polite">
          {alertCount} shown
        </span>
      </div>
      <ErrorBanner error={parsed.error} about="filter" />
      <div className="alerts-body">
        <div className="alert-list" role="grid" aria-label="Alerts" aria-rowcount={alertCount} tabIndex={0} onKeyDown={onKeyDown}>
          {loading && <p className="muted pad">Asking every Alertmanager…</p>}
          {!loading && alertCount === 0 && <EmptyState>{alerts.length ? 'No alert matches the filter.' : 'Nothing is firing.'}</EmptyState>}
          <div className="alert-scroll" ref={scroller}>
            <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
              {virtual.getVirtualItems().map((item) => {
                const row = rows[item.index];
                if (row.kind === 'group')
                  return (
                    <div key={`g-${row.key}-${item.index}`} className="alert-group" style={{ transform: `translateY(${item.start}px)`, height: item.size }} role="row">
                      {groupBy === 'cluster' && <span className="dot" style={{ background: clusterColor(row.key) }} />} <strong>{row.key}</strong>
                      <span className="muted small">
                        {row.count} alert{row.count === 1 ? '' : 's'}, {row.active} active
                      </span>
                    </div>
                  );
                return <AlertRow key={`${row.alert.id}-${item.index}`} alert={row.alert} selected={selected === row.alert.id} top={item.start} height={item.size} onSelect={setSelected} clusterColor={clusterColor} />;
              })}
            </div>
          </div>
        </div>
        {selectedAlert && <AlertDetail alert={selectedAlert} onSilence={() => setSilencing(selectedAlert)} onClose={() => setSelected(undefined)} />}
      </div>
      {silencing && <SilenceDialog alert={silencing} allClusters={clusters} onClose={() => setSilencing(undefined)} />}
    </>
  );
}

/** One alert of the list; memoized, so scrolling renders only the rows that come into view. */
const AlertRow = memo(function AlertRow({ alert: a, selected, top, height, onSelect, clusterColor }: { alert: MergedAlert; selected: boolean; top: number; height: number; onSelect: (id: string) => void; clusterColor: (context: string) => string }) {
  return (
    <div role="row" aria-selected={selected} className={`alert-row state-${a.state}${selected ? ' selected' : ''}`} style={{ transform: `translateY(${top}px)`, height }} onClick={() => onSelect(a.id)}>
      <SeverityBadge severity={a.labels.severity} />
      <span className="alert-main">
        <strong>{a.labels.alertname}</strong> <span className="muted small">{[a.labels.namespace, a.labels.pod ?? a.labels.node ?? a.labels.deployment].filter(Boolean).join('/')}</span>
        <span className="ellipsis small muted">{a.annotations.summary ?? a.annotations.description ?? ''}</span>
      </span>
      <span className="alert-clusters">
        {a.clusters.map((c) => (
          <span key={c} className="cluster-tag" style={{ borderColor: clusterColor(c) }}>
            {c}
          </span>
        ))}
      </span>
      <span className={`state state-${a.state}`}>{a.state}</span>
      <span className="muted small">{age(a.startsAt)}</span>
    </div>
  );
});
