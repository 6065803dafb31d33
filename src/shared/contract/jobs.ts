import { z } from 'zod';
import type { Cloud } from '../cloud.ts';
import type { IngressRole, StorageFamily, StorageTier } from '../cloud-profiles.ts';
import type { ClassChoice } from '../migration/class-choice.ts';
import type { JobReport, ObjectResult } from '../migration/report.ts';
import type { ResticCommand, ResticProgress } from '../migration/restic-progress.ts';
import { backupWorkloadKinds } from '../kube-object.ts';
import { defineService, type Event } from '../rpc.ts';
import { historySince } from './monitoring.ts';
import { namespaceName } from './names.ts';

export type TaskKind = 'backup' | 'restore' | 'migrate';
/** running, then the run's state; interrupted: the app stopped while it ran (resume finishes it) */
export type TaskState = 'running' | 'Completed' | 'PartiallyFailed' | 'Failed' | 'cancelled' | 'interrupted';

/** One volume's copy while a migration moves it, from its mover's restic progress. */
export interface VolumeProgress extends Pick<ResticProgress, 'bytesDone' | 'bytesTotal' | 'filesDone' | 'filesTotal' | 'rate' | 'eta'> {
  namespace: string;
  claim: string;
  step: ResticCommand;
}

/** Long work as the jobs center shows it (DESIGN.md "Long work is a Task"). */
export interface TaskInfo {
  id: string;
  kind: TaskKind;
  title: string;
  state: TaskState;
  progress: { phase: string; done: number; total?: number; detail?: string; volumes?: VolumeProgress[] };
  startedAt: string;
  finishedAt?: string;
  error?: string;
  cancellable: boolean;
  resumable: boolean;
  dryRun: boolean;
  counts?: Record<ObjectResult, number>;
}

export interface ArchiveSummary {
  file: string;
  createdAt: string;
  source: { context?: string; cloud?: Cloud; kubernetesVersion?: string };
  namespaces: string[];
  total: number;
  counts: Record<string, number>;
  /** its Secrets need a passphrase (not this machine's key) */
  needsPassphrase: boolean;
  /** its manifest says it is signed (restoring verifies it); an unsigned one is restored only when the user allows it */
  signed: boolean;
}

export interface TaskDetail {
  info: TaskInfo;
  report?: JobReport;
  /** the archive a backup wrote or a restore read */
  archive?: ArchiveSummary;
  /** a migration's clusters (the Metrics screen marks the move on the target's charts) */
  migration?: { fromContext: string; toContext: string };
}

/**
 * What the migration dialog offers per class: the classes the selected objects use, each with the
 * automatic choice on the target, and the target's own classes to choose from instead.
 */
export interface ClassOptions {
  sourceCloud: Cloud;
  targetCloud: Cloud;
  /** storage classes, ingress classes and internal load balancers in use, with the choice made when the user leaves them */
  choices: ClassChoice[];
  targetStorageClasses: { name: string; tier: StorageTier; family: StorageFamily; default?: boolean }[];
  /** undefined: the target's IngressClasses could not be listed */
  targetIngressClasses?: { name: string; role: IngressRole; default?: boolean }[];
}

const name = z.string().min(1).max(253);
const map = z.record(name, name);
export const selectionInput = z
  .object({
    namespaces: z.array(namespaceName).max(1000),
    selector: z.string().max(1000).optional(),
    includeKinds: z.array(name).max(200).optional(),
    excludeKinds: z.array(name).max(200).optional(),
    /** only these workloads and what they use (config, secrets, claims, Services, Ingresses, RBAC), in the selected namespaces */
    workloads: z.array(z.object({ kind: z.enum(backupWorkloadKinds), name }).strict()).max(100).optional(),
  })
  .strict();
/** A restic repository saved in the app, as the renderer sees it: where it is and which settings it has, never their values. */
export interface RepositorySummary {
  name: string;
  /** RESTIC_REPOSITORY without user, password or query */
  location: string;
  /** the names of the settings saved with it (RESTIC_PASSWORD, AWS_ACCESS_KEY_ID…) */
  variables: string[];
  addedAt: string;
}

export const repositoryName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'a name of letters, digits, spaces, dots, dashes and underscores (at most 64)');
const repositoryEnv = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names').max(128), z.string().max(16_384));
/** the env file's text: RESTIC_REPOSITORY, RESTIC_PASSWORD and the store's credentials, as KEY=VALUE lines */
export const saveRepositoryInput = z.object({ name: repositoryName, env: z.string().min(1).max(64 * 1024) }).strict();
export const repositoryRef = z.object({ name: repositoryName }).strict();

/**
 * restic mover Jobs for the claims' data. The repository's settings (RESTIC_REPOSITORY,
 * RESTIC_PASSWORD and the store's credentials) come with the request, or from a repository saved in
 * the vault; they reach the clusters only in per-run Secrets and are never kept with a task.
 */
