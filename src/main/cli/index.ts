import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { FleetdeckError, messageOf } from '../../shared/errors.ts';
import { widenProcessPath } from '../kube/exec-path.ts';
import { kubeconfigPaths } from '../kube/kubeconfig.ts';
import { dataDir, FileKeyStore } from '../kube/vault.ts';
import { createServices } from '../services/index.ts';
import { checkSources, clusters } from './clusters.ts';
import { globalOptions, type Command, type CommandResult } from './command.ts';
import { gitops } from './gitops.ts';
import { backup, migrate, restore } from './jobs.ts';
import { render, scaffold, validate } from './manifests.ts';
import { alerts, metricsCopy, query, rules, silence } from './monitoring.ts';
import { pods } from './pods.ts';
import { audit } from './security.ts';
import { printable, printableLines } from './table.ts';

export type { CommandResult } from './command.ts';

const usage = `usage: fleetdeck <command> [options]

commands:
  clusters [--connect]   list the contexts of the kubeconfig files, with cloud and auth; --connect probes each
                         (each failure named on stderr; exit 1 when every connection failed, 2 when some did)
  pods --problems [--timeout SECONDS (default 30)]
                         every broken pod in every namespace, with reason and hint (--context C, repeatable);
                         a cluster not listed in time is named on stderr (exit 1 only if none answered)
  audit                  where each cluster falls short on RBAC, network policies, workloads and encryption:
                         each finding with its check, severity, resource, why it matters and the fix
                         (--output json: [{context, check, severity, namespace, kind, name, message, fix}]);
                         exit 1 when a finding is an error or a cluster could not be audited
  backup --context C --out FILE.tar.gz [--namespace N]… [--selector L] [--include-kinds K,…] [--exclude-kinds K,…] [--passphrase-file P]
                         the selected namespaces (default: all but kube-*) with what they need from the cluster,
                         signed with the passphrase or this machine's key; an existing FILE is never overwritten
  restore --context C --from FILE.tar.gz [target options] [--passphrase-file P] [--allow-unsigned]
                         an archive without a signature is refused unless --allow-unsigned (the report says so)
  migrate --from-context A --to-context B [--namespace N]… [--selector L] [target options]
          [--with-metrics [--metrics-since 30d]]
                         backup and migrate also take --workload Kind/name (repeatable): that workload
                         and what it uses (config, secrets, claims, Services, Ingresses, autoscaler, RBAC);
                         --with-metrics copies the migrated namespaces' Prometheus history up to the move
                         (as metrics copy does; the target's Prometheus must accept it, or nothing moves)
  query '<PromQL>' [--range 1h] [--step 60]
                         the query on every cluster's Prometheus at once, series labelled by cluster
                         (instant without --range; a failing cluster is listed in errors, exit 1 only if all fail)
  alerts                 every cluster's Alertmanager in one list; an alert firing in several clusters once
  silence create --matcher 'name="value"'… --comment TEXT [--duration 2h] [--author NAME]
  silence expire ID      (one --context)    silence list
  rules deploy [--namespace N] [--dry-run]
                         the alert-rule pack as a PrometheusRule (server-side apply, dry run first)
  metrics copy --from-context A --to-context B --selector '<series selector>'… [--since 30d] [--namespace-map a=b]… [--dry-run]
                         the series' history from A's Prometheus into B's (remote read, remote write),
                         verified per series; the target must accept it (receiver, out-of-order window)
  gitops status          every Argo CD Application and ApplicationSet and Flux Kustomization, HelmRelease
                         and source of every cluster, once per cluster (read through its most privileged
                         context): source, sync, health, attention (failing, out-of-sync, pending,
                         suspended, ok), revision, message
  gitops sync|refresh|reconcile|suspend|resume --context C <kind>/<namespace>/<name>
                         [--prune] [--hard] [--with-source] [--timeout SECONDS (default 60)]
                         writes what the controller expects through the Kubernetes API, then waits for it
                         to act; exit 0 acted, 2 written but not acted on in time, 1 refused or failed
  gitops drift --workspace DIR --overlay PATH --context C [--self-heal] [--allow-remote]
                         the overlay rendered and compared with the live objects (server-side apply dry run):
                         missing, changed (with the diff) or extra (the app's labels, not in Git); exit 3 on drift
  every command takes --context C (repeatable) to pick clusters; default: all

offline workspace (no cluster needed):
  render DIR [--output yaml|json] [--allow-remote]
                         the kustomization in DIR rendered with your kustomize (or kubectl kustomize);
                         offline: remote resources and bases are refused unless --allow-remote
  validate DIR [--kubernetes-version 1.31]
                         schemas and lint rules over every YAML file; exit 1 when an error is found
  scaffold DIR [--name APP] [--repo URL]
                         a new GitOps repository: base, overlays aks|gke|eks, Argo CD and Flux, CI

target options (restore, migrate):
  --namespace-map a=b, --storage-class-map old=new, --ingress-class-map old=new, --registry-map old=new (repeatable)
  --target-cloud aks|gke|eks (default: detected)   --conflict skip|update|fail (default skip)
  --dry-run (server-side, writes nothing)   --verify-timeout SECONDS (default 60; 0 skips verification)

volume options (backup, restore, migrate):
  --volumes restic --repository-env FILE   move the claims' data with restic Jobs in the clusters; FILE holds
                         RESTIC_REPOSITORY (s3:, gs:, azure:, rest:), RESTIC_PASSWORD and the store's credentials
                         (AWS_*, AZURE_*, GOOGLE_*; GOOGLE_APPLICATION_CREDENTIALS names the key's JSON file, which
                         the movers get as a file). Without --volumes, claims are recreated empty
  --volumes-live         copy while the writers run (crash-consistent) instead of scaling them to 0
  --parallel N           claims copied at once (default 2)
  exit 0 Completed, 2 PartiallyFailed, 1 Failed or refused; progress on stderr

options:
  --kubeconfig FILE      kubeconfig to read (default: $KUBECONFIG, colon-separated, else ~/.kube/config)
  --output table|json    human table (default) or JSON for scripts
  -h, --help             this help`;

