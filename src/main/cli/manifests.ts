// fleetdeck render | validate | scaffold: the offline workspace from scripts and CI. No cluster needed.
import path from 'node:path';
import { renderInput, scaffoldInput, validateInput } from '../../shared/contract/manifests.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { streamObjects } from '../../shared/manifests/documents.ts';
import { dataDir } from '../kube/vault.ts';
import { LocalManifestsService, scaffoldInto } from '../services/manifests/manifests-service.ts';
import { accepted, defineCommand } from './command.ts';
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
export const render = defineCommand({
  name: 'render',
  options: { 'allow-remote': { type: 'boolean', default: false } },
  formats: ['yaml', 'json'],
  prepare: ({ args, values, output }) => {
    const dir = oneDirectory('render', args);
    const input = accepted('render', renderInput, { root: dir, dir: '', allowRemote: values['allow-remote'] }, { root: 'DIR' });
    return {
      offline: async () => {
        const service = new LocalManifestsService({ dataDir: dataDir(), workspaces: [dir], renderOutsideRoot: true });
        const { yaml } = await service.render(input);
        if (output === 'yaml') return { output: yaml.trimEnd(), errors: [], exitCode: 0 };
        return { output: JSON.stringify(streamObjects(yaml), null, 2), errors: [], exitCode: 0 };
      },
    };
  },
});

/** `fleetdeck validate DIR [--kubernetes-version 1.31] --output json`: `[{file, line, severity, rule, message}]`, exit 1 when an error is found. */
export const validate = defineCommand({
  name: 'validate',
  options: { 'kubernetes-version': { type: 'string' } },
  prepare: ({ args, values, json }) => {
    const dir = oneDirectory('validate', args);
    const input = accepted('validate', validateInput, { root: dir, kubernetesVersion: values['kubernetes-version'] }, { root: 'DIR', kubernetesVersion: '--kubernetes-version' });
    return {
      offline: async () => {
        const service = new LocalManifestsService({ dataDir: dataDir(), workspaces: [dir] });
        const { problems, files } = await service.validate(input);
        const errors = problems.filter((p) => p.severity === 'error').length;
        const exitCode = errors ? 1 : 0;
        if (json) {
          return { output: JSON.stringify(problems.map((p) => ({ file: p.file, line: p.line, severity: p.severity, rule: p.rule, message: `${p.message}. Fix: ${p.hint}` })), null, 2), errors: [], exitCode };
        }
        const lines = problems.flatMap((p) => [`${p.file}:${p.line}: ${p.severity} [${p.rule}] ${p.message}`, `    fix: ${p.hint}`]);
        lines.push(`${files} YAML files checked: ${errors} errors, ${problems.length - errors} warnings`);
        return { output: printableLines(lines), errors: [], exitCode };
      },
    };
  },
});

/** `fleetdeck scaffold DIR [--name APP] [--repo URL]`: a new multi-cloud GitOps repository. */
export const scaffold = defineCommand({
  name: 'scaffold',
  options: { name: { type: 'string' }, repo: { type: 'string' } },
  prepare: ({ args, values, json }) => {
    const dir = oneDirectory('scaffold', args);
    const input = accepted('scaffold', scaffoldInput, { into: dir, name: values.name, repoURL: values.repo }, { into: 'DIR', name: '--name', repoURL: '--repo' });
    return {
      offline: async () => {
        const { name, files } = await scaffoldInto(dir, input.name, input.repoURL);
        if (json) return { output: JSON.stringify({ dir, files }, null, 2), errors: [], exitCode: 0 };
        return { output: printableLines([`scaffolded ${name} in ${dir}:`, ...files.map((f) => `  ${f}`), `next: fleetdeck validate ${args[0]} && fleetdeck render ${path.join(args[0], 'overlays/eks')}`]), errors: [], exitCode: 0 };
      },
    };
  },
});
