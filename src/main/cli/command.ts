// What every CLI command is made of: its own options, read by parseArgs, and its input checked by
// the contract the app's services are called through, before any file or cluster is read.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { z } from 'zod';
import type { ClusterList } from '../../shared/contract/clusters.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { parseDuration } from '../../shared/monitoring/promql.ts';
import type { Services } from '../services/index.ts';

export interface CommandResult {
  /** the text for stdout, or its pieces in order (a large report, written as it is serialized) */
  output: string | Iterable<string>;
  /** one-line reasons written to stderr */
  errors: string[];
  exitCode: number;
}

/** What a command does once its arguments are accepted. */
export type Action =
  /** needs no cluster: the offline workspace */
  | { offline: () => Promise<CommandResult> }
  | {
      /** the contexts named (undefined: every one): each must be defined in the kubeconfig files or the vault */
      contexts?: string[];
      /** folders named on the command line, which the manifests service may then open */
      workspaces?: string[];
      /** given the services and what the kubeconfig sources define (the check that ran first lists them) */
      run: (api: Services, sources: ClusterList) => Promise<CommandResult>;
    };

/** The options every command takes. */
export const globalOptions = {
  kubeconfig: { type: 'string' },
  context: { type: 'string', multiple: true },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsOptionsConfig;

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof globalOptions; strict: true; allowPositionals: true }>>;

export interface CommandInput<O extends ParseArgsOptionsConfig> {
  /** the positional arguments after the command's words */
  args: string[];
  values: Parsed<O>['values'];
  json: boolean;
  /** the --output format, checked against the command's formats */
  output: string;
}

export interface Command {
  /** its words: `alerts`, `silence create` */
  name: string;
  options: ParseArgsOptionsConfig;
  /** Reads the whole command line (its words included) with its options only; refused input throws here. */
  prepare(argv: string[]): Action & { kubeconfig?: string };
}

/** A command whose options are its own and the global ones; `formats` are the --output values it writes, the first the default. */
export function defineCommand<const O extends ParseArgsOptionsConfig>(spec: { name: string; options: O; formats?: string[]; prepare(input: CommandInput<O>): Action }): Command {
  const options = { ...spec.options, ...globalOptions };
  return {
    name: spec.name,
    options: spec.options,
    prepare(argv) {
      let parsed: Parsed<O>;
      try {
        parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true }) as Parsed<O>;
      } catch (error) {
        const unknown = (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && /'(-[^']*)'/.exec((error as Error).message)?.[1];
        if (!unknown) throw error;
        const taken = Object.keys(options).map((o) => `--${o}`);
        throw new FleetdeckError('invalid-input', `Unknown option '${unknown}': fleetdeck ${spec.name} takes ${taken.join(', ')} (see fleetdeck --help)`);
      }
      const { values, positionals } = parsed;
      const globals = values as Parsed<Record<never, never>>['values'];
      const formats = spec.formats ?? ['table', 'json'];
      const output = globals.output ?? formats[0];
      if (!formats.includes(output)) throw new FleetdeckError('invalid-input', `--output must be ${formats.join(' or ')}, got "${output}"`);
      const action = spec.prepare({ args: positionals.slice(spec.name.split(' ').length), values, json: output === 'json', output });
      return { ...action, kubeconfig: globals.kubeconfig };
    },
  };
}

/**
 * The input as its contract parses it, which is what the app's services are given; a refusal
 * names the option as the command line writes it. `fields` maps each field's path
 * (`target.conflict`) to that (`--conflict`); a field left out is named by its longest mapped parent.
 */
export function accepted<S extends z.ZodType>(command: string, schema: S, input: unknown, fields: Record<string, string>): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const keys = issue.path.filter((key) => typeof key === 'string');
  let mapped = keys.length;
  while (mapped > 0 && !(keys.slice(0, mapped).join('.') in fields)) mapped--;
  const field = fields[keys.slice(0, mapped).join('.')] ?? keys.join('.');
  // a record's key is refused by the key's own schema, whose message says what is expected
  const [value, message] = issue.code === 'invalid_key' ? [issue.path.at(-1), issue.issues[0]?.message ?? issue.message] : [issue.path.reduce<unknown>((v, key) => (v as Record<PropertyKey, unknown> | undefined)?.[key], input), issue.message];
  if (value === undefined) throw new FleetdeckError('invalid-input', `${command} needs ${field}`);
  const shown = typeof value === 'string' ? `, got ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}` : '';
  throw new FleetdeckError('invalid-input', `${field}: ${message}${shown}`);
}

/** Seconds as typed on the command line (digits, perhaps a fraction); the contract says which numbers it takes. */
/** A duration as typed: 90s, 15m, 1h, 7d, or seconds. */
export function durationOption(flag: string, text: string): number {
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : parseDuration(text);
  if (!value || value <= 0) throw new FleetdeckError('invalid-input', `${flag} must be a duration like 90s, 15m, 1h or 7d, or seconds; got "${text}"`);
  return value;
}

export function secondsOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text)) throw new FleetdeckError('invalid-input', `${flag} takes a number of seconds, got "${text}"`);
  return Number(text);
}

/** Refuses positional arguments a command does not take. */
export function noArguments(command: string, args: string[]): void {
  if (args.length) throw new FleetdeckError('invalid-input', `${command} takes no arguments, got "${args.join(' ')}"`);
}

/** The one --context a command acts on. */
export function oneContext(command: string, contexts: string[] | undefined): string {
  if (!contexts?.length) throw new FleetdeckError('invalid-input', `${command} needs --context`);
  if (contexts.length > 1) throw new FleetdeckError('invalid-input', `${command} takes one --context, got ${contexts.length}`);
  return contexts[0];
}

/** Repeated old=new values (--namespace-map a=b …) as a map. */
export function pairs(values: string[] | undefined, flag: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const value of values ?? []) {
    const [from, to, ...rest] = value.split('=');
    if (!from || !to || rest.length) throw new FleetdeckError('invalid-input', `--${flag} takes old=new, got "${value}"`);
    map[from] = to;
  }
  return map;
}
