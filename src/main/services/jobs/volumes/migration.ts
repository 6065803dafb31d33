// A migration's claims: read from its working archive, planned, copied out of the source before
// the target is touched, and filled on the target by the restore (RestoreVolumes hooks).
import path from 'node:path';
import type { z } from 'zod';
import type { volumesInput } from '../../../../shared/contract/jobs.ts';
import { FleetdeckError } from '../../../../shared/errors.ts';
import type { KubeObject } from '../../../../shared/kube-object.ts';
import { REPLICAS_ANNOTATION } from '../../../../shared/migration/movers.ts';
import type { JobReport, VolumeResult } from '../../../../shared/migration/report.ts';
import type { Mappings } from '../../../../shared/migration/transforms.ts';
import type { ClusterClient } from '../../../kube/cluster-client.ts';
import type { ArchiveManifest, ArchiveReader } from '../archive.ts';
import { Journal, runKey } from '../journal.ts';
import type { Progress } from '../progress.ts';
import type { RestoreVolumes } from '../restore.ts';
import { claimsOf, HELD_ANNOTATION, isHeld, planVolumes, scalable, type ClaimInfo } from './claims.ts';
import { VolumeEngine, type Backed, type VolumeEngineOptions } from './engine.ts';
import { checkRepositoryEnv, type RepositoryEnv } from './repository.ts';
import { ThroughputStore } from './throughput.ts';

/** the volumes of a run, its repository read from an env file or taken from the vault */
export type VolumesInput = Omit<z.infer<typeof volumesInput>, 'repository'> & { repository: RepositoryEnv };
/** kubelet_volume_stats_used_bytes of a context's claims, by "namespace/claim"; undefined when it has no Prometheus */
export type UsedBytes = (context: string) => Promise<Map<string, number> | undefined>;

export interface VolumeMigrationOptions {
  /** Fleetdeck's data dir: the volume journal and the measured throughput */
  dir: string;
  /** the run's stable id (the same command resumes the same run) */
  id: string;
  volumes?: VolumesInput;
  dryRun: boolean;
  /** the source cluster, connected when volumes move (a restore from an archive has none) */
  source?: ClusterClient;
  /** a migration's target and its namespace map: a claim an earlier run filled and verified there is not copied again while it is still there */
  target?: { client: ClusterClient; namespaceMap: Record<string, string> };
  /** the source's context, whose Prometheus tells the bytes its claims use */
  sourceContext?: string;
  /** a restore from an archive: the snapshots its backup recorded, instead of a copy out of the source */
  snapshots?: NonNullable<ArchiveManifest['volumes']>;
  usedBytes?: UsedBytes;
  onProgress: (progress: Progress) => void;
  signal?: AbortSignal;
  /** tests */
  engine?: Partial<Pick<VolumeEngineOptions, 'logs' | 'pollMs' | 'scaleTimeoutMs'>>;
}

const EMPTY = 'recreated empty: its data was not moved (--volumes restic moves it)';
const workloadKinds: readonly string[] = scalable;

export class VolumeMigration {
  private readonly options: VolumeMigrationOptions;
  readonly claims: ClaimInfo[];
  private readonly engine?: VolumeEngine;
  private readonly journal?: Journal;
  private readonly throughput: ThroughputStore;
  private usedBytes?: Map<string, number>;
  private backed: Backed[] = [];
  private failed: VolumeResult[] = [];
  /** every claim restored and verified: the next identical command starts afresh */
  private intact = false;

