import { parseArgs } from 'node:util';
import { FleetdeckError } from '../../shared/errors.ts';
import { widenProcessPath } from '../services/clusters/exec-path.ts';
import { createServices } from '../services/index.ts';
import { dataDir, FileKeyStore, Vault } from '../services/clusters/vault.ts';
import { clustersCommand } from './clusters.ts';
import { podsCommand } from './pods.ts';

export interface CommandResult {
  output: string;
  /** one-line reasons written to stderr */
  errors: string[];
  exitCode: number;
}

const usage = `usage: fleetdeck <command> [options]

commands:
  clusters [--connect]   list the contexts of the kubeconfig files, with cloud and auth; --connect probes each
  pods --problems        every broken pod in every namespace, with reason and hint (--context C, repeatable)

options:
  --kubeconfig FILE      kubeconfig to read (default: $KUBECONFIG, colon-separated, else ~/.kube/config)
  --output table|json    human table (default) or JSON for scripts
  -h, --help             this help`;

export async function run(argv: string[]): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      kubeconfig: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'table' },
      connect: { type: 'boolean', default: false },
      problems: { type: 'boolean', default: false },
      context: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) return { output: usage, errors: [], exitCode: values.help ? 0 : 2 };
  if (values.output !== 'table' && values.output !== 'json') throw new FleetdeckError('invalid-input', `--output must be table or json, got "${values.output}"`);
  const dir = dataDir();
  const api = createServices({ kubeconfig: values.kubeconfig, contexts: values.context, vault: new Vault(dir, new FileKeyStore(dir)) });
  const json = values.output === 'json';
  const [command, ...rest] = positionals;
  switch (command) {
    case 'clusters':
      if (rest.length) throw new FleetdeckError('invalid-input', `clusters takes no arguments, got "${rest.join(' ')}"`);
      return clustersCommand(api, { connect: values.connect, json });
    case 'pods':
      return podsCommand(api.fleet, { problems: values.problems, json });
    default:
      throw new FleetdeckError('invalid-input', `unknown command "${command}" (see fleetdeck --help)`);
  }
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  widenProcessPath();
  try {
    const result = await run(argv);
    if (result.output) process.stdout.write(`${result.output}\n`);
    for (const error of result.errors) process.stderr.write(`fleetdeck: ${error}\n`);
    return result.exitCode;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`fleetdeck: ${message.split('\n')[0]}\n`);
    return 1;
  }
}
