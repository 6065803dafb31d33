import type { HistoryReport } from '../../../shared/monitoring/history.ts';
import { Banner } from '../../ui/Banner.tsx';
import { duration } from '../../ui/format.ts';

/** Whether a migration carries its namespaces' Prometheus history, and how far back. */
export interface HistoryChoice {
  carry: boolean;
  days: number;
}

export const historyDays = [1, 7, 30] as const;
export const defaultHistoryChoice: HistoryChoice = { carry: false, days: 30 };

/** The run's metrics input; undefined when no history is carried. */
export const historyOf = (choice: HistoryChoice) => (choice.carry ? { sinceSeconds: choice.days * 86_400 } : undefined);

/** The migration dialog's metrics history option: on or off, and how many days back. */
export function HistoryFields({ value, onChange }: { value: HistoryChoice; onChange(change: Partial<HistoryChoice>): void }) {
  return (
    <div className="history-fields" role="group" aria-label="Metrics history">
      <div className="history-row">
        <label className="check">
          <input type="checkbox" checked={value.carry} onChange={(e) => onChange({ carry: e.target.checked })} /> Carry metrics history
        </label>
        <label className="inline-field">
          <span>how far back</span>
          <select aria-label="Metrics history to carry" value={value.days} disabled={!value.carry} onChange={(e) => onChange({ days: Number(e.target.value) })}>
            {historyDays.map((d) => (
              <option key={d} value={d}>
                {d === 1 ? '1 day' : `${d} days`}
              </option>
            ))}
          </select>
        </label>
      </div>
      {value.carry && (
        <p className="muted small">
          The migrated namespaces' series in the source's Prometheus (kube-state-metrics, cAdvisor, the workloads' own) are copied into the target's, up to the moment of the move, and verified sample for sample. The plan checks that the target can take them.
        </p>
      )}
    </div>
  );
}

const count = (n: number) => n.toLocaleString('en-US');
/** Prometheus windows and retentions run to weeks: said in days from a day up */
const span = (seconds: number) => (seconds >= 86_400 ? `${Number((seconds / 86_400).toFixed(1))} days` : duration(seconds));
const day = (iso: string) => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** A migration's metrics history: the plan (series, estimate, whether the target can take it), or the copy and its verification. */
export function HistoryReportView({ metrics }: { metrics: HistoryReport }) {
  const { target, verification, skipped } = metrics;
  const refused = metrics.state === 'Failed' && target.problems.length > 0;
  return (
    <section aria-label="Metrics history">
      <h3>
        Metrics history <span className={`status ${metrics.state === 'Completed' ? 'ok' : 'failed'}`}>{metrics.dryRun && metrics.state === 'Completed' ? 'ready' : metrics.state}</span>
      </h3>
      {refused && (
        <Banner tone="error" small>
          The target's Prometheus cannot take this history: nothing would be written. Set what is listed below on it, or turn off "Carry metrics history".
        </Banner>
      )}
      <ul className="verification">
        <li>
          {count(metrics.series)} series ·{' '}
          {refused ? 'nothing copied' : metrics.dryRun ? `about ${count(metrics.estimatedSamples ?? 0)} samples to copy` : `${count(metrics.samples)} samples copied in ${duration(metrics.seconds)}`}
          <span className="muted">
            {' '}
            · {day(metrics.range.start)} → {day(metrics.range.end)} ({metrics.dryRun ? 'now; a run copies up to the move' : 'the move'})
          </span>
        </li>
        {target.problems.length === 0 ? (
          <li className="good">✓ the target's Prometheus is ready: remote-write receiver on, out-of-order window {span(target.outOfOrderWindowSeconds)}, retention {target.retentionSeconds ? span(target.retentionSeconds) : 'unlimited'}</li>
        ) : (
          target.problems.map((p) => (
            <li key={p.problem} className="bad">
              ✗ the target's Prometheus: {p.problem}
              <div className="muted small">
                Prometheus: <span className="mono">{p.prometheus}</span>
              </div>
              <div className="muted small">
                prometheus-operator: <span className="mono">{p.operator}</span>
              </div>
            </li>
          ))
        )}
        {verification && (
          <li className={verification.mismatches.length ? 'bad' : 'good'}>
            {verification.mismatches.length ? '✗' : '✓'} verified by reading it back: {count(verification.samplesMatched)} samples of {count(verification.series)} series identical
            {verification.mismatches.length > 0 && `; ${verification.mismatches.length} series differ: ${verification.mismatches.join(', ')}`}
          </li>
        )}
        {skipped.samples > 0 && (
          <li className="muted">
            {count(skipped.samples)} samples of {count(skipped.series)} series not copied: the target already held those series from then on, and its own samples win
          </li>
        )}
        {metrics.staleMarkers > 0 && <li className="muted">{count(metrics.staleMarkers)} staleness markers (the source's, and where copied series end at the move)</li>}
        {metrics.resumedDays ? <li className="muted">{metrics.resumedDays} days were copied by an earlier run and kept</li> : null}
        {metrics.rewrittenSeries ? <li className="muted">{count(metrics.rewrittenSeries)} series read back short and were written again</li> : null}
      </ul>
      {metrics.error && !refused && (
        <Banner tone="error" small>
          {metrics.error}
        </Banner>
      )}
    </section>
  );
}
