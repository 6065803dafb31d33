import { useEffect, useState, type ReactNode } from 'react';
import type { TaskInfo } from '../../../shared/contract/jobs.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { useTask, useTasksLive } from './queries.ts';
import { TaskProgress, TaskReport } from './TaskReport.tsx';

/** a refused start shows as the mutation's error */
const ignore = () => undefined;

/**
 * A restore or migration in a dialog: the plan first (a server-side dry run: transforms, conflicts,
 * pre-flight, diffs), then the run once the plan passed, and its report, without leaving the window.
 */
export function JobDialog(props: {
  id: string;
  title: ReactNode;
  note: ReactNode;
  /** the fields; disabled while a task runs and once the run started */
  children: ReactNode;
  /** whatever the plan was made with: when it changes, the plan no longer holds */
  planKey: string;
  canStart: boolean;
  start(dryRun: boolean): Promise<TaskInfo>;
  starting: boolean;
  error: unknown;
  runLabel: string;
  onClose(): void;
}) {
  const { id, title, note, children, planKey, canStart, start, starting, error, runLabel, onClose } = props;
  useTasksLive();
  const [plan, setPlan] = useState<TaskInfo>();
  const [run, setRun] = useState<TaskInfo>();
  const current = useTask((run ?? plan)?.id);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  useEffect(() => setPlan(undefined), [planKey]);

  const info = current.data?.info ?? run ?? plan;
  const busy = info?.state === 'running' || starting;
  const planned = plan && current.data?.info.id === plan.id && current.data.info.state !== 'running' && !run;
  const report = current.data?.report;
  // a target Prometheus that cannot take the metrics history refuses the run: the plan says what to set
  const planOk = planned && report && !report.error && report.counts.failed === 0 && report.metrics?.state !== 'Failed';

  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <div className="dialog wide" role="dialog" aria-modal="true" aria-labelledby={id}>
        <h2 id={id}>{title}</h2>
        <p className="muted small">{note}</p>
        <fieldset className="mapping" disabled={busy || !!run}>
          {children}
        </fieldset>
        <ErrorBanner error={error} />
        {info && <TaskProgress info={info} report={current.data?.info.state === 'running' ? undefined : report} />}
        {current.data && current.data.info.state !== 'running' && (
          <div className="dialog-report">
            <TaskReport detail={current.data} />
          </div>
        )}
        <div className="dialog-actions">
          <button onClick={onClose} disabled={busy}>
            {run && !busy ? 'Close' : 'Cancel'}
          </button>
          {!run && (
            <button disabled={busy || !canStart} onClick={() => start(true).then(setPlan, ignore)}>
              {plan ? 'Plan again' : 'Plan (dry run)'}
            </button>
          )}
          {!run && (
            <button className="primary" disabled={busy || !planOk} title={planOk ? '' : 'Run the plan first; it must pass'} onClick={() => start(false).then(setRun, ignore)}>
              {runLabel}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
