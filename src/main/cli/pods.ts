import { FleetdeckError } from '../../shared/errors.ts';
import { defineCommand, noArguments } from './command.ts';
import { table } from './table.ts';

/**
 * `fleetdeck pods --problems [--timeout SECONDS]`: every broken pod in every namespace of the
 * selected clusters. A cluster that fails or is not listed in time is named on stderr beside the
 * others' rows; exit 1 only when no cluster answered.
 */
export const pods = defineCommand({
  name: 'pods',
  options: { problems: { type: 'boolean', default: false }, timeout: { type: 'string' } },
  prepare: ({ args, values, json }) => {
    noArguments('pods', args);
    if (!values.problems) throw new FleetdeckError('invalid-input', 'pods needs --problems (listing every pod is what kubectl get pods -A is for)');
    const seconds = values.timeout === undefined ? 30 : Number(values.timeout);
    if (!(Number.isInteger(seconds) && seconds >= 1 && seconds <= 3600)) throw new FleetdeckError('invalid-input', `--timeout must be whole seconds from 1 to 3600, got "${values.timeout}"`);
    return {
      contexts: values.context,
      run: async ({ fleet }) => {
        await fleet.synced(seconds * 1000);
        const summaries = await fleet.summaries();
        if (!summaries.length) throw new FleetdeckError('not-found', 'no usable context in the kubeconfig files or the vault (see fleetdeck clusters)');
        const rows = (await fleet.allProblems()).map((p) => ({ context: p.context, cloud: p.cloud, namespace: p.namespace, pod: p.pod, reason: p.reason, restarts: p.restarts, since: p.since ?? null, hint: p.hint }));
        const failed = summaries.filter((s) => s.state !== 'synced').map((s) => `${s.context}: ${s.error ?? `not listed within ${seconds} s (--timeout SECONDS waits longer)`}`);
        const partial = summaries.filter((s) => s.state === 'synced').flatMap((s) => s.forbidden.map((f) => `${s.context}: warning: ${f}`));
        const output = json
          ? JSON.stringify(rows, null, 2)
          : table(['CONTEXT', 'NAMESPACE', 'POD', 'REASON', 'RESTARTS', 'SINCE', 'HINT'], rows.map((r) => [r.context, r.namespace, r.pod, r.reason, String(r.restarts), r.since ?? '', r.hint]));
        return { output, errors: [...failed, ...partial], exitCode: failed.length === summaries.length ? 1 : 0 };
      },
    };
  },
});