  private constructor(options: VolumeMigrationOptions, claims: ClaimInfo[]) {
    this.options = options;
    this.claims = claims;
    this.throughput = new ThroughputStore(options.dir);
    for (const s of options.snapshots ?? []) {
      const claim = claims.find((c) => c.namespace === s.namespace && c.name === s.claim);
      if (claim) this.backed.push({ claim, snapshot: s.snapshot, ...(s.listing ? { listing: s.listing } : {}), seconds: 0 });
    }
    if (!options.volumes || !claims.length) return;
    checkRepositoryEnv(options.volumes.repository, 'the repository settings');
    this.journal = options.dryRun ? undefined : new Journal(path.join(options.dir, 'jobs', 'journals'), runKey({ volumes: options.id }));
    this.engine = new VolumeEngine({
      env: options.volumes.repository,
      live: options.volumes.live,
      parallel: options.volumes.parallel,
      run: options.id.slice(0, 10),
      throughput: this.throughput,
      onProgress: options.onProgress,
      ...(this.journal ? { journal: this.journal } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...options.engine,
    });
  }

  /** The claims in the archive and the workloads that mount them. */
  static async open(reader: ArchiveReader, options: VolumeMigrationOptions): Promise<VolumeMigration> {
    const objects: KubeObject[] = [];
    const kinds = new Set(['PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);
    // an archive without claims is not read a second time
    if (reader.manifest.entries.some((ref) => ref.kind === 'PersistentVolumeClaim')) for await (const entry of reader.entries((ref) => kinds.has(ref.kind))) objects.push(entry.object as KubeObject);
    const migration = new VolumeMigration(options, claimsOf(objects));
    const context = options.sourceContext;
    if (context && options.usedBytes && migration.claims.length) migration.usedBytes = await options.usedBytes(context).catch(() => undefined);
    return migration;
  }

  /**
   * The source side, before the target is touched: the repository checked (a wrong password ends
   * the run here), the writers stopped, each claim backed up, the writers put back.
   */
  async copyOut(): Promise<void> {
    const { engine, options } = this;
    if (!engine || options.dryRun) return;
    if (options.snapshots) return;
    if (!options.source) throw new FleetdeckError('invalid-input', 'moving volume data needs the source cluster');
    const source = options.source;
    try {
      await engine.checkRepository(source, this.claims[0].namespace);
      // the writers of claims an earlier run restored and verified keep running: the target has their data
      const target = options.target;
      const earlier = target ? (await Promise.all(this.claims.map((c) => engine.verifiedEarlier(c, target.client, target.namespaceMap[c.namespace] ?? c.namespace)))).flatMap((b) => (b ? [b] : [])) : [];
      const pending = this.claims.filter((c) => !earlier.some((b) => b.claim === c));
      const { backed, failed } = await engine.withWritersStopped(source, pending, () => engine.backup(source, pending));
      this.backed = [...earlier, ...backed];
      this.failed = failed;
    } catch (error) {
      const leftovers = await engine.finish(false);
      throw leftovers.length && error instanceof Error ? new FleetdeckError(error instanceof FleetdeckError ? error.code : 'internal', `${error.message} (left for a look: ${leftovers.join(', ')})`) : error;
    }
  }

  /** Keeps the journal for a re-run to resume from, or drops it when every claim arrived intact. */
  close(): void {
    if (this.intact) this.journal?.discard();
    else this.journal?.close();
  }

  private inScope(namespace: string | undefined, name: string) {
    return this.claims.find((c) => c.namespace === namespace && c.name === name);
  }

  /** The restore's hooks: volumes filled by movers start on fresh claims, their writers wait at 0 replicas. */
  hooks(): RestoreVolumes {
    return { hold: (object, sourceNamespace) => this.hold(object, sourceNamespace), before: (client, mappings) => this.before(client, mappings), fill: (client, mappings) => this.fill(client, mappings) };
  }

  /**
   * A restore from an archive has no source to check the repository on: it is checked on the
   * target, before its objects are written, in the first claim's namespace when it exists there
   * (the user may have no rights in default), else in default.
   */
  private async before(target: ClusterClient, mappings: Mappings): Promise<void> {
    if (!this.engine || !this.options.snapshots || this.options.dryRun) return;
    const first = this.claims[0].namespace;
    const namespace = mappings.namespaces[first] ?? first;
    const exists = (await target.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`)).status === 200;
    try {
      await this.engine.checkRepository(target, exists ? namespace : 'default');
    } catch (error) {
      await this.engine.finish(false);
      throw error;
    }
  }

  private hold(object: KubeObject, sourceNamespace: string | undefined): KubeObject | string {
    if (!this.engine) return object;
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    if (object.kind === 'PersistentVolume') {
      const claim = this.claims.find((c) => c.volumeName === object.metadata.name);
      return claim ? `the volume of ${claim.namespace}/${claim.name}: its claim is provisioned anew on the target and filled by the mover` : object;
    }
    if (object.kind === 'PersistentVolumeClaim' && this.inScope(sourceNamespace, object.metadata.name)) {
      const { volumeName: _, ...rest } = spec;
      return { ...object, spec: rest };
    }
    const writes = this.claims.some((c) => c.namespace === sourceNamespace && c.workloads.some((w) => w.kind === object.kind && w.name === object.metadata.name));
    if (writes && isHeld(object.kind)) return held(object);
    if (!workloadKinds.includes(object.kind)) return object;
    // an interrupted run may have left the source at 0 when the archive was taken: the count it recorded wins
    const replicas = this.engine.recordedReplicas(sourceNamespace ?? '', object.kind, object.metadata.name) ?? (spec.replicas as number | undefined) ?? 1;
    if (!writes || replicas === 0) return object;
    return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [REPLICAS_ANNOTATION]: String(replicas) } }, spec: { ...spec, replicas: 0 } };
  }

  private async fill(target: ClusterClient, mappings: Mappings): Promise<Pick<JobReport, 'volumes' | 'volumePlan' | 'movers' | 'leftovers'>> {
    const targetNamespace = (namespace: string) => mappings.namespaces[namespace] ?? namespace;
    const volumePlan = planVolumes(this.claims, {
      targetNamespace,
      targetStorageClass: (cls) => (cls ? (mappings.storageClasses[cls] ?? cls) : undefined),
      usedBytes: this.usedBytes,
      throughput: this.throughput.read(),
      mover: this.engine ? 'restic' : 'none',
      live: this.options.volumes?.live ?? false,
    });
    if (!this.claims.length) return {};
    if (this.options.dryRun) return { volumePlan, ...(this.engine ? { movers: await this.engine.validate(this.options.snapshots ? undefined : this.options.source, target, this.claims, targetNamespace) } : {}) };
    const engine = this.engine;
    if (!engine) {
      const saved = (c: ClaimInfo) => this.backed.some((b) => b.claim === c);
      return { volumePlan, volumes: this.claims.map((c) => ({ namespace: c.namespace, claim: c.name, targetNamespace: targetNamespace(c.namespace), bytes: 0, files: 0, seconds: 0, state: 'empty', verified: false, mismatches: 0, reason: saved(c) ? `${EMPTY}; the archive holds its snapshot` : EMPTY })) };
    }
    // a restore from an archive: claims its backup took no snapshot of
    const unsaved = this.options.snapshots ? this.claims.filter((c) => !this.backed.some((b) => b.claim === c)) : [];
    this.failed.push(...unsaved.map((c): VolumeResult => ({ namespace: c.namespace, claim: c.name, targetNamespace: targetNamespace(c.namespace), bytes: 0, files: 0, seconds: 0, state: 'failed', verified: false, mismatches: 0, reason: 'the archive holds no snapshot of it (backed up without --volumes restic)' })));
    let volumes: VolumeResult[] = [...this.failed];
    try {
      volumes = [...(await engine.restore(target, this.backed, targetNamespace)), ...this.failed];
      await engine.startWorkloads(target, this.claims, volumes, targetNamespace);
    } catch (error) {
      const leftovers = await engine.finish(false);
      throw leftovers.length && error instanceof Error ? new FleetdeckError(error instanceof FleetdeckError ? error.code : 'internal', `${error.message} (left for a look: ${leftovers.join(', ')})`) : error;
    }
    const intact = volumes.every((v) => v.state === 'restored' && v.verified);
    // the Job of a restore that does not match its source stays, with the listings' differences in its log
    const leftovers = await engine.finish(intact || (this.options.volumes?.live === true && volumes.every((v) => v.state === 'restored')));
    for (const v of volumes) if (v.state !== 'restored' || (!v.verified && !this.options.volumes?.live)) v.reason = `${v.reason ? `${v.reason}; ` : ''}the workloads that mount it stay at 0 replicas on the target`;
    this.intact = intact;
    return { volumePlan, volumes: volumes.sort((a, b) => `${a.namespace}/${a.claim}`.localeCompare(`${b.namespace}/${b.claim}`)), ...(leftovers.length ? { leftovers } : {}) };
  }
}

/** A writer that cannot wait at 0 replicas, held until its volumes are filled (engine.startWorkloads lets it go); one suspended already is left as it is. */
function held(object: KubeObject): KubeObject {
  const spec = (object.spec ?? {}) as { suspend?: boolean; template?: { spec?: { nodeSelector?: Record<string, string> } } };
  const annotate = (how: string) => ({ ...object.metadata, annotations: { ...object.metadata.annotations, [HELD_ANNOTATION]: how } });
  if (object.kind !== 'DaemonSet') return spec.suspend ? object : { ...object, metadata: annotate('suspend'), spec: { ...spec, suspend: true } };
  const template = spec.template ?? {};
  return { ...object, metadata: annotate('nodeSelector'), spec: { ...spec, template: { ...template, spec: { ...template.spec, nodeSelector: { ...template.spec?.nodeSelector, [HELD_ANNOTATION]: 'until-its-volumes-are-filled' } } } } };
}

/**
 * backup --volumes restic: the repository checked, the writers stopped, each claim backed up, the
 * writers put back; the archive records each claim's snapshot.
 */
export async function backupVolumes(source: ClusterClient, objects: KubeObject[], options: Pick<VolumeMigrationOptions, 'dir' | 'id' | 'onProgress' | 'signal' | 'engine'> & { volumes: VolumesInput }): Promise<Pick<JobReport, 'volumes' | 'leftovers'> & { snapshots: NonNullable<ArchiveManifest['volumes']> }> {
  const claims = claimsOf(objects);
  if (!claims.length) return { snapshots: [] };
  checkRepositoryEnv(options.volumes.repository, 'the repository settings');
  // the writers' replicas are journaled, so that a backup killed while they were at 0 puts them back
  const journal = new Journal(path.join(options.dir, 'jobs', 'journals'), runKey({ volumes: options.id }));
  const engine = new VolumeEngine({ env: options.volumes.repository, live: options.volumes.live, parallel: options.volumes.parallel, run: options.id.slice(0, 10), throughput: new ThroughputStore(options.dir), onProgress: options.onProgress, journal, ...(options.signal ? { signal: options.signal } : {}), ...options.engine });
  let outcome: { backed: Backed[]; failed: VolumeResult[] };
  try {
    await engine.checkRepository(source, claims[0].namespace);
    outcome = await engine.withWritersStopped(source, claims, () => engine.backup(source, claims));
  } catch (error) {
    journal.close();
    const leftovers = await engine.finish(false);
    throw leftovers.length && error instanceof Error ? new FleetdeckError(error instanceof FleetdeckError ? error.code : 'internal', `${error.message} (left for a look: ${leftovers.join(', ')})`) : error;
  }
  if (outcome.failed.length) journal.close();
  else journal.discard();
  const leftovers = await engine.finish(!outcome.failed.length);
  const live = options.volumes.live ? { crashConsistent: true as const } : {};
  const volumes: VolumeResult[] = [
    ...outcome.backed.map((b): VolumeResult => ({ namespace: b.claim.namespace, claim: b.claim.name, targetNamespace: b.claim.namespace, bytes: b.bytes ?? 0, files: b.files ?? 0, seconds: Math.round(b.seconds), state: 'backed-up', verified: false, mismatches: 0, snapshot: b.snapshot, reason: 'verified when restored (the listing of the volume travels in a snapshot of its own)', ...live })),
    ...outcome.failed,
  ].sort((a, b) => `${a.namespace}/${a.claim}`.localeCompare(`${b.namespace}/${b.claim}`));
  return { snapshots: outcome.backed.map((b) => ({ namespace: b.claim.namespace, claim: b.claim.name, snapshot: b.snapshot, ...(b.listing ? { listing: b.listing } : {}) })), volumes, ...(leftovers.length ? { leftovers } : {}) };
}
