// fleetdeck audit: where each cluster falls short on RBAC, network policies, workloads and encryption.
import { auditInput } from '../../shared/contract/security.ts';
import { accepted, defineCommand, noArguments } from './command.ts';
import { printableLines } from './table.ts';

/** `fleetdeck audit [--context C]… [--output json]`: every finding with its fix; exit 1 when one is an error or a cluster could not be audited. */
export const audit = defineCommand({
  name: 'audit',
  options: {},
  prepare: ({ args, values, json }) => {
    noArguments('audit', args);
    const input = accepted('audit', auditInput, { contexts: values.context }, { contexts: '--context' });
    return {
      contexts: values.context,
      run: async ({ security }) => {
        const { findings, errors } = await security.audit(input);
        const count = (severity: string) => findings.filter((f) => f.severity === severity).length;
        const output = json
          ? JSON.stringify(findings, null, 2)
          : printableLines([
              ...findings.flatMap((f) => [`${f.severity.toUpperCase()}  ${f.context}  ${f.check}  ${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name}`, `  ${f.message}`, `  fix: ${f.fix}`]),
              `${count('error')} errors, ${count('warning')} warnings, ${count('info')} notes in ${new Set(findings.map((f) => f.context)).size} clusters`,
            ]);
        const failed = errors.length > 0 || findings.some((f) => f.severity === 'error');
        return { output, errors: errors.map((e) => `${e.context}: ${e.message}`), exitCode: failed ? 1 : 0 };
      },
    };
  },
});
