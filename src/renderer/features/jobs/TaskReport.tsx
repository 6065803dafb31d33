import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import type { TaskDetail, TaskInfo } from '../../../shared/contract/jobs.ts';
import type { TransformRecord } from '../../../shared/migration/transforms.ts';
import { Banner, ErrorBanner } from '../../ui/Banner.tsx';
import { DataTable, type Column } from '../../ui/DataTable.tsx';
import { objectResults, type JobReport, type ObjectResult, type ReportItem } from '../../../shared/migration/report.ts';
import { HistoryReportView } from './HistoryViews.tsx';
import { VolumeProgressList, VolumeReport } from './VolumeViews.tsx';

const stateClass = (state: TaskInfo['state']) => (state === 'Completed' ? 'ok' : state === 'running' ? 'pending' : 'failed');

/** `report`: the run's report below it, whose metrics history section already says why the history refused the run */
export function TaskProgress({ info, report }: { info: TaskInfo; report?: JobReport }) {
  const { phase, done, total, detail, volumes } = info.progress;
  const percent = total ? Math.round((done / total) * 100) : undefined;
  // the history copy's detail is short (the day being copied): it reads best beside its count
  const inline = phase.startsWith('metrics history: ') && detail ? ` · ${detail}` : '';
  return (
    <div className="task-progress">
      <div className="task-line">
        <span className={`status ${stateClass(info.state)}`}>{info.state === 'running' ? phase : info.state}</span>
        {info.dryRun && <span className="tag">dry run</span>}
        {/* while volumes move, their rows say what is done */}
        {info.state === 'running' && !volumes?.length && <span className="muted small">{total ? `${done}/${total}` : done ? `${done}` : ''}{inline}</span>}
      </div>
      {info.state === 'running' && <progress max={100} value={percent} aria-label={`${info.title}: ${phase}`} />}
      {info.state === 'running' && detail && !inline && <div className="muted small ellipsis">{detail}</div>}
      {info.state === 'running' && volumes?.length ? <VolumeProgressList volumes={volumes} /> : null}
      {info.state !== 'running' && info.error !== report?.metrics?.error && <ErrorBanner error={info.error} small />}
    </div>
  );
}

const transformColumns: Column<TransformRecord>[] = [
  { header: 'Object', className: 'ellipsis', cell: (t) => `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}` },
  { header: 'Field', className: 'mono ellipsis', cell: (t) => t.path },
  { header: 'From', className: 'mono ellipsis', cell: (t) => <span title={t.from}>{t.from}</span> },
  { header: 'To', className: 'mono ellipsis', cell: (t) => <span title={t.to}>{t.to}</span> },
];

