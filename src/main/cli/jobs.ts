import type { z } from 'zod';
import { backupInput, migrateInput, restoreInput, type targetInput } from '../../shared/contract/jobs.ts';
import { FleetdeckError, messageOf } from '../../shared/errors.ts';
import { backupWorkloadKinds } from '../../shared/kube-object.ts';
import { countResults, exitCodeFor, type JobReport } from '../../shared/migration/report.ts';
import { readRegularFile } from '../base/files.ts';
import type { TargetOptions } from '../services/jobs/job-runner.ts';
import type { Progress } from '../services/jobs/progress.ts';
import { readRepositoryEnv } from '../services/jobs/volumes/repository.ts';
import { formatBytes } from '../../shared/quantity.ts';
import { accepted, defineCommand, durationOption, noArguments, oneContext, pairs, secondsOption, type CommandInput, type CommandResult } from './command.ts';
import { historyLines } from './monitoring.ts';
import { prettyJson } from './pretty-json.ts';
import { printable, table } from './table.ts';

const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024;

/**
 * Reads a passphrase file: its first line, which must not be empty. Only a regular file of at most
 * 64 KiB is read, so /dev/zero, a FIFO or a huge file fails at once instead of hanging or filling memory.
 */
async function readPassphrase(file: string): Promise<string> {
  let text: string;
  try {
    text = (await readRegularFile(file, MAX_PASSPHRASE_FILE_BYTES, 'invalid-input')).toString('utf8');
  } catch (error) {
    if (!(error instanceof FleetdeckError)) throw new FleetdeckError('invalid-input', `cannot read the passphrase file ${file}: ${(error as Error).message}`);
    throw new FleetdeckError('invalid-input', `the passphrase file ${file} ${error.code === 'too-large' ? 'is larger than 64 KiB' : 'is not a regular file'}`);
  }
  const passphrase = text.split(/\r?\n/)[0];
  if (!passphrase) throw new FleetdeckError('invalid-input', `the passphrase file ${file} is empty`);
  return passphrase;
}

const selectionOptions = {
  namespace: { type: 'string', multiple: true },
  workload: { type: 'string', multiple: true },
  selector: { type: 'string' },
  'include-kinds': { type: 'string' },
  'exclude-kinds': { type: 'string' },
} as const;

/** How the claims' data moves (backup, restore, migrate). */
const volumeOptions = {
  volumes: { type: 'string' },
  'repository-env': { type: 'string' },
  'volumes-live': { type: 'boolean', default: false },
  parallel: { type: 'string', default: '2' },
} as const;

/**
 * --volumes restic --repository-env FILE [--volumes-live] [--parallel N]: checked when the command
 * is read; the file is read when it runs (its values go to the clusters, never to the output).
 */
function volumes(values: CommandInput<typeof volumeOptions>['values']): (() => Promise<{ mover: 'restic'; repository: Record<string, string>; live: boolean; parallel: number }>) | undefined {
  const { volumes: mover, 'repository-env': file, 'volumes-live': live, parallel } = values;
  if (!mover) {
    const stray = file ? '--repository-env' : live ? '--volumes-live' : parallel !== '2' ? '--parallel' : undefined;
    if (stray) throw new FleetdeckError('invalid-input', `${stray} needs --volumes restic`);
    return undefined;
  }
  if (mover !== 'restic') throw new FleetdeckError('invalid-input', `--volumes takes restic (the only mover), got "${mover}"`);
  if (!file) throw new FleetdeckError('invalid-input', '--volumes restic needs --repository-env FILE (RESTIC_REPOSITORY, RESTIC_PASSWORD and the store\'s credentials)');
  if (!/^\d+$/.test(parallel) || Number(parallel) < 1 || Number(parallel) > 16) throw new FleetdeckError('invalid-input', `--parallel takes a whole number from 1 to 16, got "${parallel}"`);
  return async () => ({ mover: 'restic', repository: await readRepositoryEnv(file), live, parallel: Number(parallel) });
}

/** The checked target options with the volumes' settings read from --repository-env. */
async function runTarget(target: z.infer<typeof targetInput>, moving: ReturnType<typeof volumes>): Promise<TargetOptions> {
  const { volumes: _, ...rest } = target;
  return { ...rest, ...(moving ? { volumes: await moving() } : {}) };
}

/** The target options of restore and migrate. */
const targetOptions = {
  'namespace-map': { type: 'string', multiple: true },
  'storage-class-map': { type: 'string', multiple: true },
  'ingress-class-map': { type: 'string', multiple: true },
  'registry-map': { type: 'string', multiple: true },
  'target-cloud': { type: 'string' },
  conflict: { type: 'string', default: 'skip' },
  'dry-run': { type: 'boolean', default: false },
  'verify-timeout': { type: 'string', default: '60' },
  ...volumeOptions,
} as const;