const commands: Command[] = [clusters, pods, audit, backup, restore, migrate, query, alerts, ...silence, rules, metricsCopy, ...gitops, render, validate, scaffold];

/** The command its first words name: `alerts`, or a group's `silence create`. */
function commandNamed([first, second]: string[]): Command {
  const group = commands.filter((c) => c.name.split(' ')[0] === first);
  const command = group.find((c) => c.name === first || c.name === `${first} ${second}`);
  if (command) return command;
  if (!group.length) throw new FleetdeckError('invalid-input', `unknown command "${first}" (see fleetdeck --help)`);
  const actions = group.map((c) => c.name.split(' ')[1]);
  throw new FleetdeckError('invalid-input', `unknown ${first} command "${second ?? ''}": expected ${actions.join(', ')} (see fleetdeck --help)`);
}

export async function run(argv: string[]): Promise<CommandResult> {
  // every command's options are known here only to tell their values from the command's words
  const options = Object.assign({}, ...commands.map((c) => c.options), globalOptions);
  const { values, positionals } = parseArgs({ args: argv, options, strict: false, allowPositionals: true });
  if (values.help || positionals.length === 0) return { output: usage, errors: [], exitCode: values.help ? 0 : 2 };
  // the command reads its own options; refused input stops it here, before any file or cluster is read
  const action = commandNamed(positionals).prepare(argv);
  if ('offline' in action) return action.offline();
  const dir = dataDir();
  const api = createServices({ kubeconfig: action.kubeconfig, contexts: action.contexts, dataDir: dir, keys: new FileKeyStore(dir), workspaces: action.workspaces });
  try {
    const sources = await checkSources(api.clusters, kubeconfigPaths(action.kubeconfig), action.contexts ?? []);
    return await action.run(api, sources);
  } finally {
    // the caches and watches a command started would keep the process alive
    api.dispose();
  }
}

async function writeOutput(output: CommandResult['output']): Promise<void> {
  if (typeof output === 'string') {
    if (output) process.stdout.write(`${output}\n`);
    return;
  }
  // pieces gathered into writes of about 64 KB (one write per piece would be a system call each),
  // each waiting until the reader has taken the one before: a pipe's writes queue in memory
  let pending = '';
  for (const piece of output) {
    pending += piece;
    if (pending.length >= 1 << 16) {
      if (!process.stdout.write(pending)) await once(process.stdout, 'drain');
      pending = '';
    }
  }
  process.stdout.write(`${pending}\n`);
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  widenProcessPath();
  try {
    const result = await run(argv);
    await writeOutput(result.output);
    for (const error of result.errors) process.stderr.write(`fleetdeck: ${printable(error)}\n`);
    return result.exitCode;
  } catch (error) {
    process.stderr.write(`fleetdeck: ${failureLine(error)}\n`);
    return 1;
  }
}

/**
 * A failure as the user sees it: one printable line (a FleetdeckError's message whole, another
 * error's first line), the stack only with FLEETDECK_DEBUG=1.
 */
export function failureLine(error: unknown): string {
  if (process.env.FLEETDECK_DEBUG === '1' && error instanceof Error && error.stack) return printableLines(error.stack.split('\n'));
  if (error instanceof FleetdeckError) return printable(error.message);
  const message = printable(messageOf(error).split('\n')[0]);
  const usageError = String((error as NodeJS.ErrnoException | undefined)?.code).startsWith('ERR_PARSE_ARGS_');
  return usageError ? `${message} (see fleetdeck --help)` : `internal error: ${message}`;
}
