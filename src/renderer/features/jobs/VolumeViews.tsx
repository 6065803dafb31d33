import type { VolumeProgress } from '../../../shared/contract/jobs.ts';
import type { JobReport, VolumePlanItem, VolumeResult } from '../../../shared/migration/report.ts';
import { formatBytes } from '../../../shared/quantity.ts';
import { DataTable, type Column } from '../../ui/DataTable.tsx';
import { duration } from '../../ui/format.ts';

const known = (value: number | 'unknown', format: (n: number) => string) => (value === 'unknown' ? 'unknown' : format(value));
/** kubectl's short forms */
const accessMode: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const claimOf = (v: { namespace: string; claim: string; targetNamespace?: string }) => `${v.namespace}/${v.claim}${v.targetNamespace && v.targetNamespace !== v.namespace ? ` → ${v.targetNamespace}` : ''}`;

/** One bar per volume being copied: bytes and files done, rate and time left. */
export function VolumeProgressList({ volumes }: { volumes: VolumeProgress[] }) {
  return (
    <ul className="volume-progress" aria-label="Volume copies">
      {volumes.map((v) => {
        const label = `${v.namespace}/${v.claim}`;
        return (
          <li key={label} data-claim={v.claim}>
            <div className="task-line">
              <span className="mono small ellipsis">{label}</span>
              <span className="tag">{v.step}</span>
              <div className="spacer" />
              <span className="muted small">
                {formatBytes(v.bytesDone)} / {formatBytes(v.bytesTotal)} · {v.filesDone}/{v.filesTotal} files
                {v.rate ? ` · ${formatBytes(v.rate)}/s` : ''}
                {v.eta !== undefined ? ` · ${duration(v.eta)} left` : ''}
              </span>
            </div>
            <progress max={v.bytesTotal || 1} value={v.bytesDone} aria-label={`${label} ${v.step}`} />
          </li>
        );
      })}
    </ul>
  );
}

const planColumns: Column<VolumePlanItem>[] = [
  { header: 'Claim', className: 'mono ellipsis', cell: (v) => <span title={claimOf(v)}>{claimOf(v)}</span> },
  { header: 'Size', width: '160px', cell: (v) => `${v.requested ?? '?'} · ${known(v.usedBytes, formatBytes)} used` },
  { header: 'Access', width: '66px', cell: (v) => <span title={v.accessModes.join(', ')}>{v.accessModes.map((m) => accessMode[m] ?? m).join(', ')}</span> },
  { header: 'Mounted by', width: '130px', className: 'ellipsis', cell: (v) => <span title={v.workloads.join(', ')}>{v.workloads.join(', ') || 'nothing'}</span> },
  { header: 'Class', className: 'mono ellipsis', cell: (v) => <span title={`${v.storageClass ?? 'default'} → ${v.targetStorageClass ?? 'default'}`}>{`${v.storageClass ?? 'default'} → ${v.targetStorageClass ?? 'default'}`}</span> },
  { header: 'Copy', width: '100px', cell: (v) => (v.mover === 'none' ? 'not copied' : `${v.mover} · ${known(v.estimatedSeconds, duration)}`) },
  {
    header: 'Downtime',
    width: '110px',
    cell: (v) => (
      <span title={v.notes?.join('; ')}>
        {v.mover === 'none' ? '—' : v.live ? 'none (live copy)' : known(v.downtimeSeconds, duration)}
        {v.notes?.length ? ' ⚠' : ''}
      </span>
    ),
  },
];

const resultColumns: Column<VolumeResult>[] = [
  { header: 'Claim', className: 'mono ellipsis', cell: (v) => <span title={claimOf(v)}>{claimOf(v)}</span> },
  { header: 'State', width: '90px', cell: (v) => <span className={`result result-${v.state === 'restored' || v.state === 'backed-up' ? 'created' : v.state === 'failed' ? 'failed' : 'skipped'}`}>{v.state}</span> },
  { header: 'Data', width: '170px', cell: (v) => `${v.files} files · ${formatBytes(v.bytes)}` },
  { header: 'Time', width: '80px', cell: (v) => duration(v.seconds) },
  {
    header: 'Verification',
    className: 'ellipsis',
    cell: (v) =>
      v.verified ? (
        <span className="good">✓ every file identical{v.crashConsistent ? ' · crash-consistent (copied live)' : ''}</span>
      ) : v.mismatches ? (
        <span className="bad" title={v.mismatched?.join('\n')}>✗ {v.mismatches} mismatch{v.mismatches === 1 ? '' : 'es'}: {v.mismatched?.join(', ')}</span>
      ) : (
        <span className="muted" title={v.reason}>{v.reason ?? 'not verified'}</span>
      ),
  },
];

/** The claims of a report: as planned (a dry run), and as the run left them, with verification, failures and what was left on the clusters. */
export function VolumeReport({ report }: { report: JobReport }) {
  const { volumePlan, volumes, leftovers } = report;
  const failed = volumes?.filter((v) => v.state === 'failed' || v.logTail) ?? [];
  return (
    <>
      {volumePlan && volumePlan.length > 0 && report.dryRun && (
        <section aria-label="Volume plan">
          <h3>Volumes ({volumePlan.length})</h3>
          <DataTable label="Volume plan" className="small" columns={planColumns} rows={volumePlan} rowKey={(v) => `${v.namespace}/${v.claim}`} />
          <p className="muted small">Estimates come from the throughput earlier runs measured; each volume's writers stop for its downtime and start again after the copy.</p>
        </section>
      )}
      {volumes && volumes.length > 0 && (
        <section aria-label="Volumes">
          <h3>Volumes ({volumes.length})</h3>
          <DataTable label="Volume results" className="small" columns={resultColumns} rows={volumes} rowKey={(v) => `${v.namespace}/${v.claim}`} rowProps={(v) => ({ 'data-claim': v.claim, 'data-state': v.state })} />
          {failed.map((v) => (
            <details key={`${v.namespace}/${v.claim}`} className="small">
              <summary>
                {v.namespace}/{v.claim}: {v.reason}
              </summary>
              {v.logTail && <pre className="log">{v.logTail}</pre>}
            </details>
          ))}
        </section>
      )}
      {leftovers && leftovers.length > 0 && (
        <section aria-label="Left on the clusters">
          <h3>Left on the clusters for a look</h3>
          <ul className="verification">
            {leftovers.map((l) => (
              <li key={l} className="mono small">{l}</li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
