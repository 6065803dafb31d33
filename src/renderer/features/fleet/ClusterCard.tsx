import { useState } from 'react';
import { cloudNames } from '../../../shared/cloud.ts';
import type { ClusterSummary } from '../../../shared/contract/fleet.ts';
import { useClusterColor } from '../../app/cluster-color.ts';
import { useUi, type MigrationRequest } from '../../app/ui-store.ts';
import { CloudBadge, StatusBadge } from '../../ui/Badge.tsx';
import { gib, percent } from '../../ui/format.ts';
import { MIGRATION_DRAG } from './migration-drag.ts';

const stateLabel: Record<ClusterSummary['state'], string> = { connecting: 'connecting…', synced: 'live', reconnecting: 'reconnecting…', failed: 'failed' };

/** A cluster's health at a glance; a click narrows the fleet view to it, a namespace dropped on it opens the migration dialog. */
export function ClusterCard({ summary: s, focused, onFocus }: { summary: ClusterSummary; focused: boolean; onFocus(): void }) {
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
        <CloudBadge cloud={s.cloud} />
        <span className="dot" style={{ background: clusterColor(s.context) }} aria-hidden />
        <strong>{s.context}</strong>
        <StatusBadge tone={s.state === 'synced' ? 'ok' : s.state === 'failed' ? 'failed' : 'pending'}>{stateLabel[s.state]}</StatusBadge>
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
