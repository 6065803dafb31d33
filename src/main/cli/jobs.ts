import { FleetdeckError } from '../../shared/errors.ts';
import { countResults, exitCodeFor, type JobReport } from '../../shared/migration/report.ts';
import { readRegularFile } from '../base/files.ts';
import type { Selection } from '../services/jobs/backup.ts';
import type { JobRunner, TargetOptions } from '../services/jobs/job-runner.ts';
import type { Progress } from '../services/jobs/progress.ts';
import type { CommandResult } from './index.ts';
import { prettyJson } from './pretty-json.ts';
import { printable, table } from './table.ts';

export interface JobFlags {
  context?: string[];
  'from-context'?: string;
  'to-context'?: string;
  namespace?: string[];
  workload?: string[];
  selector?: string;
  'include-kinds'?: string;
  'exclude-kinds'?: string;
  out?: string;
  from?: string;
  'passphrase-file'?: string;
  'allow-unsigned'?: boolean;
  'namespace-map'?: string[];
  'storage-class-map'?: string[];
  'ingress-class-map'?: string[];
  'registry-map'?: string[];
  'target-cloud'?: string;
  conflict?: string;
  'dry-run'?: boolean;
  'verify-timeout'?: string;
  'restic-repository'?: string;
  'restic-secret'?: string;
}

const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024;

/**
 * Reads a passphrase file: its first line, which must not be empty. Only a regular file of at most
 * 64 KiB is read, so /dev/zero, a FIFO or a huge file fails at once instead of hanging or filling memory.
 */
export async function readPassphrase(file: string): Promise<string> {
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

function required(flags: JobFlags, name: keyof JobFlags, command: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || !value) throw new FleetdeckError('invalid-input', `${command} needs --${name}`);
  return value;
}

function oneContext(flags: JobFlags, command: string): string {
  if (!flags.context?.length) throw new FleetdeckError('invalid-input', `${command} needs --context`);
  if (flags.context.length > 1) throw new FleetdeckError('invalid-input', `${command} takes one --context, got ${flags.context.length}`);
  return flags.context[0];
}

/** "--storage-class-map old=new" repeated → {old: new}. */
function pairs(values: string[] | undefined, flag: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const value of values ?? []) {
    const [from, to, ...rest] = value.split('=');
    if (!from || !to || rest.length) throw new FleetdeckError('invalid-input', `--${flag} takes old=new, got "${value}"`);
    map[from] = to;
  }
  return map;
}

const list = (value: string | undefined) => (value ? value.split(',').map((k) => k.trim()).filter(Boolean) : undefined);

const workloadKinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job'] as const;

/** "--workload Deployment/web" → {kind, name}. */
function workload(value: string): NonNullable<Selection['workloads']>[number] {
  const [kind, name, ...rest] = value.split('/');
  const known = workloadKinds.find((k) => k.toLowerCase() === kind?.toLowerCase());
  if (!known || !name || rest.length) throw new FleetdeckError('invalid-input', `--workload takes Kind/name with Kind one of ${workloadKinds.join(', ')}, got "${value}"`);
  return { kind: known, name };
}

function selection(flags: JobFlags): Selection {
  if (flags.workload?.length && !flags.namespace?.length) throw new FleetdeckError('invalid-input', '--workload needs the --namespace it is in');
  return {
    namespaces: flags.namespace ?? [],
    ...(flags.selector ? { selector: flags.selector } : {}),
    includeKinds: list(flags['include-kinds']),
    excludeKinds: list(flags['exclude-kinds']),
    ...(flags.workload?.length ? { workloads: flags.workload.map(workload) } : {}),
  };
}

function target(flags: JobFlags): TargetOptions {
  const conflict = flags.conflict ?? 'skip';
  if (!['skip', 'update', 'fail'].includes(conflict)) throw new FleetdeckError('invalid-input', `--conflict must be skip, update or fail, got "${conflict}"`);
  const cloud = flags['target-cloud'];
  if (cloud && !['aks', 'gke', 'eks'].includes(cloud)) throw new FleetdeckError('invalid-input', `--target-cloud must be aks, gke or eks, got "${cloud}"`);
  const verifySeconds = Number(flags['verify-timeout'] ?? 60);
  if (!Number.isFinite(verifySeconds) || verifySeconds < 0) throw new FleetdeckError('invalid-input', `--verify-timeout takes seconds, got "${flags['verify-timeout']}"`);
  return {
    namespaceMap: pairs(flags['namespace-map'], 'namespace-map'),
    storageClassMap: pairs(flags['storage-class-map'], 'storage-class-map'),
    ingressClassMap: pairs(flags['ingress-class-map'], 'ingress-class-map'),
    registryMap: pairs(flags['registry-map'], 'registry-map'),
    ...(cloud ? { targetCloud: cloud as TargetOptions['targetCloud'] } : {}),
    conflict: conflict as TargetOptions['conflict'],
    dryRun: !!flags['dry-run'],
    verifyTimeoutSeconds: verifySeconds,
    ...volumeMover(flags),
  };
}

