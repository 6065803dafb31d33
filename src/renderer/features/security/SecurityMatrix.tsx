import { checkFamilies, severities, type CheckFamily, type Finding, type Severity } from '../../../shared/security/model.ts';

export interface Cell {
  context: string;
  family: CheckFamily;
}

export const familyOf = (f: Finding) => f.check.split('.')[0] as CheckFamily;
const familyNames: Record<CheckFamily, string> = { network: 'Network policies', rbac: 'RBAC', workloads: 'Workloads', encryption: 'Encryption' };

/** Clusters × check families, each cell its findings counted by severity; a cell selects its findings. */
export function SecurityMatrix({ contexts, findings, selected, onSelect }: { contexts: string[]; findings: Finding[]; selected?: Cell; onSelect(cell: Cell | undefined): void }) {
  const count = (context: string, family: CheckFamily, severity: Severity) => findings.filter((f) => f.context === context && familyOf(f) === family && f.severity === severity).length;
  return (
    <>
      <table className="security-matrix" aria-label="Findings per cluster and check family">
        <thead>
          <tr>
            <th scope="col">Cluster</th>
            {checkFamilies.map((family) => (
              <th key={family} scope="col">
                {familyNames[family]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {contexts.map((context) => (
            <tr key={context}>
              <th scope="row">{context}</th>
              {checkFamilies.map((family) => {
                const counts = severities.map((severity) => [severity, count(context, family, severity)] as const);
                const active = selected?.context === context && selected.family === family;
                const label = `${context}, ${familyNames[family]}: ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}`;
                return (
                  <td key={family}>
                    <button className={active ? 'matrix-cell active' : 'matrix-cell'} aria-pressed={active} aria-label={label} onClick={() => onSelect(active ? undefined : { context, family })}>
                      {counts.every(([, n]) => n === 0) ? (
                        <span className="matrix-clean">✓ nothing found</span>
                      ) : (
                        counts.map(([severity, n]) => (
                          <span key={severity} className={`matrix-count ${severity}${n ? '' : ' zero'}`} title={`${n} ${severity}`}>
                            {n}
                          </span>
                        ))
                      )}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="matrix-legend muted small">
        {severities.map((severity) => (
          <span key={severity}>
            <span className={`matrix-count ${severity}`}>n</span> {{ error: 'errors', warning: 'warnings', info: 'notes' }[severity]}
          </span>
        ))}
        <span>· a cell shows its findings below</span>
      </p>
    </>
  );
}
