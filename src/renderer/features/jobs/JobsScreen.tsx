import { useState } from 'react';
import { useUi } from '../../app/ui-store.ts';
import { useClusters } from '../../data/shared-queries.ts';
import { useArchives, useJobActions, useTask, useTasks, useTasksLive } from './queries.ts';
import { TaskProgress, TaskReport } from './TaskReport.tsx';

const defaultTarget = { namespaceMap: {}, storageClassMap: {}, ingressClassMap: {}, registryMap: {}, conflict: 'skip' as const, dryRun: false, verifyTimeoutSeconds: 60 };

/** Running and past backups, restores and migrations; new backups and restores from the archives folder. */
export function JobsScreen() {
  useTasksLive();
  const tasks = useTasks();
  const selectedTask = useUi((s) => s.selectedTask);
  const selectTask = useUi((s) => s.selectTask);
  const actions = useJobActions();
  const selected = selectedTask ?? tasks.data?.[0]?.id;
  return (
    <section className="screen jobs" aria-labelledby="jobs-title">
      <header className="screen-header">
        <h1 id="jobs-title">Jobs</h1>
        <span className="muted">{tasks.data ? `${tasks.data.filter((t) => t.state === 'running').length} running · ${tasks.data.length} in all` : ''}</span>
      </header>
      {tasks.error && <div className="banner error" role="alert">{tasks.error.message}</div>}
      <div className="jobs-body">
        <div className="jobs-side">
          <NewBackup />
          <Archives />
          <ul className="task-list" aria-label="Tasks">
            {tasks.data?.map((t) => (
              <li key={t.id}>
                <div role="button" tabIndex={0} className={`task-item ${t.id === selected ? 'selected' : ''}`} aria-current={t.id === selected} onClick={() => selectTask(t.id)} onKeyDown={(e) => e.key === 'Enter' && selectTask(t.id)}>
                  <strong className="small">{t.title}</strong>
                  <TaskProgress info={t} />
                  <div className="task-line">
                    <span className="muted small">{new Date(t.startedAt).toLocaleTimeString()}</span>
                    <div className="spacer" />
                    {t.cancellable && <button className="danger" onClick={(e) => (e.stopPropagation(), actions.cancel.mutate({ id: t.id }))}>Cancel</button>}
                    {t.resumable && <button onClick={(e) => (e.stopPropagation(), actions.resume.mutate({ id: t.id }))}>Resume</button>}
                  </div>
                </div>
              </li>
            ))}
          </ul>
          {tasks.data?.length === 0 && <p className="muted small">No jobs yet. Back up a namespace, or drag a namespace from one cluster onto another in the fleet view.</p>}
          {actions.resume.error && <div className="banner error small" role="alert">{actions.resume.error.message}</div>}
        </div>
        <div className="jobs-detail">{selected ? <TaskDetailView id={selected} /> : null}</div>
      </div>
    </section>
  );
}

function TaskDetailView({ id }: { id: string }) {
  const { data, error } = useTask(id);
  if (error) return <div className="banner error" role="alert">{error.message}</div>;
  if (!data) return <p className="muted">Loading…</p>;
  return (
    <article aria-label={data.info.title}>
      <h2>{data.info.title}</h2>
      <TaskProgress info={data.info} />
      <TaskReport detail={data} />
    </article>
  );
}

function NewBackup() {
  const clusters = useClusters();
  const { backup } = useJobActions();
  const selectTask = useUi((s) => s.selectTask);
  const [context, setContext] = useState('');
  const [namespaces, setNamespaces] = useState('');
  const contexts = clusters.data?.clusters.filter((c) => !c.problem).map((c) => c.context) ?? [];
  const chosen = context || contexts[0] || '';
  return (
    <form
      className="panel-form"
      aria-label="New backup"
      onSubmit={(e) => {
        e.preventDefault();
        backup.mutate({ context: chosen, selection: { namespaces: namespaces.split(/[\s,]+/).filter(Boolean) } }, { onSuccess: (t) => selectTask(t.id) });
      }}
    >
      <strong className="small">Back up</strong>
      <select aria-label="Context to back up" value={chosen} onChange={(e) => setContext(e.target.value)}>
        {contexts.map((c) => <option key={c}>{c}</option>)}
      </select>
      <input className="filter" aria-label="Namespaces to back up" placeholder="namespaces (empty: all but kube-*)" value={namespaces} onChange={(e) => setNamespaces(e.target.value)} />
      <button className="primary" disabled={!chosen || backup.isPending}>Back up</button>
      {backup.error && <div className="banner error small" role="alert">{backup.error.message}</div>}
    </form>
  );
}

function Archives() {
  const archives = useArchives();
  const clusters = useClusters();
  const { restore } = useJobActions();
  const selectTask = useUi((s) => s.selectTask);
  const [target, setTarget] = useState<Record<string, string>>({});
  /** an unsigned archive the user asked to plan or restore, waiting for them to confirm */
  const [confirming, setConfirming] = useState<{ file: string; dryRun: boolean }>();
  const contexts = clusters.data?.clusters.filter((c) => !c.problem).map((c) => c.context) ?? [];
  if (!archives.data?.length) return null;
  return (
    <details className="panel-form" aria-label="Archives">
      <summary className="small strong">Archives ({archives.data.length})</summary>
      {archives.data.map((a) => {
        const to = target[a.file] ?? contexts[0] ?? '';
        const start = (dryRun: boolean, allowUnsigned: boolean) => {
          setConfirming(undefined);
          restore.mutate({ context: to, archive: a.file, ...(allowUnsigned ? { allowUnsigned } : {}), target: { ...defaultTarget, dryRun } }, { onSuccess: (t) => selectTask(t.id) });
        };
        // an unsigned archive is restored only once the user has said they trust it
        const ask = (dryRun: boolean) => (a.signed ? start(dryRun, false) : setConfirming({ file: a.file, dryRun }));
        const asking = confirming?.file === a.file ? confirming : undefined;
        return (
          <div key={a.file} className="archive-row small">
            <span className="mono ellipsis" title={a.file}>{a.file}</span>
            <span className="muted">{a.total} objects · {a.source.context}{a.needsPassphrase ? ' · passphrase (CLI)' : ''}{a.signed ? '' : ' · unsigned'}</span>
            <div className="task-line">
              <select aria-label={`Restore ${a.file} to`} value={to} onChange={(e) => setTarget({ ...target, [a.file]: e.target.value })}>
                {contexts.map((c) => <option key={c}>{c}</option>)}
              </select>
              <button disabled={a.needsPassphrase} onClick={() => ask(true)}>Plan</button>
              <button disabled={a.needsPassphrase} onClick={() => ask(false)}>Restore</button>
            </div>
            {asking && (
              <div role="alertdialog" aria-label={`${a.file} is unsigned`} className="banner warning small">
                <p>{a.file} is not signed: nothing shows that Fleetdeck wrote it or that it is unchanged. {asking.dryRun ? 'Plan' : 'Restore'} it only if you trust where it came from.</p>
                <div className="task-line">
                  <button className="danger" onClick={() => start(asking.dryRun, true)}>{asking.dryRun ? 'Plan' : 'Restore'} unsigned archive</button>
                  <button onClick={() => setConfirming(undefined)}>Cancel</button>
                </div>
              </div>
            )}
          </div>
        );
      })}
      {restore.error && <div className="banner error small" role="alert">{restore.error.message}</div>}
    </details>
  );
}