/** The contract's fields as the command line names them. */
const fields = {
  context: '--context',
  fromContext: '--from-context',
  toContext: '--to-context',
  'selection.namespaces': '--namespace',
  'selection.selector': '--selector',
  'selection.includeKinds': '--include-kinds',
  'selection.excludeKinds': '--exclude-kinds',
  'selection.workloads': '--workload',
  'target.namespaceMap': '--namespace-map',
  'target.storageClassMap': '--storage-class-map',
  'target.ingressClassMap': '--ingress-class-map',
  'target.registryMap': '--registry-map',
  'target.targetCloud': '--target-cloud',
  'target.conflict': '--conflict',
  'target.verifyTimeoutSeconds': '--verify-timeout',
  'metrics.sinceSeconds': '--metrics-since',
};

/** "--storage-class-map old=new" repeated → {old: new}. */
const list = (value: string | undefined) => (value ? value.split(',').map((k) => k.trim()).filter(Boolean) : undefined);

/** "--workload Deployment/web" → {kind, name}, the kind in any case (the contract checks it). */
function workload(value: string): { kind: string; name: string } {
  const [kind, name, ...rest] = value.split('/');
  if (!kind || !name || rest.length) throw new FleetdeckError('invalid-input', `--workload takes Kind/name, e.g. Deployment/web, got "${value}"`);
  return { kind: backupWorkloadKinds.find((k) => k.toLowerCase() === kind.toLowerCase()) ?? kind, name };
}

function selection(values: CommandInput<typeof selectionOptions>['values']) {
  if (values.workload?.length && !values.namespace?.length) throw new FleetdeckError('invalid-input', '--workload needs the --namespace it is in');
  return {
    namespaces: values.namespace ?? [],
    ...(values.selector ? { selector: values.selector } : {}),
    includeKinds: list(values['include-kinds']),
    excludeKinds: list(values['exclude-kinds']),
    ...(values.workload?.length ? { workloads: values.workload.map(workload) } : {}),
  };
}

function target(values: CommandInput<typeof targetOptions>['values']) {
  return {
    namespaceMap: pairs(values['namespace-map'], 'namespace-map'),
    storageClassMap: pairs(values['storage-class-map'], 'storage-class-map'),
    ingressClassMap: pairs(values['ingress-class-map'], 'ingress-class-map'),
    registryMap: pairs(values['registry-map'], 'registry-map'),
    targetCloud: values['target-cloud'],
    conflict: values.conflict,
    dryRun: values['dry-run'],
    verifyTimeoutSeconds: secondsOption('--verify-timeout', values['verify-timeout']),
  };
}

/** "shop/data backup 40% 410 MiB/1 GiB, 1,200/3,000 files, 12 MiB/s, 50 s left" */
function volumeLine(v: NonNullable<Progress['volumes']>[number]): string {
  const percent = v.bytesTotal ? ` ${Math.floor((100 * v.bytesDone) / v.bytesTotal)}%` : '';
  const rate = v.rate ? `, ${formatBytes(v.rate)}/s` : '';
  const eta = v.eta !== undefined ? `, ${v.eta} s left` : '';
  return `volume ${v.namespace}/${v.claim} ${v.step}${percent} ${formatBytes(v.bytesDone)}/${formatBytes(v.bytesTotal)}, ${v.filesDone}/${v.filesTotal} files${rate}${eta}`;
}

/** Progress on stderr: each new phase, and the count at most every two seconds. */
function progressPrinter(): (p: Progress) => void {
  let phase = '';
  let last = 0;
  const printed = new Map<string, string>();
  return (p) => {
    const now = Date.now();
    if (p.phase === phase && now - last < 2_000 && p.phase !== 'waiting') return;
    phase = p.phase;
    last = now;
    if (p.volumes?.length) {
      // a volume that has not moved since the last line is not repeated
      for (const v of p.volumes) {
        const line = volumeLine(v);
        if (printed.get(`${v.namespace}/${v.claim}`) === line) continue;
        printed.set(`${v.namespace}/${v.claim}`, line);
        process.stderr.write(`fleetdeck: ${printable(line)}\n`);
      }
      return;
    }
    const count = p.total ? ` ${p.done}/${p.total}` : p.done ? ` ${p.done}` : '';
    process.stderr.write(`fleetdeck: ${printable(`${p.phase}${count}${p.detail ? ` · ${p.detail}` : ''}`)}\n`);
  };
}

