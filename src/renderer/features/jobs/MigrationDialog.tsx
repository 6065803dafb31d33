import { useEffect, useState } from 'react';
import type { TaskInfo } from '../../../shared/contract/jobs.ts';
import type { MigrationRequest } from '../../app/ui-store.ts';
import { useSummaries } from '../../data/shared-queries.ts';
import { useJobActions, useMigrationDefaults, useTask, useTasksLive } from './queries.ts';
import { TaskProgress, TaskReport } from './TaskReport.tsx';

type Conflict = 'skip' | 'update' | 'fail';

/** "old=new" lines ⇄ a mapping. */
const toLines = (map: Record<string, string>) => Object.entries(map).map(([from, to]) => `${from}=${to}`).join('\n');
function toMap(lines: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const line of lines.split('\n')) {
    const [from, to] = line.split('=').map((s) => s.trim());
    if (from && to) map[from] = to;
  }
  return map;
}

/**
 * Drag a namespace onto another cluster: the plan (a server-side dry run: transforms, conflicts,
 * pre-flight, diffs), editable mappings, then the run and its verification, without leaving the window.
 */
export function MigrationDialog({ request, onClose }: { request: MigrationRequest; onClose(): void }) {
  useTasksLive();
  const summaries = useSummaries();
  const [toContext, setToContext] = useState(request.toContext);
  const defaults = useMigrationDefaults(request.fromContext, toContext);
  const { migrate } = useJobActions();
  const [targetNamespace, setTargetNamespace] = useState(request.namespace);
  const [storageClasses, setStorageClasses] = useState<string>();
  const [ingressClasses, setIngressClasses] = useState<string>();
  const [registries, setRegistries] = useState('');
  const [conflict, setConflict] = useState<Conflict>('skip');
  const [plan, setPlan] = useState<TaskInfo>();
  const [run, setRun] = useState<TaskInfo>();
  const current = useTask((run ?? plan)?.id);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const scMap = storageClasses ?? toLines(defaults.data?.storageClasses ?? {});
  const icMap = ingressClasses ?? toLines(defaults.data?.ingressClasses ?? {});
  // a plan holds for the mappings it was made with
  useEffect(() => setPlan(undefined), [toContext, targetNamespace, scMap, icMap, registries, conflict]);
  const start = (dryRun: boolean) =>
    migrate.mutateAsync({
      fromContext: request.fromContext,
      toContext,
      selection: { namespaces: [request.namespace], ...(request.workload ? { workloads: [request.workload] } : {}) },
      target: {
        namespaceMap: targetNamespace && targetNamespace !== request.namespace ? { [request.namespace]: targetNamespace } : {},
        storageClassMap: toMap(scMap),
        ingressClassMap: toMap(icMap),
        registryMap: toMap(registries),
        conflict,
        dryRun,
        verifyTimeoutSeconds: 60,
      },
    });
  const info = current.data?.info ?? run ?? plan;
  const busy = info?.state === 'running' || migrate.isPending;
  const planned = plan && current.data?.info.id === plan.id && current.data.info.state !== 'running' && !run;
  const planOk = planned && current.data?.report && !current.data.report.error && current.data.report.counts.failed === 0;

  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <div className="dialog wide" role="dialog" aria-modal="true" aria-labelledby="migrate-title">
        <h2 id="migrate-title">
          Migrate <span className="mono">{request.workload ? `${request.workload.kind}/${request.workload.name}` : request.namespace}</span> from {request.fromContext} to {toContext || '…'}
        </h2>
        <p className="muted small">
          {!toContext ? 'Choose the target cluster.' : defaults.data ? `${defaults.data.sourceCloud.toUpperCase()} → ${defaults.data.targetCloud.toUpperCase()}: storage and ingress classes default from the cloud profiles; edit them as old=new lines.` : 'Reading both clusters…'}
        </p>
        <fieldset className="mapping" disabled={busy || !!run}>
          <label className="field"><span>Target cluster</span>
            <select value={toContext} onChange={(e) => setToContext(e.target.value)} aria-label="Target cluster">
              {!toContext && <option value="">choose…</option>}
              {summaries.data?.filter((c) => c.context !== request.fromContext).map((c) => <option key={c.context} value={c.context}>{c.context} ({c.cloud.toUpperCase()})</option>)}
            </select>
          </label>
          <label className="field"><span>Target namespace</span><input value={targetNamespace} onChange={(e) => setTargetNamespace(e.target.value)} aria-label="Target namespace" /></label>
          <label className="field"><span>Conflicts</span>
            <select value={conflict} onChange={(e) => setConflict(e.target.value as Conflict)} aria-label="Conflict policy">
              <option value="skip">skip what exists</option>
              <option value="update">update (server-side apply)</option>
              <option value="fail">fail on what exists</option>
            </select>
          </label>
          <label className="field"><span>Storage classes</span><textarea rows={3} className="mono" aria-label="Storage class mapping" value={scMap} onChange={(e) => setStorageClasses(e.target.value)} /></label>
          <label className="field"><span>Ingress classes</span><textarea rows={3} className="mono" aria-label="Ingress class mapping" value={icMap} onChange={(e) => setIngressClasses(e.target.value)} /></label>
          <label className="field"><span>Image registries</span><textarea rows={2} className="mono" aria-label="Registry mapping" placeholder="acme.azurecr.io=123456789012.dkr.ecr.eu-west-1.amazonaws.com" value={registries} onChange={(e) => setRegistries(e.target.value)} /></label>
        </fieldset>
        {migrate.error && <div className="banner error" role="alert">{migrate.error.message}</div>}
        {info && <TaskProgress info={info} />}
        {current.data && current.data.info.state !== 'running' && (
          <div className="dialog-report">
            <TaskReport detail={current.data} />
          </div>
        )}
        <div className="dialog-actions">
          <button onClick={onClose} disabled={busy}>{run && !busy ? 'Close' : 'Cancel'}</button>
          {!run && (
            <button disabled={busy || !toContext} onClick={() => void start(true).then((t) => setPlan(t))}>
              {plan ? 'Plan again' : 'Plan (dry run)'}
            </button>
          )}
          {!run && (
            <button className="primary" disabled={busy || !planOk} title={planOk ? '' : 'Run the plan first; it must pass'} onClick={() => void start(false).then((t) => setRun(t))}>
              Migrate
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
