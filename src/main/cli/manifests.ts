// fleetdeck render | validate | scaffold: the offline workspace from scripts and CI. No cluster needed.
import path from 'node:path';
import { FleetdeckError } from '../../shared/errors.ts';
import { streamObjects } from '../../shared/manifests/documents.ts';
import { LocalManifestsService, scaffoldInto } from '../services/manifests/manifests-service.ts';
import type { CommandResult } from './index.ts';
import { printableLines } from './table.ts';

function oneDirectory(command: string, args: string[]): string {
  if (args.length !== 1) throw new FleetdeckError('invalid-input', `${command} takes one folder, e.g. fleetdeck ${command} overlays/eks (got ${args.length ? args.join(' ') : 'none'})`);
  return path.resolve(args[0]);
}

/**
 * `fleetdeck render DIR [--output yaml|json] [--allow-remote]`: the kustomization in DIR,
 * rendered (offline unless --allow-remote); json is an array of objects. DIR is named by the user,
 * so it is granted, and its kustomizations may name local bases anywhere, as with kustomize.
 */
export async function renderCommand(args: string[], options: { dataDir: string; output?: string; allowRemote: boolean }): Promise<CommandResult> {
  const format = options.output ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new FleetdeckError('invalid-input', `render --output must be yaml or json, got "${format}"`);
  const dir = oneDirectory('render', args);
  const service = new LocalManifestsService({ dataDir: options.dataDir, workspaces: [dir], renderOutsideRoot: true });
  const { yaml } = await service.render({ root: dir, dir: '', allowRemote: options.allowRemote });
  if (format === 'yaml') return { output: yaml.trimEnd(), errors: [], exitCode: 0 };
  const objects = streamObjects(yaml);
  return { output: JSON.stringify(objects, null, 2), errors: [], exitCode: 0 };
}

/** `fleetdeck validate DIR [--kubernetes-version 1.31] --output json`: `[{file, line, severity, rule, message}]`, exit 1 when an error is found. */
export async function validateCommand(args: string[], options: { dataDir: string; json: boolean; kubernetesVersion?: string }): Promise<CommandResult> {
  const dir = oneDirectory('validate', args);
  const service = new LocalManifestsService({ dataDir: options.dataDir, workspaces: [dir] });
  const { problems, files } = await service.validate({ root: dir, kubernetesVersion: options.kubernetesVersion });
  const errors = problems.filter((p) => p.severity === 'error').length;
  const exitCode = errors ? 1 : 0;
  if (options.json) {
    return { output: JSON.stringify(problems.map((p) => ({ file: p.file, line: p.line, severity: p.severity, rule: p.rule, message: `${p.message}. Fix: ${p.hint}` })), null, 2), errors: [], exitCode };
  }
  const lines = problems.flatMap((p) => [`${p.file}:${p.line}: ${p.severity} [${p.rule}] ${p.message}`, `    fix: ${p.hint}`]);
  lines.push(`${files} YAML files checked: ${errors} errors, ${problems.length - errors} warnings`);
  return { output: printableLines(lines), errors: [], exitCode };
}

/** `fleetdeck scaffold DIR [--name APP] [--repo URL]`: a new multi-cloud GitOps repository. */
export async function scaffoldCommand(args: string[], options: { json: boolean; name?: string; repo?: string }): Promise<CommandResult> {
  const dir = oneDirectory('scaffold', args);
  const { name, files } = await scaffoldInto(dir, options.name, options.repo);
  if (options.json) return { output: JSON.stringify({ dir, files }, null, 2), errors: [], exitCode: 0 };
  return { output: printableLines([`scaffolded ${name} in ${dir}:`, ...files.map((f) => `  ${f}`), `next: fleetdeck validate ${args[0]} && fleetdeck render ${path.join(args[0], 'overlays/eks')}`]), errors: [], exitCode: 0 };
}