function human(report: JobReport, title: string): string {
  const lines = [`${title}: ${report.state}${report.dryRun ? ' (dry run: nothing written)' : ''}`, Object.entries(report.counts).map(([k, v]) => `${v} ${k}`).join(', ')];
  if (report.error) lines.push(`error: ${printable(report.error)}`);
  if (report.unsigned) lines.push('warning: the archive is unsigned: nothing shows that Fleetdeck wrote it or that it is unchanged (read because of --allow-unsigned)');
  for (const f of report.preflight ?? []) lines.push(`pre-flight ${f.severity}: ${printable(f.message)}`);
  if (report.classes?.length) {
    const tiers = (from?: string, to?: string) => (from && to ? `${from} → ${to}` : '');
    lines.push('', 'classes on the target:', table(['KIND', 'FROM', 'TO', 'TIER', 'WHY', 'OBJECTS'], report.classes.map((c) => [c.kind, c.from, c.to ?? '(none)', `${tiers(c.fromTier, c.toTier)}${c.downgrade ? ' (downgrade)' : ''}`, c.note, `${c.count}`])));
  }
  if (report.transforms.length) {
    lines.push('', 'transforms:', table(['KIND', 'NAMESPACE', 'NAME', 'FIELD', 'FROM', 'TO'], report.transforms.map((t) => [t.kind, t.namespace ?? '', t.name, t.path, t.from, t.to])));
  }
  const notable = report.items.filter((i) => i.result === 'failed' || i.diff || (report.dryRun && i.result !== 'skipped'));
  if (notable.length) {
    lines.push('', table(['RESULT', 'KIND', 'NAMESPACE', 'NAME', 'REASON'], notable.map((i) => [i.result, i.kind, i.namespace ?? '', i.name, i.reason ?? ''])));
    for (const i of notable.filter((n) => n.diff)) lines.push('', printable(`${i.kind} ${i.namespace ?? ''}/${i.name}:`), ...i.diff!.split('\n').map((l) => `  ${printable(l)}`));
  }
  if (report.volumePlan?.length && report.dryRun) {
    const seconds = (s: number | 'unknown') => (s === 'unknown' ? 'unknown' : `${s} s`);
    lines.push('', 'volumes (plan):', table(['NAMESPACE', 'CLAIM', 'TO', 'SIZE', 'USED', 'ACCESS', 'WORKLOADS', 'CLASS', 'MOVER', 'ESTIMATE', 'DOWNTIME'], report.volumePlan.map((v) => [v.namespace, v.claim, v.targetNamespace, v.requested ?? '', v.usedBytes === 'unknown' ? 'unknown' : formatBytes(v.usedBytes), v.accessModes.join(','), v.workloads.join(', '), `${v.storageClass ?? ''} → ${v.targetStorageClass ?? ''}`, v.mover, seconds(v.estimatedSeconds), v.live ? 'none (live: crash-consistent)' : seconds(v.downtimeSeconds)])));
    for (const v of report.volumePlan) for (const note of v.notes ?? []) lines.push(`note: ${v.namespace}/${v.claim}: ${printable(note)}`);
  }
  if (report.movers?.length) {
    lines.push('', 'volume mover Jobs (dry run, not started):', table(['CLUSTER', 'ROLE', 'NAMESPACE', 'JOB', 'VALID', 'NOTE'], report.movers.map((m) => [m.cluster, m.role, m.namespace, m.name, m.validated ? 'yes' : 'NO', m.reason])));
  }
  if (report.volumes?.length) {
    lines.push('', 'volumes:', table(['NAMESPACE', 'CLAIM', 'TO', 'STATE', 'FILES', 'BYTES', 'SECONDS', 'VERIFIED', 'MISMATCHES'], report.volumes.map((v) => [v.namespace, v.claim, v.targetNamespace, `${v.state}${v.crashConsistent ? ' (live: crash-consistent)' : ''}${v.resumed ? ' (earlier run)' : ''}`, String(v.files), formatBytes(v.bytes), String(v.seconds), v.verified ? 'yes' : 'NO', String(v.mismatches)])));
    for (const v of report.volumes) {
      if (v.reason) lines.push(`${v.namespace}/${v.claim}: ${printable(v.reason)}`);
      for (const m of v.mismatched ?? []) lines.push(`  mismatch: ${printable(m)}`);
      if (v.logTail) lines.push(...v.logTail.split('\n').map((l) => `  | ${printable(l)}`));
    }
  }
  if (report.metrics) lines.push('', ...historyLines(report.metrics, 'metrics history'));
  if (report.leftovers?.length) lines.push('', 'left on the clusters for a look (remove them once done):', ...report.leftovers.map((l) => `  ${printable(l)}`));
  if (report.verification?.length) {
    lines.push('', 'verification:', table(['OK', 'KIND', 'NAMESPACE', 'NAME', 'STATE'], report.verification.map((v) => [v.ok ? 'yes' : 'NO', v.kind, v.namespace ?? '', v.name, v.detail])));
  }
  return lines.join('\n');
}

