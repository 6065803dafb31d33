import { hkdfSync } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { detectCloudFromNode, type Cloud } from '../../../shared/cloud.ts';
import type { carryMetricsInput, ClassOptions, targetInput } from '../../../shared/contract/jobs.ts';
import type { historyCopyInput } from '../../../shared/contract/monitoring.ts';
import { FleetdeckError, messageOf } from '../../../shared/errors.ts';
import { countResults, withMetrics, type JobReport } from '../../../shared/migration/report.ts';
import { namespacesSelector, type HistoryReport } from '../../../shared/monitoring/history.ts';
import { resolveMappings, type Mappings } from '../../../shared/migration/transforms.ts';
import { kubeConfigFor, listEntries } from '../../kube/kubeconfig.ts';
import type { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import type { KeyStore } from '../../kube/vault.ts';
import { ArchiveReader, ArchiveWriter, type ArchiveKey, type ArchiveManifestSummary } from './archive.ts';
import { backup, type Selection } from './backup.ts';
import { classOptions } from './class-options.ts';
import { ClusterClient } from '../../kube/cluster-client.ts';
import { Journal, runKey } from './journal.ts';
import type { Progress } from './progress.ts';
import { restore, type RestoreVolumes } from './restore.ts';
import { backupVolumes, VolumeMigration, type UsedBytes, type VolumesInput } from './volumes/migration.ts';
import type { KubeObject } from '../../../shared/kube-object.ts';

/** Where and how a restore writes: mappings, target cloud, conflict policy, dry-run, verification, and the volumes' mover with its repository's settings. */
export type TargetOptions = Omit<z.infer<typeof targetInput>, 'volumes'> & { volumes?: VolumesInput };

export interface JobRunnerOptions {
  store: KubeconfigStore;
  /** the machine's Fleetdeck key: signs a backup made without a passphrase and encrypts its Secrets */
  keys: KeyStore;
  /** journals and the working archives of migrations live here */
  dir: string;
  /** the bytes a context's claims use (its Prometheus), for the plan of their copy */
  usedBytes?: UsedBytes;
  /** copies (or plans) metrics history between two contexts' Prometheus servers, for migrate --with-metrics */
  copyHistory?: (input: z.infer<typeof historyCopyInput>, onProgress: (p: Progress) => void, signal?: AbortSignal) => Promise<HistoryReport>;
}

type MigrateInput = { fromContext: string; toContext: string; selection: Selection; target: TargetOptions; metrics?: z.infer<typeof carryMetricsInput>; signal?: AbortSignal };

/** The archive key derived from a machine key (the vault's), never the vault key itself. */
function archiveKeyOf(machineKey: Buffer): ArchiveKey {
  const key = Buffer.from(hkdfSync('sha256', machineKey, Buffer.alloc(0), 'fleetdeck archive secrets', 32));
  return { passphrase: key.toString('base64'), keySource: 'machine' };
}

/** Runs backup, restore and migration jobs: for the CLI directly, for the app as tasks of the jobs center. */
export class JobRunner {
  private readonly options: JobRunnerOptions;

  constructor(options: JobRunnerOptions) {
    this.options = options;
  }

  /** What a backup without a passphrase is made with: the key this host seals with now. */
  private async machineKey(): Promise<ArchiveKey> {
    return archiveKeyOf(await this.options.keys.key());
  }

  /**
   * What an archive made with a machine key is tried with: every key this host holds, the key
   * file's and the OS keychain's, since the desktop app sealed with its keychain key before the
   * key file was shared (and seals with the key file once it exists).
   */
  private async machinePassphrases(): Promise<string[]> {
    const keys = [await this.options.keys.existingKey('file'), await this.options.keys.existingKey('keychain')];
    return keys.filter((key) => key !== undefined).map((key) => archiveKeyOf(key).passphrase);
  }

  /** What the classes a migration's objects use become on the target, read from both clusters, for the migration dialog. */
  async classOptions(input: { fromContext: string; toContext: string; selection: Selection }): Promise<ClassOptions> {
    const source = await this.connect(input.fromContext, () => undefined);
    try {
      const target = await this.connect(input.toContext, () => undefined);
      try {
        return await classOptions(source, target, input.selection);
      } finally {
        target.client.close();
      }
    } finally {
      source.client.close();
    }
  }

  /** A job's connection to a context, and the context's cloud (from the kubeconfig, else the nodes). */
  private async connect(context: string, onProgress: (p: Progress) => void): Promise<{ client: ClusterClient; cloud: Cloud }> {
    const { config } = await this.options.store.load();
    const entry = listEntries(config).find((e) => e.context === context);
    if (!entry) throw new FleetdeckError('not-found', `context "${context}" not found in the kubeconfig`);
    // the problem names the context itself
    if (entry.problem) throw new FleetdeckError('context-invalid', entry.problem);
    const client = new ClusterClient(kubeConfigFor(config, context), context, { onWaiting: (detail) => onProgress({ phase: 'waiting', done: 0, detail }) });
    if (entry.cloud !== 'other') return { client, cloud: entry.cloud };
    const nodes = await client.request<{ items: { spec?: { providerID?: string }; metadata: { labels?: Record<string, string> } }[] }>('GET', '/api/v1/nodes?limit=1');
    const node = nodes.status === 200 ? nodes.body.items[0] : undefined;
    return { client, cloud: node ? detectCloudFromNode({ providerID: node.spec?.providerID, labels: node.metadata.labels }) : 'other' };
  }

  /** Every archive is signed: with the passphrase, else with this machine's key. The archive's name is taken before the cluster is asked anything. */
  async backup(input: Selection & { context: string; out: string; passphrase?: string; volumes?: VolumesInput; signal?: AbortSignal }, onProgress: (p: Progress) => void = () => undefined): Promise<{ report: JobReport; manifest: ArchiveManifestSummary }> {
    const key = input.passphrase ? { passphrase: input.passphrase, keySource: 'passphrase' as const } : await this.machineKey();
    const writer = await ArchiveWriter.create(input.out, { key });
    try {
      const { client, cloud } = await this.connect(input.context, onProgress);
      try {
        const { volumes, ...selection } = input;
        const moveVolumes = volumes ? (objects: KubeObject[]) => backupVolumes(client, objects, { dir: this.options.dir, id: runKey({ backup: input.out, context: input.context }), volumes, onProgress, ...(input.signal ? { signal: input.signal } : {}) }) : undefined;
        return await backup(client, writer, { ...selection, source: { context: input.context, cloud }, onProgress, ...(moveVolumes ? { volumes: moveVolumes } : {}) });
      } finally {
        client.close();
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  /** An unsigned archive is refused unless allowUnsigned; the report then says it was unsigned. */
  async restore(input: { context: string; from: string; passphrase?: string; allowUnsigned?: boolean; target: TargetOptions; signal?: AbortSignal }, onProgress: (p: Progress) => void = () => undefined): Promise<JobReport> {
    const reader = await ArchiveReader.open(input.from, { ...(input.passphrase ? { passphrase: input.passphrase } : { machinePassphrases: await this.machinePassphrases() }), allowUnsigned: input.allowUnsigned ?? false });
    const source = reader.manifest.source as { context?: string };
    const identity = { kind: 'restore', archive: reader.manifest.createdAt, source: source.context };
    const { dryRun: _, verifyTimeoutSeconds: __, volumes, ...plan } = input.target;
    // the same archive restored with another namespace map fills other claims
    const claims = await VolumeMigration.open(reader, { dir: this.options.dir, id: runKey({ identity, context: input.context, plan }), dryRun: input.target.dryRun, snapshots: reader.manifest.volumes ?? [], onProgress, ...(volumes ? { volumes } : {}), ...(input.signal ? { signal: input.signal } : {}) });
    let target: { client: ClusterClient; cloud: Cloud } | undefined;
    try {
      target = await this.connect(input.context, onProgress);
      const report = await this.restoreFrom(reader, target, input.target, identity, onProgress, input.signal, claims.hooks());
      return reader.signed ? report : { ...report, unsigned: true };
    } finally {
      claims.close();
      target?.client.close();
    }
  }

  /** A migration is a backup into a working archive, then its restore: one code path, and the archive is the snapshot a resumed run restores from. */
  async migrate(input: MigrateInput, onProgress: (p: Progress) => void = () => undefined): Promise<JobReport> {
    if (input.fromContext === input.toContext && !Object.keys(input.target.namespaceMap).length) throw new FleetdeckError('invalid-input', 'migrating a context onto itself needs --namespace-map');
    const { dryRun: _, verifyTimeoutSeconds: __, volumes, ...plan } = input.target;
    // the repository's settings are not part of what the run is: a corrected password resumes it
    const id = runKey({ kind: 'migrate', from: input.fromContext, to: input.toContext, selection: input.selection, plan, ...(volumes ? { volumes: { mover: volumes.mover, live: volumes.live } } : {}) });
    const workDir = path.join(this.options.dir, 'jobs', 'work');
    mkdirSync(workDir, { recursive: true, mode: 0o700 });
    const archive = path.join(workDir, `migrate-${id}.tar.gz`);
    // left behind by a run that was killed
    rmSync(archive, { force: true });
    await this.backup({ ...input.selection, context: input.fromContext, out: archive, ...(input.signal ? { signal: input.signal } : {}) }, onProgress);
    try {
      const reader = await ArchiveReader.open(archive, { passphrase: (await this.machineKey()).passphrase });
      // the history reaches up to the move: from then on the target's own samples carry the line
      const moment = Date.now();
      const history = input.metrics ? this.historyOf(input, input.metrics, reader, moment, onProgress) : undefined;
      // planned before anything moves: a target Prometheus that cannot take the history refuses the run
      const plan = await history?.(true);
      if (plan?.state === 'Failed' && !input.target.dryRun) return { state: 'Failed', counts: countResults([]), items: [], transforms: [], metrics: plan, ...(plan.error ? { error: plan.error } : {}) };
      const { client: source } = volumes ? await this.connect(input.fromContext, onProgress) : {};
      const target = await this.connect(input.toContext, onProgress);
      let claims: VolumeMigration | undefined;
      try {
        claims = await VolumeMigration.open(reader, { dir: this.options.dir, id, dryRun: input.target.dryRun, sourceContext: input.fromContext, onProgress, ...(volumes ? { volumes } : {}), ...(source ? { source } : {}), ...(volumes ? { target: { client: target.client, namespaceMap: input.target.namespaceMap } } : {}), ...(this.options.usedBytes ? { usedBytes: this.options.usedBytes } : {}), ...(input.signal ? { signal: input.signal } : {}) });
        // the source's side first: a repository that refuses the password stops the run before the target is touched
        await claims.copyOut();
        const report = await this.restoreFrom(reader, target, input.target, { kind: 'migrate', id }, onProgress, input.signal, claims.hooks());
        if (!plan || !history) return report;
        if (input.target.dryRun) return { ...report, metrics: plan, ...(plan.state === 'Failed' ? { state: 'Failed', error: report.error ?? plan.error ?? '' } : {}) };
        // objects that did not arrive get no history
        if (report.state === 'Failed') return report;
        const { dryRun: _, estimatedSamples: __, ...planned } = plan;
        const metrics = await history(false).catch((error: unknown): HistoryReport => {
          if (input.signal?.aborted) throw error;
          return { ...planned, state: 'Failed', error: `the metrics history was not copied: ${messageOf(error)}` };
        });
        return { ...report, metrics, state: withMetrics(report.state, metrics) };
      } finally {
        claims?.close();
        source?.close();
        target.client.close();
      }
    } finally {
      rmSync(archive, { force: true });
    }
  }

  /** The copy (or plan) of the migrated namespaces' history from the source's Prometheus into the target's, up to `until`. */
  private historyOf(input: MigrateInput, metrics: z.infer<typeof carryMetricsInput>, reader: ArchiveReader, until: number, onProgress: (p: Progress) => void): (dryRun: boolean) => Promise<HistoryReport> {
    const copy = this.options.copyHistory;
    if (!copy) throw new FleetdeckError('internal', 'this runner cannot copy metrics history');
    const namespaces = [...new Set(reader.manifest.entries.flatMap((e) => (e.namespace ? [e.namespace] : e.resource === 'namespaces' ? [e.name] : [])))].sort();
    if (!namespaces.length) throw new FleetdeckError('invalid-input', '--with-metrics carries the history of the migrated namespaces, and this migration moves no namespaced object');
    const { fromContext, toContext } = input;
    const carried = namespaces.map((n) => input.target.namespaceMap[n] ?? n);
    return async (dryRun) => ({
      ...(await copy({ fromContext, toContext, selectors: [namespacesSelector(namespaces)], sinceSeconds: metrics.sinceSeconds, until, namespaceMap: input.target.namespaceMap, dryRun }, (p) => onProgress({ ...p, phase: `metrics history: ${p.phase}` }), input.signal)),
      namespaces: carried,
    });
  }

  /** Restores into the connected target (the caller closes it). */
  private async restoreFrom(reader: ArchiveReader, { client, cloud }: { client: ClusterClient; cloud: Cloud }, target: TargetOptions, identity: unknown, onProgress: (p: Progress) => void, signal?: AbortSignal, volumes?: RestoreVolumes): Promise<JobReport> {
    const { context } = client;
    const sourceCloud = (reader.manifest.source as { cloud?: Cloud }).cloud ?? 'other';
    const mappings: Mappings = resolveMappings(sourceCloud, target.targetCloud ?? cloud, {
      namespaces: target.namespaceMap,
      storageClasses: target.storageClassMap,
      ingressClasses: target.ingressClassMap,
      registries: target.registryMap,
    });
    const journal = target.dryRun ? undefined : new Journal(path.join(this.options.dir, 'jobs', 'journals'), runKey({ identity, context, mappings, conflict: target.conflict }));
    try {
      const report = await restore(reader, client, { mappings, conflict: target.conflict, dryRun: target.dryRun, verifyTimeoutMs: target.verifyTimeoutSeconds * 1000, ...(journal ? { journal } : {}), ...(signal ? { signal } : {}), ...(volumes ? { volumes } : {}), onProgress });
      // a run that got through every object is done; one that failed as a whole resumes next time
      if (report.error) journal?.close();
      else journal?.discard();
      return report;
    } catch (error) {
      journal?.close();
      throw error;
    }
  }
}
