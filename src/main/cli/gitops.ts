// fleetdeck gitops status | sync | refresh | reconcile | suspend | resume: Argo CD and Flux across the fleet.
import path from 'node:path';
import type { GitOpsService } from '../../shared/contract/gitops.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { gitopsActions, type GitOpsAction } from '../../shared/gitops/actions.ts';
import { gitopsKinds, type GitOpsKind } from '../../shared/gitops/status.ts';
import type { CommandResult } from './index.ts';
import { printableLines, table } from './table.ts';

/** The names kubectl and the two CLIs use for these kinds. */
const aliases: Record<string, GitOpsKind> = {
  app: 'Application',
  apps: 'Application',
  appset: 'ApplicationSet',
  ks: 'Kustomization',
  hr: 'HelmRelease',
  gitrepo: 'GitRepository',
  ocirepo: 'OCIRepository',
  helmrepo: 'HelmRepository',
  ...Object.fromEntries(gitopsKinds.flatMap((k) => [[k.kind.toLowerCase(), k.kind], [k.plural, k.kind]])),
};

function parseTarget(target: string | undefined): { kind: GitOpsKind; namespace: string; name: string } {
  const parts = target?.split('/') ?? [];
  const kind = aliases[parts[0]?.toLowerCase() ?? ''];
  if (parts.length !== 3 || !kind || !parts[1] || !parts[2]) {
    throw new FleetdeckError('invalid-input', `expected <kind>/<namespace>/<name>, e.g. application/argocd/shop or kustomization/flux-system/apps (got "${target ?? ''}"); kinds: ${gitopsKinds.map((k) => k.kind).join(', ')}`);
  }
  return { kind, namespace: parts[1], name: parts[2] };
}

export async function gitopsCommand(
  gitops: GitOpsService & { dispose(): void },
  args: string[],
  flags: { context?: string[]; json: boolean; prune?: boolean; hard?: boolean; withSource?: boolean; timeout?: string; workspace?: string; overlay?: string; selfHeal?: boolean; allowRemote?: boolean },
): Promise<CommandResult> {
  const [action, ...rest] = args;
  if (action === 'drift') return driftCommand(gitops, flags);
  if (action === 'status') {
    if (rest.length) throw new FleetdeckError('invalid-input', `gitops status takes no arguments, got "${rest.join(' ')}"`);
    // status starts watches, which would keep a one-shot command alive
    const result = await gitops.status(flags.context?.length ? { contexts: flags.context } : {}).finally(() => gitops.dispose());
    const rows = result.apps.map((a) => ({ context: a.context, kind: a.kind, namespace: a.namespace, name: a.name, source: a.source, sync: a.sync, health: a.health, revision: a.revision ?? null, suspended: a.suspended, message: a.message ?? null }));
    const output = flags.json
      ? JSON.stringify(rows, null, 2)
      : table(
          ['CONTEXT', 'KIND', 'NAMESPACE/NAME', 'SYNC', 'HEALTH', 'REVISION', 'SUSPENDED', 'MESSAGE'],
          result.apps.map((a) => [a.context, a.kind, `${a.namespace}/${a.name}`, a.reason ? `${a.sync} (${a.reason})` : a.sync, a.health, (a.revision ?? '').slice(0, 40), a.suspended ? 'yes' : '', (a.message ?? '').slice(0, 100)]),
        );
    const notes = [...result.notices.map((n) => `${n.cluster}: ${n.kind}: ${n.reason}`), ...result.errors.map((e) => `${e.cluster}: ${e.message}`)];
    return { output, errors: notes, exitCode: result.answered.length ? 0 : 1 };
  }
  if (!gitopsActions.includes(action as GitOpsAction)) throw new FleetdeckError('invalid-input', `unknown gitops command "${action ?? ''}": expected status, drift, ${gitopsActions.join(', ')} (see fleetdeck --help)`);
  if (flags.context?.length !== 1) throw new FleetdeckError('invalid-input', `gitops ${action} needs exactly one --context`);
  if (rest.length !== 1) throw new FleetdeckError('invalid-input', `gitops ${action} takes one <kind>/<namespace>/<name>`);
  const timeoutSeconds = flags.timeout === undefined ? undefined : Number(flags.timeout);
  if (timeoutSeconds !== undefined && !(Number.isInteger(timeoutSeconds) && timeoutSeconds >= 0)) throw new FleetdeckError('invalid-input', `--timeout must be whole seconds, got "${flags.timeout}"`);
  const result = await gitops.act({ context: flags.context[0], ...parseTarget(rest[0]), action: action as GitOpsAction, prune: flags.prune, hard: flags.hard, withSource: flags.withSource, timeoutSeconds });
  const output = flags.json
    ? JSON.stringify(result, null, 2)
    : printableLines([...result.written.map((w) => `patched ${w.kind} ${w.namespace}/${w.name}: ${JSON.stringify(w.patch)}`), result.message, `now: sync ${result.app.sync}, health ${result.app.health}${result.app.revision ? `, revision ${result.app.revision}` : ''}`]);
  // 2: written, but the controller did not act before the timeout
  return { output, errors: [], exitCode: result.settled ? 0 : 2 };
}

/** `gitops drift`: `[{kind, namespace, name, drift, diff?}]`; exit 3 when drift is found (after --self-heal: when some remains). */
async function driftCommand(gitops: GitOpsService, flags: { context?: string[]; json: boolean; workspace?: string; overlay?: string; selfHeal?: boolean; allowRemote?: boolean }): Promise<CommandResult> {
  if (!flags.workspace || flags.overlay === undefined) throw new FleetdeckError('invalid-input', 'gitops drift needs --workspace DIR and --overlay PATH (e.g. --workspace . --overlay overlays/eks)');
  if (flags.context?.length !== 1) throw new FleetdeckError('invalid-input', 'gitops drift needs exactly one --context');
  const workspace = path.resolve(flags.workspace);
  const overlay = path.relative(workspace, path.resolve(workspace, flags.overlay)).split(path.sep).join('/');
  const input = { context: flags.context[0], workspace, overlay, allowRemote: flags.allowRemote };
  const healed = flags.selfHeal ? await gitops.selfHeal(input) : undefined;
  const items = healed ? healed.remaining : await gitops.drift(input);
  const rows = items.map((i) => ({ kind: i.kind, namespace: i.namespace ?? null, name: i.name, drift: i.drift, ...(i.diff ? { diff: i.diff } : {}) }));
  const output = flags.json
    ? JSON.stringify(rows, null, 2)
    : printableLines([
        ...(healed ? [`applied ${healed.applied} objects from ${overlay} to ${input.context}`] : []),
        ...(items.length ? items.flatMap((i) => [`${i.drift.padEnd(8)} ${i.kind} ${i.namespace ? `${i.namespace}/` : ''}${i.name}`, ...(i.diff ?? []).map((d) => `           ${d}`)]) : [`no drift: ${input.context} matches ${overlay}`]),
      ]);
  return { output, errors: [], exitCode: items.length ? 3 : 0 };
}
