import type { PodRef } from '../../app/ui-store.ts';
import { Banner, ErrorBanner } from '../../ui/Banner.tsx';
import { age } from '../../ui/format.ts';
import { useRootCause, useRunAction } from './queries.ts';

export function RootCausePanel({ pod: row, onClose }: { pod: PodRef; onClose(): void }) {
  const { data, error, isPending } = useRootCause(row);
  const run = useRunAction();
  const problem = data?.problem;
  return (
    <aside className="root-cause" aria-label="Root cause" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <header>
        <div>
          <div className={`reason big ${problem || isPending ? '' : 'healthy'}`}>{problem?.reason ?? (isPending ? '…' : 'No problem found')}</div>
          <div className="mono">{row.context} · {row.namespace}/{row.pod}</div>
        </div>
        <button onClick={onClose} aria-label="Close root cause">✕</button>
      </header>
      {problem && <p>{problem.message}</p>}
      {isPending && <p className="muted">Gathering events, owners, node and logs…</p>}
      <ErrorBanner error={error} />
      {data && (
        <>
          {data.actions.length > 0 && (
            <div className="actions" role="group" aria-label="Actions">
              {data.actions.map((a) => (
                <button
                  key={a.id}
                  disabled={!a.allowed || run.isPending}
                  title={a.reason ?? a.label}
                  onClick={() => window.confirm(`${a.label} in ${row.context}?`) && run.mutate({ context: row.context, namespace: row.namespace, pod: row.pod, action: a.id })}
                >
                  {a.label}
                </button>
              ))}
              {data.actions.filter((a) => !a.allowed).map((a) => <div key={a.id} className="muted small">{a.reason}</div>)}
            </div>
          )}
          {run.data && <Banner tone="ok">{run.data.message}</Banner>}
          <ErrorBanner error={run.error} />
          <h3>Next steps</h3>
          <ol className="steps">{data.steps.map((s) => <li key={s} className="mono">{s}</li>)}</ol>
          {data.lastTermination && (
            <>
              <h3>Last termination</h3>
              <p>
                {data.lastTermination.container}: <strong>{data.lastTermination.reason ?? 'terminated'}</strong>, exit code {data.lastTermination.exitCode ?? '?'}
                {data.lastTermination.finishedAt ? `, ${age(data.lastTermination.finishedAt)} ago` : ''}
              </p>
            </>
          )}
          <h3>Owner chain</h3>
          <p className="mono">{['Pod/' + row.pod, ...data.ownerChain.map((o) => `${o.kind}/${o.name}`)].join(' → ')}</p>
          {data.node && (
            <>
              <h3>Node</h3>
              <p className="mono">
                {data.node.name}: Ready={data.node.ready ?? 'unknown'}
                {data.node.conditions.filter((c) => c.type !== 'Ready' && c.status === 'True').map((c) => ` · ${c.type}`)}
              </p>
            </>
          )}
          <h3>Recent events</h3>
          {data.eventsNote && <p className="muted">Events may be incomplete: {data.eventsNote}</p>}
          {data.events.length === 0 ? (
            !data.eventsNote && <p className="muted">No events recorded for the pod or its owners.</p>
          ) : (
            <ul className="events">
              {data.events.map((e, i) => (
                <li key={i} className={e.type === 'Warning' ? 'warn' : ''}>
                  <strong>{e.reason}</strong> <span className="muted">×{e.count} · {age(e.lastSeen)} · {e.object}</span>
                  <div>{e.message}</div>
                </li>
              ))}
            </ul>
          )}
          <h3>Log tail</h3>
          {data.logs.available ? <pre className="log">{data.logs.text || '(empty)'}</pre> : <p className="muted">Log not available: {data.logs.reason}</p>}
        </>
      )}
    </aside>
  );
}