function volumeMover(flags: JobFlags): Pick<TargetOptions, 'volumeMover'> {
  const repository = flags['restic-repository'];
  if (!repository) return {};
  const secretName = flags['restic-secret'];
  if (!secretName) throw new FleetdeckError('invalid-input', '--restic-repository needs --restic-secret (a Secret with RESTIC_PASSWORD and the store credentials, in each namespace)');
  return { volumeMover: { repository, secretName } };
}

/** Progress on stderr: each new phase, and the count at most every two seconds. */
function progressPrinter(): (p: Progress) => void {
  let phase = '';
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase === phase && now - last < 2_000 && p.phase !== 'waiting') return;
    phase = p.phase;
    last = now;
    const count = p.total ? ` ${p.done}/${p.total}` : p.done ? ` ${p.done}` : '';
    process.stderr.write(`fleetdeck: ${printable(`${p.phase}${count}${p.detail ? ` · ${p.detail}` : ''}`)}\n`);
  };
}

function human(report: JobReport, title: string): string {
  const lines = [`${title}: ${report.state}${report.dryRun ? ' (dry run: nothing written)' : ''}`, Object.entries(report.counts).map(([k, v]) => `${v} ${k}`).join(', ')];
  if (report.error) lines.push(`error: ${printable(report.error)}`);
  if (report.unsigned) lines.push('warning: the archive is unsigned: nothing shows that Fleetdeck wrote it or that it is unchanged (read because of --allow-unsigned)');
  for (const f of report.preflight ?? []) lines.push(`pre-flight ${f.severity}: ${printable(f.message)}`);
  if (report.transforms.length) {
    lines.push('', 'transforms:', table(['KIND', 'NAMESPACE', 'NAME', 'FIELD', 'FROM', 'TO'], report.transforms.map((t) => [t.kind, t.namespace ?? '', t.name, t.path, t.from, t.to])));
  }
  const notable = report.items.filter((i) => i.result === 'failed' || i.diff || (report.dryRun && i.result !== 'skipped'));
  if (notable.length) {
    lines.push('', table(['RESULT', 'KIND', 'NAMESPACE', 'NAME', 'REASON'], notable.map((i) => [i.result, i.kind, i.namespace ?? '', i.name, i.reason ?? ''])));
    for (const i of notable.filter((n) => n.diff)) lines.push('', printable(`${i.kind} ${i.namespace ?? ''}/${i.name}:`), ...i.diff!.split('\n').map((l) => `  ${printable(l)}`));
  }
  if (report.movers?.length) {
    lines.push('', 'volume mover Jobs (generated, not started):', table(['CLUSTER', 'ROLE', 'NAMESPACE', 'JOB', 'VALID', 'NOTE'], report.movers.map((m) => [m.cluster, m.role, m.namespace, m.name, m.validated ? 'yes' : 'NO', m.reason])));
  }
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
    const message = error instanceof Error ? error.message : String(error);
    report = { state: 'Failed', counts: countResults([]), items: [], transforms: [], error: message.split('\n')[0] };
  }
  return { output: json ? prettyJson(report) : human(report, title), errors: report.error ? [report.error] : [], exitCode: exitCodeFor(report.state) };
}

export function backupCommand(jobs: JobRunner, flags: JobFlags, json: boolean): Promise<CommandResult> {
  return job(json, 'backup', async () => {
    const context = oneContext(flags, 'backup');
    const out = required(flags, 'out', 'backup');
    if (!/\.(tar\.gz|tgz)$/.test(out)) throw new FleetdeckError('invalid-input', `--out must name a .tar.gz file, got "${out}"`);
    const passphrase = flags['passphrase-file'] ? await readPassphrase(flags['passphrase-file']) : undefined;
    if (!passphrase) process.stderr.write("fleetdeck: no --passphrase-file: Secrets are encrypted with this machine's Fleetdeck key and restore only here\n");
    const { report, manifest } = await jobs.backup({ ...selection(flags), context, out, ...(passphrase ? { passphrase } : {}) }, progressPrinter());
    return { ...report, archive: { file: out, total: manifest.total, counts: manifest.counts } };
  });
}

export function restoreCommand(jobs: JobRunner, flags: JobFlags, json: boolean): Promise<CommandResult> {
  return job(json, 'restore', async () => {
    const passphrase = flags['passphrase-file'] ? await readPassphrase(flags['passphrase-file']) : undefined;
    return jobs.restore({ context: oneContext(flags, 'restore'), from: required(flags, 'from', 'restore'), ...(passphrase ? { passphrase } : {}), allowUnsigned: !!flags['allow-unsigned'], target: target(flags) }, progressPrinter());
  });
}

export function migrateCommand(jobs: JobRunner, flags: JobFlags, json: boolean): Promise<CommandResult> {
  return job(json, 'migrate', () =>
    jobs.migrate({ fromContext: required(flags, 'from-context', 'migrate'), toContext: required(flags, 'to-context', 'migrate'), selection: selection(flags), target: target(flags) }, progressPrinter()),
  );
}
