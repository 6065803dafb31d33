// fleetdeck gitops status | sync | refresh | reconcile | suspend | resume: Argo CD and Flux across the fleet.
import path from 'node:path';
import { actInput, driftInput, statusInput } from '../../shared/contract/gitops.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { gitopsActions, type GitOpsAction } from '../../shared/gitops/actions.ts';
import { gitopsKinds, type GitOpsKind } from '../../shared/gitops/status.ts';
import { accepted, defineCommand, noArguments, oneContext, secondsOption } from './command.ts';
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

const actFields = { context: '--context', kind: '<kind>/<namespace>/<name>', namespace: '<kind>/<namespace>/<name>', name: '<kind>/<namespace>/<name>', timeoutSeconds: '--timeout' };

/** `fleetdeck gitops status [--context C]…`: every Argo CD and Flux object of the fleet. */
const status = defineCommand({
  name: 'gitops status',
  options: {},
  prepare: ({ args, values, json }) => {
    noArguments('gitops status', args);
    const input = accepted('gitops status', statusInput, { contexts: values.context }, { contexts: '--context' });
    return {
      contexts: values.context,
      run: async ({ gitops }) => {
        const result = await gitops.status(input);
        const rows = result.apps.map((a) => ({ context: a.context, kind: a.kind, namespace: a.namespace, name: a.name, contexts: a.contexts, source: a.source, sync: a.sync, health: a.health, attention: a.attention, revision: a.revision ?? null, suspended: a.suspended, message: a.message ?? null }));
        const output = json
          ? JSON.stringify(rows, null, 2)
          : table(
              ['CONTEXT', 'KIND', 'NAMESPACE/NAME', 'SYNC', 'HEALTH', 'ATTENTION', 'REVISION', 'MESSAGE'],
              result.apps.map((a) => [a.context, a.kind, `${a.namespace}/${a.name}`, a.reason ? `${a.sync} (${a.reason})` : a.sync, a.health, a.attention, (a.revision ?? '').slice(0, 40), (a.message ?? '').slice(0, 100)]),
            );
        const notes = [...result.notices.map((n) => `${n.cluster}: ${n.kind}: ${n.reason}`), ...result.errors.map((e) => `${e.cluster}: ${e.message}`)];
        return { output, errors: notes, exitCode: result.answered.length ? 0 : 1 };
      },
    };
  },
});

/** `fleetdeck gitops sync|refresh|reconcile|suspend|resume --context C <kind>/<namespace>/<name>`: exit 0 acted, 2 written but not acted on in time. */
const act = (action: GitOpsAction) =>
  defineCommand({
    name: `gitops ${action}`,
    options: { prune: { type: 'boolean' }, hard: { type: 'boolean' }, 'with-source': { type: 'boolean' }, timeout: { type: 'string' } },
    prepare: ({ args, values, json }) => {
      const context = oneContext(`gitops ${action}`, values.context);
      if (args.length !== 1) throw new FleetdeckError('invalid-input', `gitops ${action} takes one <kind>/<namespace>/<name>`);
      const input = accepted(
        `gitops ${action}`,
        actInput,
        { context, ...parseTarget(args[0]), action, prune: values.prune, hard: values.hard, withSource: values['with-source'], timeoutSeconds: secondsOption('--timeout', values.timeout) },
        actFields,
      );
      return {
        contexts: [context],
        run: async ({ gitops }) => {
          const result = await gitops.act(input);
          const output = json
            ? JSON.stringify(result, null, 2)
            : printableLines([...result.written.map((w) => `patched ${w.kind} ${w.namespace}/${w.name}: ${JSON.stringify(w.patch)}`), result.message, `now: sync ${result.app.sync}, health ${result.app.health}${result.app.revision ? `, revision ${result.app.revision}` : ''}`]);
          // 2: written, but the controller did not act before the timeout
          return { output, errors: [], exitCode: result.settled ? 0 : 2 };
        },
      };
    },
  });

/** `gitops drift`: `[{kind, namespace, name, drift, diff?}]`; exit 3 when drift is found (after --self-heal: when some remains). */
const drift = defineCommand({
  name: 'gitops drift',
  options: { workspace: { type: 'string' }, overlay: { type: 'string' }, 'self-heal': { type: 'boolean', default: false }, 'allow-remote': { type: 'boolean', default: false } },
  prepare: ({ args, values, json }) => {
    noArguments('gitops drift', args);
    if (!values.workspace || values.overlay === undefined) throw new FleetdeckError('invalid-input', 'gitops drift needs --workspace DIR and --overlay PATH (e.g. --workspace . --overlay overlays/eks)');
    const workspace = path.resolve(values.workspace);
    const overlay = path.relative(workspace, path.resolve(workspace, values.overlay)).split(path.sep).join('/');
    const input = accepted('gitops drift', driftInput, { context: oneContext('gitops drift', values.context), workspace, overlay, allowRemote: values['allow-remote'] }, { context: '--context', workspace: '--workspace', overlay: '--overlay' });
    return {
      contexts: [input.context],
      workspaces: [workspace],
      run: async ({ gitops }) => {
        const healed = values['self-heal'] ? await gitops.selfHeal(input) : undefined;
        const items = healed ? healed.remaining : await gitops.drift(input);
        const rows = items.map((i) => ({ kind: i.kind, namespace: i.namespace ?? null, name: i.name, drift: i.drift, ...(i.diff ? { diff: i.diff } : {}) }));
        const output = json
          ? JSON.stringify(rows, null, 2)
          : printableLines([
              ...(healed ? [`applied ${healed.applied} objects from ${overlay} to ${input.context}`] : []),
              ...(items.length ? items.flatMap((i) => [`${i.drift.padEnd(8)} ${i.kind} ${i.namespace ? `${i.namespace}/` : ''}${i.name}`, ...(i.diff ?? []).map((d) => `           ${d}`)]) : [`no drift: ${input.context} matches ${overlay}`]),
            ]);
        return { output, errors: [], exitCode: items.length ? 3 : 0 };
      },
    };
  },
});

export const gitops = [status, drift, ...gitopsActions.map(act)];
