import { useState } from 'react';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { ClusterDot } from '../../ui/ClusterDot.tsx';
import type { MergedAlert } from '../../../shared/monitoring/alerts.ts';
import { formatMatcher, silenceMatchersProblem } from '../../../shared/monitoring/matchers.ts';
import { useSilenceActions } from './queries.ts';

/** Labels that say which thing is broken; the others (severity, team, job…) are left out of the silence by default. */
const IDENTIFYING = new Set(['alertname', 'namespace', 'pod', 'container', 'node', 'deployment', 'statefulset', 'daemonset', 'job_name', 'persistentvolumeclaim', 'instance']);
const DURATIONS = [
  { label: '1 hour', minutes: 60 },
  { label: '2 hours', minutes: 120 },
  { label: '4 hours', minutes: 240 },
  { label: '1 day', minutes: 1440 },
  { label: '7 days', minutes: 10080 },
];
const AUTHOR_KEY = 'fleetdeck.silence.author';

/** A silence pre-filled from an alert's labels, on the clusters the user picks. */
export function SilenceDialog({ alert, allClusters, onClose }: { alert: MergedAlert; allClusters: string[]; onClose: () => void }) {
  const { create } = useSilenceActions();
  const labels = Object.entries(alert.labels);
  const [chosen, setChosen] = useState(() => new Set(labels.filter(([k]) => IDENTIFYING.has(k)).map(([k]) => k)));
  const [clusters, setClusters] = useState(() => new Set(alert.clusters));
  const [minutes, setMinutes] = useState(120);
  const [comment, setComment] = useState('');
  const [author, setAuthor] = useState(() => localStorage.getItem(AUTHOR_KEY) ?? '');
  const matchers = labels.filter(([k]) => chosen.has(k)).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
  const problem = silenceMatchersProblem(matchers) ?? (clusters.size ? undefined : 'choose at least one cluster') ?? (comment.trim() ? undefined : 'say why in the comment') ?? (author.trim() ? undefined : 'enter your name');
  const toggle = <T,>(set: Set<T>, value: T) => (set.has(value) ? new Set([...set].filter((v) => v !== value)) : new Set([...set, value]));
  const submit = () => {
    if (problem) return;
    localStorage.setItem(AUTHOR_KEY, author.trim());
    create.mutate({ contexts: [...clusters], matchers, durationMinutes: minutes, comment: comment.trim(), createdBy: author.trim() }, { onSuccess: (result) => (result.errors.length ? undefined : onClose()) });
  };
  return (
    <div className="backdrop" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="silence-title">
        <h2 id="silence-title">Silence {alert.labels.alertname}</h2>
        <fieldset className="checks">
          <legend>Matchers</legend>
          {labels.map(([k, v]) => (
            <label key={k}>
              <input type="checkbox" checked={chosen.has(k)} onChange={() => setChosen(toggle(chosen, k))} /> <code>{formatMatcher({ name: k, value: v, isRegex: false, isEqual: true })}</code>
            </label>
          ))}
        </fieldset>
        <fieldset className="checks">
          <legend>In the Alertmanager of</legend>
          {allClusters.map((c) => (
            <label key={c}>
              <input type="checkbox" checked={clusters.has(c)} onChange={() => setClusters(toggle(clusters, c))} /> <ClusterDot context={c} /> {c}
              {alert.clusters.includes(c) && <span className="muted small"> (fires here)</span>}
            </label>
          ))}
        </fieldset>
        <div className="mapping">
          <label className="field">
            <span>Duration</span>
            <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
              {DURATIONS.map((d) => (
                <option key={d.minutes} value={d.minutes}>
                  {d.label}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Created by</span>
            <input value={author} onChange={(e) => setAuthor(e.target.value)} />
          </label>
        </div>
        <label className="field">
          <span>Comment</span>
          <textarea rows={2} value={comment} placeholder="why, and the ticket" onChange={(e) => setComment(e.target.value)} autoFocus />
        </label>
        <ErrorBanner error={create.error} />
        {create.data?.errors.map((e) => <ErrorBanner key={e.cluster} error={e} about={e.cluster} />)}
        <div className="dialog-actions">
          {problem && <span className="muted small">{problem}</span>}
          <button onClick={onClose}>Cancel</button>
          <button className="primary" disabled={!!problem || create.isPending} onClick={submit}>
            Silence on {clusters.size} cluster{clusters.size === 1 ? '' : 's'}
          </button>
        </div>
      </div>
    </div>
  );
}
