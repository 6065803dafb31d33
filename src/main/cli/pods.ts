import type { KubeFleetService } from '../services/fleet/fleet-service.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { table } from './table.ts';
import type { CommandResult } from './index.ts';

/** `fleetdeck pods --problems`: every broken pod in every namespace of the selected clusters. */
export async function podsCommand(fleet: KubeFleetService, flags: { problems: boolean; json: boolean }): Promise<CommandResult> {
  if (!flags.problems) throw new FleetdeckError('invalid-input', 'pods needs --problems (listing every pod is what kubectl get pods -A is for)');
  try {
    await fleet.synced();
    const summaries = await fleet.summaries();
    const rows = (await fleet.allProblems()).map((p) => ({ context: p.context, cloud: p.cloud, namespace: p.namespace, pod: p.pod, reason: p.reason, restarts: p.restarts, since: p.since ?? null, hint: p.hint }));
    const unreachable = summaries.filter((s) => s.state === 'failed' || s.state === 'reconnecting').map((s) => `${s.context}: ${s.error}`);
    const partial = summaries.flatMap((s) => s.forbidden.map((f) => `${s.context}: warning: ${f}`));
    const output = flags.json
      ? JSON.stringify(rows, null, 2)
      : table(['CONTEXT', 'NAMESPACE', 'POD', 'REASON', 'RESTARTS', 'SINCE', 'HINT'], rows.map((r) => [r.context, r.namespace, r.pod, r.reason, String(r.restarts), r.since ?? '', r.hint]));
    return { output, errors: [...unreachable, ...partial], exitCode: unreachable.length ? 1 : 0 };
  } finally {
    fleet.dispose();
  }
}
