import { useState } from 'react';
import type { Cloud } from '../../../shared/cloud.ts';
import type { GitOpsApp } from '../../../shared/gitops/status.ts';
import { CloudBadge, StatusBadge } from '../../ui/Badge.tsx';
import { ClusterDot } from '../../ui/ClusterDot.tsx';
import { age } from '../../ui/format.ts';
import { keyOf, toneOf } from './rows.ts';

/** The columns the table sorts by (ascending, descending, then back); "attention" is the service's order: what needs a look first. */
export const sorters = {
  attention: undefined,
  name: (a: GitOpsApp) => a.name,
  cluster: (a: GitOpsApp) => a.context,
  sync: (a: GitOpsApp) => a.sync,
  health: (a: GitOpsApp) => a.health,
  applied: (a: GitOpsApp) => a.lastAppliedAt ?? '',
} satisfies Record<string, ((a: GitOpsApp) => string) | undefined>;
export type SortKey = keyof typeof sorters;
export type Sort = { key: SortKey; descending: boolean };

/** About what two lines of the Sync column hold: a longer message is cut there, with a button that shows it whole. */
const LONG_MESSAGE = 70;

const sourceText = (a: GitOpsApp) => `${a.source.repo ?? ''}${a.source.path ? ` · ${a.source.path}` : ''}${a.source.chart ? ` · ${a.source.chart}` : ''}${a.source.targetRevision ? ` @ ${a.source.targetRevision}` : ''}`;

export function GitOpsTable({ apps, sort, onSort, selected, onSelect, cloudOf }: { apps: GitOpsApp[]; sort: Sort; onSort(key: SortKey): void; selected?: string; onSelect(key: string): void; cloudOf(context: string): Cloud }) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (key: string) => setExpanded((keys) => (keys.has(key) ? new Set([...keys].filter((k) => k !== key)) : new Set([...keys, key])));
  const header = (key: SortKey, label: string) => (
    <th aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button className="link" onClick={() => onSort(key)}>
        {label}
        {sort.key === key ? (sort.descending ? ' ▾' : ' ▴') : ''}
      </button>
    </th>
  );
  return (
    <table className="grid gitops-table" aria-label="GitOps applications">
      <thead>
        <tr>
          {header('name', 'Application')}
          {header('cluster', 'Cluster')}
          <th>Source</th>
          {header('sync', 'Sync')}
          {header('health', 'Health')}
          <th>Revision</th>
          {header('applied', 'Applied')}
        </tr>
      </thead>
      <tbody>
        {apps.map((a) => {
          const key = keyOf(a);
          const long = (a.message?.length ?? 0) > LONG_MESSAGE;
          const open = expanded.has(key);
          return (
            <tr key={key} className={key === selected ? 'selected' : undefined} aria-selected={key === selected} onClick={() => onSelect(key)}>
              <td>
                <button className="link strong" onClick={() => onSelect(key)}>{a.name}</button>
                <div className="muted small">
                  {a.kind} · {a.namespace}
                  {a.attention === 'suspended' && ' · suspended'}
                </div>
                {a.forbidden && <span className="gitops-read-only small" title={a.forbidden}>read only</span>}
              </td>
              <td>
                <ClusterDot context={a.context} /> {a.context} <CloudBadge cloud={cloudOf(a.context)} />
                {a.contexts.length > 1 && <div className="muted small" title="other contexts of the same cluster">also {a.contexts.slice(1).join(', ')}</div>}
              </td>
              <td className="mono small ellipsis" title={sourceText(a)}>{sourceText(a)}</td>
              <td>
                <StatusBadge tone={toneOf(a.sync)}>{a.sync}{a.reason ? ` (${a.reason})` : ''}</StatusBadge>
                {a.message && (
                  <div className="gitops-message small">
                    <span className={open ? undefined : 'clamped'} title={a.message}>{a.message}</span>
                    {long && (
                      <button
                        className="link small"
                        aria-expanded={open}
                        aria-label={`${open ? 'Shorten' : 'Show all of'} the message of ${a.name} in ${a.context}`}
                        onClick={(e) => {
                          e.stopPropagation();
                          toggle(key);
                        }}
                      >
                        {open ? 'less' : 'more'}
                      </button>
                    )}
                  </div>
                )}
              </td>
              <td><StatusBadge tone={toneOf(a.health)}>{a.health}</StatusBadge></td>
              <td className="mono small ellipsis" title={a.revision}>{a.revision ?? ''}</td>
              <td className="muted small" title={a.lastAppliedAt}>{age(a.lastAppliedAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
