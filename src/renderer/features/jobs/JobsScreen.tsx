import { useState } from 'react';
import type { TaskInfo } from '../../../shared/contract/jobs.ts';
import { useUi } from '../../app/ui-store.ts';
import { useTasks } from '../../data/shared-queries.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { ScreenHeader } from '../../ui/ScreenHeader.tsx';
import { ArchiveList } from './ArchiveList.tsx';
import { BackupForm } from './BackupForm.tsx';
import { useJobActions, useTask, useTasksLive } from './queries.ts';
import { RestoreDialog } from './RestoreDialog.tsx';
import { TaskProgress, TaskReport } from './TaskReport.tsx';

/** Running and past backups, restores and migrations; new backups, restores from the backups folder and migrations. */
export function JobsScreen() {
  useTasksLive();
  const tasks = useTasks();
  const selectedTask = useUi((s) => s.selectedTask);
  const setMigration = useUi((s) => s.setMigration);
  // undefined: closed; '': open with no archive chosen
  const [restoring, setRestoring] = useState<string>();
  const selected = selectedTask ?? tasks.data?.[0]?.id;
  return (
    <section className="screen jobs" aria-labelledby="jobs-title">
      <ScreenHeader id="jobs-title" title="Jobs" summary={tasks.data ? `${tasks.data.filter((t) => t.state === 'running').length} running · ${tasks.data.length} in all` : ''}>
        <button onClick={() => setRestoring('')}>Restore…</button>
        <button onClick={() => setMigration({ fromContext: '', toContext: '', namespace: '' })}>Migrate…</button>
      </ScreenHeader>
      <ErrorBanner error={tasks.error} />
      <div className="jobs-body">
        <div className="jobs-side">
          <BackupForm />
          <ArchiveList onRestore={setRestoring} />
          <TaskList tasks={tasks.data} selected={selected} />
        </div>
        <div className="jobs-detail">{selected ? <TaskDetailView id={selected} /> : null}</div>
      </div>
      {restoring !== undefined && <RestoreDialog archive={restoring || undefined} onClose={() => setRestoring(undefined)} />}
    </section>
  );
}

function TaskList({ tasks, selected }: { tasks?: TaskInfo[]; selected?: string }) {
  const selectTask = useUi((s) => s.selectTask);
  const actions = useJobActions();
  return (
    <>
      <ul className="task-list" aria-label="Tasks">
        {tasks?.map((t) => (
          <li key={t.id}>
            <div role="button" tabIndex={0} className={`task-item ${t.id === selected ? 'selected' : ''}`} aria-current={t.id === selected} onClick={() => selectTask(t.id)} onKeyDown={(e) => e.key === 'Enter' && selectTask(t.id)}>
              <strong className="small">{t.title}</strong>
              <TaskProgress info={t} />
              <div className="task-line">
                <span className="muted small">{new Date(t.startedAt).toLocaleTimeString()}</span>
                <div className="spacer" />
                {t.cancellable && (
                  <button className="danger" onClick={(e) => (e.stopPropagation(), actions.cancel.mutate({ id: t.id }))}>
                    Cancel
                  </button>
                )}
                {t.resumable && <button onClick={(e) => (e.stopPropagation(), actions.resume.mutate({ id: t.id }))}>Resume</button>}
              </div>
            </div>
          </li>
        ))}
      </ul>
      {tasks?.length === 0 && <p className="muted small">No jobs yet. Back up a namespace, restore an archive, or migrate a namespace to another cluster (also by dragging it onto the cluster in the fleet view).</p>}
      <ErrorBanner error={actions.resume.error} small />
    </>
  );
}

function TaskDetailView({ id }: { id: string }) {
  const { data, error } = useTask(id);
  if (error) return <ErrorBanner error={error} />;
  if (!data) return <p className="muted">Loading…</p>;
  return (
    <article aria-label={data.info.title}>
      <h2>{data.info.title}</h2>
      <TaskProgress info={data.info} report={data.report} />
      <TaskReport detail={data} />
    </article>
  );
}
