import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { ArchiveSummary, backupInput, classesInput, JobsService, migrateInput, restoreInput, TaskDetail, TaskInfo, volumesInput } from '../../../shared/contract/jobs.ts';
import { Emitter } from '../../../shared/emitter.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { countResults, type JobReport } from '../../../shared/migration/report.ts';
import { ArchiveReader, type ArchiveManifestSummary } from './archive.ts';
import type { JobRunner } from './job-runner.ts';
import type { Progress } from './progress.ts';
import type { SavedRepositories } from './saved-repositories.ts';
import type { VolumesInput } from './volumes/migration.ts';

type Volumes = z.infer<typeof volumesInput>;
type Input = { kind: 'backup'; input: z.infer<typeof backupInput> } | { kind: 'restore'; input: z.infer<typeof restoreInput> } | { kind: 'migrate'; input: z.infer<typeof migrateInput> };

/** What is kept on disk per task: enough to show it after a restart and to run it again. */
interface StoredTask {
  info: TaskInfo;
  /** passphrases are never written: a resumed task asks for its passphrase again */
  request: Input;
  report?: JobReport;
  archive?: ArchiveSummary;
}

function summarize(file: string, manifest: ArchiveManifestSummary): ArchiveSummary {
  const source = (manifest.source ?? {}) as ArchiveSummary['source'];
  const selection = (manifest.selection ?? {}) as { namespaces?: string[] };
  return {
    file: path.basename(file),
    createdAt: manifest.createdAt,
    source,
    namespaces: selection.namespaces ?? [],
    total: manifest.total,
    counts: manifest.counts,
    needsPassphrase: manifest.encryption?.keySource === 'passphrase',
    signed: manifest.mac !== undefined,
  };
}

/** A context name as one readable file-name segment: `arn:aws:eks:eu-west-1:1234:cluster/prod` → `arn-aws-eks-eu-west-1-1234-cluster-prod`. */
export function fileNameSegment(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 100) || 'cluster';
}

/**
 * The jobs center: runs backup, restore and migration as tasks, streams their progress as
 * events, keeps each task on disk (a restart shows it as interrupted, and resume finishes it:
 * the restore journal skips what was done), and cancels through an abort signal.
 */
/** A task that was running when the app stopped. */
const interrupted = { state: 'interrupted', cancellable: false, resumable: true, error: 'the app stopped while this task ran; resume finishes it' } as const;

export class JobsCenter implements JobsService {
  private readonly tasks = new Map<string, StoredTask>();
  private readonly running = new Map<string, AbortController>();
  private readonly changed = new Emitter<TaskInfo>();
  readonly onDidChangeTask = this.changed.event;
  private readonly runner: JobRunner;
  private readonly saved: SavedRepositories;
  private readonly taskDir: string;
  readonly backupDir: string;

  constructor(runner: JobRunner, dir: string, repositories: SavedRepositories) {
    this.runner = runner;
    this.saved = repositories;
    this.taskDir = path.join(dir, 'jobs', 'tasks');
    this.backupDir = path.join(dir, 'backups');
    mkdirSync(this.taskDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.backupDir, { recursive: true, mode: 0o700 });
    for (const file of readdirSync(this.taskDir).filter((f) => f.endsWith('.json'))) {
      try {
        const task = JSON.parse(readFileSync(path.join(this.taskDir, file), 'utf8')) as StoredTask;
        // it was running when the app stopped
        if (task.info.state === 'running') task.info = { ...task.info, ...interrupted };
        this.tasks.set(task.info.id, task);
      } catch {
        // a task file cut short by a crash is left out, not fatal
      }
    }
  }

