import type { Finding } from '../../../shared/security/model.ts';
import { DataTable, type Column } from '../../ui/DataTable.tsx';

const resource = (f: Finding) => `${f.kind} ${f.namespace && f.kind !== 'Namespace' ? `${f.namespace}/` : ''}${f.name}`;
export const findingKey = (f: Finding) => [f.context, f.check, f.namespace ?? '', f.kind, f.name].join('/');

const columns: Column<Finding>[] = [
  { header: 'Severity', width: '100px', cell: (f) => <span className={`finding-severity ${f.severity}`}>{f.severity}</span> },
  { header: 'Cluster', width: '110px', cell: (f) => f.context },
  { header: 'Check', width: '210px', cell: (f) => <code>{f.check}</code> },
  { header: 'Resource', width: '240px', cell: (f) => <span title={`${f.context}: ${resource(f)}`}>{resource(f)}</span> },
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

export function FindingsTable({ label, findings }: { label: string; findings: Finding[] }) {
  return <DataTable label={label} className="findings-table" columns={columns} rows={findings} rowKey={findingKey} empty="Nothing found here." />;
}