/** Runs a job; any failure (bad archive, unknown context, pre-flight, a file that cannot be written) is still one report, state Failed. */
async function job(json: boolean, title: string, run: () => Promise<JobReport & { archive?: unknown }>): Promise<CommandResult> {
  let report: JobReport;
  try {
    report = await run();
  } catch (error) {
    const message = messageOf(error);
    report = { state: 'Failed', counts: countResults([]), items: [], transforms: [], error: message.split('\n')[0] };
  }
  return { output: json ? prettyJson(report) : human(report, title), errors: report.error ? [report.error] : [], exitCode: exitCodeFor(report.state) };
}

export const backup = defineCommand({
  name: 'backup',
  options: { ...selectionOptions, ...volumeOptions, out: { type: 'string' }, 'passphrase-file': { type: 'string' } },
  prepare: ({ args, values, json }) => {
    noArguments('backup', args);
    const input = accepted('backup', backupInput.pick({ context: true, selection: true }), { context: oneContext('backup', values.context), selection: selection(values) }, fields);
    const { out, 'passphrase-file': passphraseFile } = values;
    if (!out) throw new FleetdeckError('invalid-input', 'backup needs --out');
    if (!/\.(tar\.gz|tgz)$/.test(out)) throw new FleetdeckError('invalid-input', `--out must name a .tar.gz file, got "${out}"`);
    const moving = volumes(values);
    return {
      contexts: [input.context],
      run: ({ runner }) =>
        job(json, 'backup', async () => {
          const passphrase = passphraseFile ? await readPassphrase(passphraseFile) : undefined;
          if (!passphrase) process.stderr.write("fleetdeck: no --passphrase-file: Secrets are encrypted with this machine's Fleetdeck key and restore only here\n");
          const { report, manifest } = await runner.backup({ ...input.selection, context: input.context, out, ...(passphrase ? { passphrase } : {}), ...(moving ? { volumes: await moving() } : {}) }, progressPrinter());
          return { ...report, archive: { file: out, total: manifest.total, counts: manifest.counts } };
        }),
    };
  },
});

export const restore = defineCommand({
  name: 'restore',
  options: { ...targetOptions, from: { type: 'string' }, 'passphrase-file': { type: 'string' }, 'allow-unsigned': { type: 'boolean', default: false } },
  prepare: ({ args, values, json }) => {
    noArguments('restore', args);
    const input = accepted('restore', restoreInput.pick({ context: true, allowUnsigned: true, target: true }), { context: oneContext('restore', values.context), allowUnsigned: values['allow-unsigned'], target: target(values) }, fields);
    const { from, 'passphrase-file': passphraseFile } = values;
    if (!from) throw new FleetdeckError('invalid-input', 'restore needs --from');
    const moving = volumes(values);
    return {
      contexts: [input.context],
      run: ({ runner }) =>
        job(json, 'restore', async () => {
          const passphrase = passphraseFile ? await readPassphrase(passphraseFile) : undefined;
          return runner.restore({ ...input, from, ...(passphrase ? { passphrase } : {}), target: await runTarget(input.target, moving) }, progressPrinter());
        }),
    };
  },
});

export const migrate = defineCommand({
  name: 'migrate',
  options: { ...selectionOptions, ...targetOptions, 'from-context': { type: 'string' }, 'to-context': { type: 'string' }, 'with-metrics': { type: 'boolean', default: false }, 'metrics-since': { type: 'string' } },
  prepare: ({ args, values, json }) => {
    noArguments('migrate', args);
    if (values.context) throw new FleetdeckError('invalid-input', 'migrate takes --from-context and --to-context, not --context');
    if (values['metrics-since'] && !values['with-metrics']) throw new FleetdeckError('invalid-input', '--metrics-since needs --with-metrics');
    const metrics = values['with-metrics'] ? { sinceSeconds: Math.round(durationOption('--metrics-since', values['metrics-since'] ?? '30d')) } : undefined;
    const input = accepted('migrate', migrateInput, { fromContext: values['from-context'], toContext: values['to-context'], selection: selection(values), target: target(values), ...(metrics ? { metrics } : {}) }, fields);
    const moving = volumes(values);
    return { contexts: [input.fromContext, input.toContext], run: ({ runner }) => job(json, 'migrate', async () => runner.migrate({ ...input, target: await runTarget(input.target, moving) }, progressPrinter())) };
  },
});