  private save(task: StoredTask) {
    const file = path.join(this.taskDir, `${task.info.id}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(task), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  private update(task: StoredTask, info: Partial<TaskInfo>, persist = true) {
    task.info = { ...task.info, ...info };
    if (persist) this.save(task);
    this.changed.fire(task.info);
  }

  async list(): Promise<TaskInfo[]> {
    return [...this.tasks.values()].map((t) => t.info).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  async get({ id }: { id: string }): Promise<TaskDetail> {
    const task = this.tasks.get(id);
    if (!task) throw new FleetdeckError('not-found', `no task ${id}`);
    const { request } = task;
    const migration = request.kind === 'migrate' ? { fromContext: request.input.fromContext, toContext: request.input.toContext } : undefined;
    return { info: task.info, ...(task.report ? { report: task.report } : {}), ...(task.archive ? { archive: task.archive } : {}), ...(migration ? { migration } : {}) };
  }

  async archives(): Promise<ArchiveSummary[]> {
    const files = readdirSync(this.backupDir).filter((f) => f.endsWith('.tar.gz'));
    for (const file of this.summaries.keys()) if (!files.includes(file)) this.summaries.delete(file);
    const summaries: ArchiveSummary[] = [];
    for (const file of files) {
      // a file whose manifest cannot be read is not listed: it is not an archive Fleetdeck can restore
      const summary = await this.summaryOf(file).catch(() => undefined);
      if (summary) summaries.push(summary);
    }
    return summaries.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The manifest is the archive's last entry, so the whole file is unpacked to reach it: once per file version, not on every listing. */
  private readonly summaries = new Map<string, { stamp: string; summary: ArchiveSummary }>();

  private async summaryOf(file: string): Promise<ArchiveSummary> {
    const full = path.join(this.backupDir, file);
    const { mtimeMs, size } = statSync(full);
    const stamp = `${mtimeMs}:${size}`;
    const known = this.summaries.get(file);
    if (known?.stamp === stamp) return known.summary;
    const summary = summarize(file, await ArchiveReader.manifestOf(full));
    this.summaries.set(file, { stamp, summary });
    return summary;
  }

  async classes(input: z.infer<typeof classesInput>) {
    return this.runner.classOptions(input);
  }

  private start(request: Input, passphrase: string | undefined, id: string = randomUUID()): TaskInfo {
    const title = titleOf(request);
    const dryRun = request.kind !== 'backup' && request.input.target.dryRun;
    const { passphrase: _, ...input } = request.input as { passphrase?: string };
    // the repository's password and the store's keys are never written with the task either (a saved repository's name is)
    const withoutSettings = (volumes: Volumes) => ('env' in volumes.repository ? { ...volumes, repository: { env: {} } } : volumes);
    const target = (input as { target?: { volumes?: Volumes } }).target;
    if (target?.volumes) Object.assign(input, { target: { ...target, volumes: withoutSettings(target.volumes) } });
    const backupVolumes = (input as { volumes?: Volumes }).volumes;
    if (backupVolumes) Object.assign(input, { volumes: withoutSettings(backupVolumes) });
    const task: StoredTask = {
      info: { id, kind: request.kind, title, state: 'running', progress: { phase: 'starting', done: 0 }, startedAt: new Date().toISOString(), cancellable: true, resumable: false, dryRun },
      request: { ...request, input } as Input,
    };
    this.tasks.set(id, task);
    this.save(task);
    const controller = new AbortController();
    this.running.set(id, controller);
    let lastSent = 0;
    let lastPersisted = 0;
    const onProgress = (progress: Progress) => {
      // a restore reports every object: the window hears of it every 150 ms, the disk every 2 s
      const now = Date.now();
      const phaseChanged = progress.phase !== task.info.progress.phase;
      task.info = { ...task.info, progress };
      if (!phaseChanged && now - lastSent < 150) return;
      lastSent = now;
      const persist = now - lastPersisted > 2_000;
      if (persist) lastPersisted = now;
      this.update(task, {}, persist);
    };
    void this.run(task, request, passphrase, onProgress, controller.signal);
    return task.info;
  }

  private async run(task: StoredTask, request: Input, passphrase: string | undefined, onProgress: (p: Progress) => void, signal: AbortSignal) {
    try {
      let report: JobReport;
      if (request.kind === 'backup') {
        const file = path.join(this.backupDir, request.input.archive ?? `${fileNameSegment(request.input.context)}-${task.info.startedAt.replace(/[:.]/g, '-')}.tar.gz`);
        const volumes = await this.withSettings(request.input.volumes);
        const result = await this.runner.backup({ ...request.input.selection, context: request.input.context, out: file, ...(passphrase ? { passphrase } : {}), ...(volumes ? { volumes } : {}), signal }, onProgress);
        report = result.report;
        task.archive = summarize(file, result.manifest);
      } else {
        const { volumes: requested, ...rest } = request.input.target;
        const volumes = await this.withSettings(requested);
        const target = { ...rest, ...(volumes ? { volumes } : {}) };
        if (request.kind === 'restore') {
          const file = path.join(this.backupDir, request.input.archive);
          report = await this.runner.restore({ context: request.input.context, from: file, ...(passphrase ? { passphrase } : {}), allowUnsigned: request.input.allowUnsigned ?? false, target, signal }, onProgress);
        } else {
          report = await this.runner.migrate({ ...request.input, target, signal }, onProgress);
        }
      }
      task.report = report;
      if (this.disposed) return this.update(task, interrupted);
      const cancelled = signal.aborted;
      this.update(task, { state: cancelled ? 'cancelled' : report.state, counts: report.counts, finishedAt: new Date().toISOString(), cancellable: false, resumable: cancelled || report.state === 'Failed', ...(report.error ? { error: report.error } : {}) });
    } catch (error) {
      if (this.disposed) return this.update(task, interrupted);
      const cancelled = signal.aborted;
      task.report ??= { state: 'Failed', counts: countResults([]), items: [], transforms: [], error: (error as Error).message };
      this.update(task, { state: cancelled ? 'cancelled' : 'Failed', error: cancelled ? 'cancelled' : (error as Error).message, finishedAt: new Date().toISOString(), cancellable: false, resumable: true });
    } finally {
      this.running.delete(task.info.id);
    }
  }

  async startBackup(input: z.infer<typeof backupInput>) {
    return this.start({ kind: 'backup', input }, input.passphrase);
  }

  async startRestore(input: z.infer<typeof restoreInput>) {
    return this.start({ kind: 'restore', input }, input.passphrase);
  }

  async startMigrate(input: z.infer<typeof migrateInput>) {
    return this.start({ kind: 'migrate', input }, undefined);
  }

  async cancel({ id }: { id: string }) {
    const controller = this.running.get(id);
    if (!controller) throw new FleetdeckError('invalid-input', `task ${id} is not running`);
    controller.abort();
  }

  private disposed = false;

  /** Stops the running tasks' requests; they are kept as interrupted, and resume finishes them, as after a crash. */
  dispose(): void {
    this.disposed = true;
    for (const controller of this.running.values()) controller.abort();
  }

  async resume({ id, passphrase }: { id: string; passphrase?: string }) {
    const task = this.tasks.get(id);
    if (!task) throw new FleetdeckError('not-found', `no task ${id}`);
    if (!task.info.resumable || this.running.has(id)) throw new FleetdeckError('invalid-input', `task ${id} cannot be resumed (${task.info.state})`);
    const volumes = task.request.kind === 'backup' ? task.request.input.volumes : task.request.input.target.volumes;
    if (volumes && 'env' in volumes.repository) throw new FleetdeckError('invalid-input', `task ${id} moves volume data with a repository given only for that run: its settings are not kept, so start it again with them (the journal skips what was done)`);
    return this.start(task.request, passphrase, id);
  }

  /** The volumes of a request with their repository's settings: as given, or taken from the vault by name. */
  private async withSettings(volumes: Volumes | undefined): Promise<VolumesInput | undefined> {
    if (!volumes) return undefined;
    const { repository } = volumes;
    return { ...volumes, repository: 'env' in repository ? repository.env : await this.saved.env(repository.saved) };
  }

  async repositories() {
    return this.saved.list();
  }

  async saveRepository({ name, env }: { name: string; env: string }) {
    return this.saved.save(name, env);
  }

  async forgetRepository({ name }: { name: string }) {
    return this.saved.forget(name);
  }
}

function titleOf(request: Input): string {
  const namespaces = (selection: { namespaces: string[]; workloads?: { kind: string; name: string }[] }) =>
    selection.workloads?.length ? selection.workloads.map((w) => `${w.kind}/${w.name}`).join(', ') : selection.namespaces.length ? selection.namespaces.join(', ') : 'all namespaces';
  switch (request.kind) {
    case 'backup':
      return `Back up ${namespaces(request.input.selection)} of ${request.input.context}`;
    case 'restore':
      return `${request.input.target.dryRun ? 'Plan restore' : 'Restore'} ${request.input.archive} to ${request.input.context}`;
    case 'migrate':
      return `${request.input.target.dryRun ? 'Plan migration' : 'Migrate'} ${namespaces(request.input.selection)} from ${request.input.fromContext} to ${request.input.toContext}`;
  }
}
