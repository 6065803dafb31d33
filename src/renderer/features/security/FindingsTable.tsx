import type { SourceLocation } from '../../../shared/contract/manifests.ts';
import type { Finding } from '../../../shared/security/model.ts';
import { DataTable, type Column } from '../../ui/DataTable.tsx';

const resource = (f: Finding) => `${f.kind} ${f.namespace && f.kind !== 'Namespace' ? `${f.namespace}/` : ''}${f.name}`;
export const findingKey = (f: Finding) => [f.context, f.check, f.namespace ?? '', f.kind, f.name].join('/');

const columns = (sourceOf: (f: Finding) => SourceLocation | undefined, onOpenSource: (location: SourceLocation) => void): Column<Finding>[] => [
  { header: 'Severity', width: '100px', cell: (f) => <span className={`finding-severity ${f.severity}`}>{f.severity}</span> },
  { header: 'Cluster', width: '110px', cell: (f) => f.context },
  { header: 'Check', width: '210px', cell: (f) => <code>{f.check}</code> },
  {
    header: 'Resource',
    width: '240px',
    cell: (f) => {
      const source = sourceOf(f);
      return (
        <>
          <div title={`${f.context}: ${resource(f)}`}>{resource(f)}</div>
          {source && (
            <button className="link source-link" title="Open the file that declares it in the workspace" onClick={() => onOpenSource(source)}>
              {source.path}:{source.line}
            </button>
          )}
        </>
      );
    },
  },
  {
    header: 'Why it matters, and the fix',
    cell: (f) => (
      <>
        <div>{f.message}</div>
        <div className="muted small">fix: {f.fix}</div>
      </>
    ),
  },
];

/** Findings with their fixes; a resource the open workspace declares links to its file and line. */
export function FindingsTable({ label, findings, sourceOf = () => undefined, onOpenSource = () => undefined }: { label: string; findings: Finding[]; sourceOf?: (f: Finding) => SourceLocation | undefined; onOpenSource?: (location: SourceLocation) => void }) {
  return <DataTable label={label} className="findings-table" columns={columns(sourceOf, onOpenSource)} rows={findings} rowKey={findingKey} empty="Nothing found here." />;
}
