import type { Problem } from '../../../shared/manifests/lint.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';

/** Every schema and lint problem of the workspace; a click opens the file at the line. */
export function ProblemList({ problems, error, onOpen }: { problems: Problem[]; error?: string; onOpen(p: Problem): void }) {
  if (error) return <ErrorBanner error={error} />;
  if (!problems.length) return <div className="empty">No problems: every manifest matches its schema and passes the lint rules.</div>;
  return (
    <ul className="problem-list" aria-label="Problems">
      {problems.slice(0, 2000).map((p, i) => (
        <li key={`${p.file}:${p.line}:${p.rule}:${i}`}>
          <button className="problem-item" onClick={() => onOpen(p)} title={p.hint}>
            <span className={`sev-dot ${p.severity}`} aria-label={p.severity} />
            <span className="mono">{p.file}:{p.line}</span>
            <span className="tag">{p.rule}</span>
            <span className="ellipsis">{p.message}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