/** What a run did or would do: counts, pre-flight, transforms, per-object results with filters, verification. */
export function TaskReport({ detail }: { detail: TaskDetail }) {
  const { report, archive } = detail;
  const [result, setResult] = useState<ObjectResult | 'all'>('all');
  const [text, setText] = useState('');
  const items = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return (report?.items ?? []).filter((i) => (result === 'all' || i.result === result) && (!needle || `${i.kind} ${i.namespace ?? ''} ${i.name} ${i.reason ?? ''}`.toLowerCase().includes(needle)));
  }, [report, result, text]);
  if (!report) return archive ? <ArchiveView archive={archive} /> : <p className="muted">No report yet.</p>;
  return (
    <div className="task-report">
      {report.unsigned && (
        <Banner tone="warning" small>
          The archive was unsigned: nothing showed that Fleetdeck wrote it or that it was unchanged. It was read because you allowed it.
        </Banner>
      )}
      <div className="counts" role="group" aria-label="Results">
        {objectResults.map((r) => (
          <button key={r} className={`chip ${result === r ? 'active' : ''} result-${r}`} aria-pressed={result === r} onClick={() => setResult(result === r ? 'all' : r)}>
            {report.counts[r]} {report.dryRun && r !== 'skipped' && r !== 'failed' ? `would be ${r}` : r}
          </button>
        ))}
      </div>
      {report.preflight && report.preflight.length > 0 && (
        <section aria-label="Pre-flight">
          <h3>Pre-flight</h3>
          {report.preflight.map((f) => (
            <Banner key={f.message} tone={f.severity === 'error' ? 'error' : 'warning'} small>
              {f.check}: {f.message}
            </Banner>
          ))}
        </section>
      )}
      {report.metrics && <HistoryReportView metrics={report.metrics} />}
      {report.classes && report.classes.length > 0 && (
        <section aria-label="Classes">
          <h3>Classes on the target</h3>
          <ul className="verification">
            {report.classes.map((c) => (
              <li key={`${c.kind} ${c.from}`} className={c.downgrade || c.problem ? 'bad' : 'good'} title={c.problem}>
                {c.kind} <span className="mono">{c.from}</span> → <span className="mono">{c.to ?? 'none'}</span> <span className="muted">{c.note}{c.downgrade ? ` · downgrade ${c.fromTier} → ${c.toTier}` : ''} · {c.count} object{c.count === 1 ? '' : 's'}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {report.transforms.length > 0 && (
        <section aria-label="Transforms">
          <h3>Transforms ({report.transforms.length})</h3>
          <DataTable label="Transforms" className="small" columns={transformColumns} rows={report.transforms.slice(0, 200)} rowKey={(_, i) => String(i)} />
          {report.transforms.length > 200 && <p className="muted small">and {report.transforms.length - 200} more (the CLI's --output json lists all)</p>}
        </section>
      )}
      <section aria-label="Objects">
        <div className="task-line">
          <h3>Objects</h3>
          <div className="spacer" />
          <input className="filter" type="search" placeholder="Filter objects…" aria-label="Filter objects" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <ItemList items={items} />
      </section>
      {report.verification && (
        <section aria-label="Verification">
          <h3>Verification</h3>
          <ul className="verification">
            {report.verification.map((v) => (
              <li key={`${v.kind}/${v.namespace}/${v.name}`} className={v.ok ? 'good' : 'bad'}>{v.ok ? '✓' : '✗'} {v.kind} {v.namespace}/{v.name} <span className="muted">{v.detail}</span></li>
            ))}
          </ul>
        </section>
      )}
      <VolumeReport report={report} />
      {report.movers && (
        <section aria-label="Volume movers">
          <h3>Volume movers (checked by a server-side dry run)</h3>
          <ul className="verification">
            {report.movers.map((m) => (
              <li key={`${m.cluster}/${m.name}`} className={m.validated ? 'good' : 'bad'} title={m.reason}>{m.validated ? '✓' : '✗'} {m.role} Job {m.namespace}/{m.name} on {m.cluster} <span className="muted">{m.reason}</span></li>
            ))}
          </ul>
        </section>
      )}
      {archive && <ArchiveView archive={archive} />}
    </div>
  );
}

function ItemList({ items }: { items: ReportItem[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState<string>();
  const virtual = useVirtualizer({ count: items.length, getScrollElement: () => scroller.current, estimateSize: () => 30, overscan: 10 });
  const keyOf = (i: ReportItem) => `${i.kind}/${i.namespace ?? ''}/${i.name}`;
  return (
    <>
      <div className="items-scroll" ref={scroller} role="list" aria-label="Object results" aria-rowcount={items.length}>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((row) => {
            const item = items[row.index];
            return (
              <div key={keyOf(item)} role="listitem" className="item-row" style={{ transform: `translateY(${row.start}px)` }} onClick={() => item.diff && setOpen(open === keyOf(item) ? undefined : keyOf(item))}>
                <span className={`result result-${item.result}`}>{item.result}</span>
                <span className="ellipsis">{item.kind} <span className="mono">{item.namespace ? `${item.namespace}/` : ''}{item.name}</span></span>
                <span className="muted small ellipsis" title={item.reason}>{item.diff ? '▸ diff · ' : ''}{item.reason}</span>
              </div>
            );
          })}
        </div>
      </div>
      {items.length === 0 && <p className="muted small">No objects match.</p>}
      {open && <pre className="log" aria-label="Diff">{items.find((i) => keyOf(i) === open)?.diff}</pre>}
    </>
  );
}

function ArchiveView({ archive }: { archive: NonNullable<TaskDetail['archive']> }) {
  return (
    <section aria-label="Archive">
      <h3>Archive</h3>
      <p className="small">
        <span className="mono">{archive.file}</span> · {archive.total} objects from {archive.source.context} ({archive.source.cloud?.toUpperCase()}, {archive.source.kubernetesVersion}) · {new Date(archive.createdAt).toLocaleString()}
      </p>
      <p className="muted small">{Object.entries(archive.counts).map(([dir, n]) => `${dir} ${n}`).join(' · ')}</p>
    </section>
  );
}