export const volumesInput = z
  .object({
    mover: z.literal('restic'),
    repository: z.union([z.object({ env: repositoryEnv }).strict(), z.object({ saved: repositoryName }).strict()]),
    /** copy while the writers run (crash-consistent at best) instead of stopping them */
    live: z.boolean(),
    /** claims copied at once */
    parallel: z.number().int('a whole number').min(1).max(16, 'at most 16'),
  })
  .strict();
export const targetInput = z
  .object({
    namespaceMap: z.record(namespaceName, namespaceName),
    storageClassMap: map,
    ingressClassMap: map,
    registryMap: map,
    targetCloud: z.enum(['aks', 'gke', 'eks']).optional(),
    conflict: z.enum(['skip', 'update', 'fail']),
    dryRun: z.boolean(),
    verifyTimeoutSeconds: z.number().int('whole seconds').min(0).max(3600, 'at most 3600 seconds'),
    /** move the claims' data with restic mover Jobs (without: the claims are recreated empty) */
    volumes: volumesInput.optional(),
  })
  .strict();
const passphrase = z.string().min(8).max(1024);
/** archives live in Fleetdeck's backups folder: the renderer names a file there, never a path */
const archiveName = z.string().regex(/^[A-Za-z0-9._-]+\.tar\.gz$/, 'an archive name like shop-2026-11-26.tar.gz (no folders)');

export const backupInput = z.object({ context: name, selection: selectionInput, archive: archiveName.optional(), passphrase: passphrase.optional(), volumes: volumesInput.optional() }).strict();
/** allowUnsigned: the user was told the archive is unsigned and chose to restore it anyway */
export const restoreInput = z.object({ context: name, archive: archiveName, passphrase: passphrase.optional(), allowUnsigned: z.boolean().optional(), target: targetInput }).strict();
/** the migrated namespaces' Prometheus history, this far back (at most the source's retention), copied into the target's Prometheus up to the move */
export const carryMetricsInput = z.object({ sinceSeconds: historySince }).strict();
export const migrateInput = z.object({ fromContext: name, toContext: name, selection: selectionInput, target: targetInput, metrics: carryMetricsInput.optional() }).strict();
export const taskRef = z.object({ id: z.string().regex(/^[a-z0-9-]{8,64}$/) }).strict();
export const resumeInput = taskRef.extend({ passphrase: passphrase.optional() }).strict();
export const classesInput = z.object({ fromContext: name, toContext: name, selection: selectionInput.extend({ namespaces: z.array(namespaceName).min(1, 'name the namespaces to migrate').max(1000) }).strict() }).strict();

export interface JobsService {
  /** running and past tasks, newest first */
  list(input?: void): Promise<TaskInfo[]>;
  get(input: z.infer<typeof taskRef>): Promise<TaskDetail>;
  /** the archives in Fleetdeck's backups folder */
  archives(input?: void): Promise<ArchiveSummary[]>;
  /** the classes a migration's objects use and what each becomes on the target, for the migration dialog */
  classes(input: z.infer<typeof classesInput>): Promise<ClassOptions>;
  startBackup(input: z.infer<typeof backupInput>): Promise<TaskInfo>;
  startRestore(input: z.infer<typeof restoreInput>): Promise<TaskInfo>;
  /** with target.dryRun: the migration plan (transforms, conflicts, pre-flight, diff) and nothing written */
  startMigrate(input: z.infer<typeof migrateInput>): Promise<TaskInfo>;
  cancel(input: z.infer<typeof taskRef>): Promise<void>;
  /** runs an interrupted, failed or cancelled task again; its journal skips what was done */
  resume(input: z.infer<typeof resumeInput>): Promise<TaskInfo>;
  /** the restic repositories saved in the vault, without their settings' values */
  repositories(input?: void): Promise<RepositorySummary[]>;
  /** checks the env text (a repository both clusters reach, a password) and saves it in the vault under name, replacing one of that name */
  saveRepository(input: z.infer<typeof saveRepositoryInput>): Promise<RepositorySummary>;
  forgetRepository(input: z.infer<typeof repositoryRef>): Promise<void>;
  onDidChangeTask: Event<TaskInfo>;
}

export const jobsContract = defineService<JobsService>({
  name: 'jobs',
  methods: {
    list: z.void(),
    get: taskRef,
    archives: z.void(),
    classes: classesInput,
    startBackup: backupInput,
    startRestore: restoreInput,
    startMigrate: migrateInput,
    cancel: taskRef,
    resume: resumeInput,
    repositories: z.void(),
    saveRepository: saveRepositoryInput,
    forgetRepository: repositoryRef,
  },
  events: ['onDidChangeTask'],
});
