import type { MergedAlert } from '../../../shared/monitoring/alerts.ts';
import { formatMatcher } from '../../../shared/monitoring/matchers.ts';
import { useUi } from '../../app/ui-store.ts';
import { ClusterDot } from '../../ui/ClusterDot.tsx';

/** One alert: what it says, its runbook and labels, which Alertmanagers have it, and the way to the pod or node. */
export function AlertDetail({ alert, onSilence, onClose }: { alert: MergedAlert; onSilence: () => void; onClose: () => void }) {
  const setScreen = useUi((s) => s.setScreen);
  const selectPod = useUi((s) => s.selectPod);
  const setFleetSearch = useUi((s) => s.setFleetSearch);
  const setBrowse = useUi((s) => s.setBrowse);
  const { namespace, pod, node } = alert.labels;
  const showPod = (context: string) => {
    setBrowse({ context, namespace });
    selectPod({ context, namespace: namespace!, pod: pod! });
    setScreen('fleet');
  };
  const showNode = () => {
    setFleetSearch(node!);
    setScreen('fleet');
  };
  return (
    <aside className="alert-detail" aria-label="Alert detail">
      <header>
        <div>
          <div className={`reason big state-${alert.state}`}>{alert.labels.alertname}</div>
          <div className="muted small">
            {alert.state} since {new Date(alert.startsAt).toLocaleString()}
          </div>
        </div>
        <button onClick={onClose} aria-label="Close alert detail">
          ✕
        </button>
      </header>
      <div className="actions">
        <button className="primary" onClick={onSilence}>
          Silence…
        </button>
        {namespace && pod && alert.clusters.map((c) => <button key={c} onClick={() => showPod(c)}>Show pod in {c}</button>)}
        {node && <button onClick={showNode}>Show node {node}</button>}
      </div>
      {alert.annotations.description && <p className="small">{alert.annotations.description}</p>}
      {alert.annotations.runbook && (
        <>
          <h3>Runbook</h3>
          <pre className="log">{alert.annotations.runbook}</pre>
        </>
      )}
      <h3>Labels</h3>
      <ul className="labels">
        {Object.entries(alert.labels).map(([k, v]) => (
          <li key={k}>
            <code>{formatMatcher({ name: k, value: v, isRegex: false, isEqual: true })}</code>
          </li>
        ))}
      </ul>
      <h3>Sources</h3>
      <ul className="events">
        {alert.sources.map((s) => (
          <li key={`${s.cluster}-${s.fingerprint}`}>
            <ClusterDot context={s.cluster} /> <strong>{s.cluster}</strong> {s.state}
            {s.receivers.length ? ` → ${s.receivers.join(', ')}` : ''}
            {s.silencedBy.length ? <span className="muted"> · silenced by {s.silencedBy.join(', ')}</span> : null}
            {s.inhibitedBy.length ? <span className="muted"> · inhibited</span> : null}
          </li>
        ))}
      </ul>
    </aside>
  );
}
