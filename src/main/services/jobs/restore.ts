import { FleetdeckError } from '../../../shared/errors.ts';
import { diffObjects } from '../../../shared/migration/diff.ts';
import { countResults, runState, withVolumes, type JobReport, type ReportItem } from '../../../shared/migration/report.ts';
import { restoreRank } from '../../../shared/migration/rules.ts';
import type { KubeObject } from '../../../shared/kube-object.ts';
import { transformObject, type Mappings, type TransformRecord } from '../../../shared/migration/transforms.ts';
import type { ArchiveReader, ArchiveRef } from './archive.ts';
import { statusMessage } from '../../kube/http.ts';
import { FIELD_MANAGER, serverSideApply } from '../../kube/apply.ts';
import type { ClusterClient } from '../../kube/cluster-client.ts';
import { collectionPath, discoverResources, objectPath, resolveType, type ResourceType } from '../../kube/discovery.ts';
import { sleep } from '../../base/clock.ts';
import type { Journal } from './journal.ts';
import { preflight } from './preflight.ts';
import { inParallel } from '../../base/parallel.ts';
import type { Progress } from './progress.ts';
import { verify } from './verify.ts';

export type ConflictPolicy = 'skip' | 'update' | 'fail';

export interface RestoreOptions {
  mappings: Mappings;
  conflict: ConflictPolicy;
  dryRun: boolean;
  /** how long to wait for workloads, claims and endpoints after the restore; 0: do not verify */
  verifyTimeoutMs: number;
  journal?: Journal;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /** the claims' data (volumes/) */
  volumes?: RestoreVolumes;
}

/** How a restore makes room for the claims' data and has it filled. */
export interface RestoreVolumes {
  /** the object to write: a workload mounting a filled claim waits at 0 replicas; a string is why it is skipped */
  hold(object: KubeObject, sourceNamespace: string | undefined): KubeObject | string;
  /** once pre-flight passed, before the first write */
  before(client: ClusterClient, mappings: Mappings): Promise<void>;
  /** after every object is written (or checked, in a dry run) and before verification */
  fill(client: ClusterClient, mappings: Mappings): Promise<Pick<JobReport, 'volumes' | 'volumePlan' | 'movers' | 'leftovers'>>;
}

const PARALLEL = 16;

/** Custom resources are those whose CRD is in the archive or on the target. */
function rankOf(ref: Pick<ArchiveRef, 'kind' | 'resource' | 'group'>, customTypes: Set<string>): number {
  return restoreRank(ref.kind, customTypes.has(`${ref.resource}.${ref.group}`));
}

const keyOf = (type: ResourceType, namespace: string | undefined, name: string) => `${type.group}/${type.resource}/${namespace ?? ''}/${name}`;

/** Storage classes are reference data: the target's own, or the mapping's, are used instead. */
function restoreSkip(object: KubeObject, mappings: Mappings, targetStorageClasses: Set<string>): string | undefined {
  if (object.kind !== 'StorageClass') return undefined;
  const mapped = mappings.storageClasses[object.metadata.name];
  if (mapped) return `mapped to storage class ${mapped}`;
  if (targetStorageClasses.has(object.metadata.name)) return 'the target has its own storage class of that name';
  return undefined;
}

/**
 * Restores an archive onto a cluster: pre-flight, then each kind in dependency order (objects of a
 * kind in parallel), with the conflict policy, server-side dry-run, a journal to resume from, and
 * a verification of what came up.
 */
export async function restore(reader: ArchiveReader, client: ClusterClient, options: RestoreOptions): Promise<JobReport> {
  const progress = options.onProgress ?? (() => undefined);
  const { conflict, dryRun, journal } = options;
  progress({ phase: 'discovery', done: 0 });
  let types = await discoverResources(client);

  const refs = reader.manifest.entries;
  const archivedCrds = new Set(refs.filter((r) => r.kind === 'CustomResourceDefinition').map((r) => r.name));
  const customTypes = () => new Set([...archivedCrds, ...types.filter((t) => t.custom).map((t) => `${t.resource}.${t.group}`)]);

  progress({ phase: 'pre-flight', done: 0 });
  // the classes the user left out are chosen here, from what the target has
  const { findings, existingStorageClasses, namespaced, mappings, classes } = await preflight(reader, client, types, options.mappings, archivedCrds);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length) {
    return { state: 'Failed', ...(dryRun ? { dryRun } : {}), counts: countResults([]), items: [], transforms: [], preflight: findings, classes, error: `pre-flight refused the restore: ${errors.map((e) => e.message).join('; ')}` };
  }

  if (options.volumes && !dryRun) {
    try {
      await options.volumes.before(client, mappings);
    } catch (error) {
      return { state: 'Failed', counts: countResults([]), items: [], transforms: [], preflight: findings, classes, error: (error as Error).message };
    }
  }

  const items: ReportItem[] = [];
  const transforms: TransformRecord[] = [];
  const initialCustom = customTypes();
  const ranks = [...new Set(refs.map((r) => rankOf(r, initialCustom)))].sort((a, b) => a - b);
  let done = 0;
  const total = refs.length;

  const applyOne = async (object: KubeObject): Promise<ReportItem> => {
    const base = { kind: object.kind, apiVersion: object.apiVersion, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}), name: object.metadata.name };
    const skip = restoreSkip(object, mappings, existingStorageClasses);
    if (skip) return { ...base, result: 'skipped', reason: skip };
    const type = await resolveType(client, types, object.apiVersion, object.kind);
    if (!type) {
      // pre-flight let it through: its CRD is part of this restore, which a dry-run does not create
      return dryRun ? { ...base, result: 'created', reason: 'not validated: its CRD is created by this restore' } : { ...base, result: 'failed', reason: `${client.context} does not serve ${object.apiVersion} ${object.kind}` };
    }
    // pre-flight checked this against what the target served then; a write goes where the kind lives now
    if (type.namespaced !== Boolean(object.metadata.namespace)) {
      return { ...base, result: 'failed', reason: `${client.context} keeps ${object.apiVersion} ${object.kind} ${type.namespaced ? 'in namespaces' : 'cluster-wide'}, but the archive lists it ${object.metadata.namespace ? 'in a namespace' : 'without one'}` };
    }
    const key = keyOf(type, object.metadata.namespace, object.metadata.name);
    const prior = journal?.get(key);
    if (prior && prior.result !== 'pending' && prior.result !== 'failed') return { ...base, result: prior.result, ...(prior.reason ? { reason: prior.reason } : {}) };
    journal?.record(key, { result: 'pending' });
    const item = await write(client, type, object, { conflict, dryRun, createdBefore: prior?.result === 'pending' });
    journal?.record(key, { result: item.result, ...(item.reason ? { reason: item.reason } : {}) });
    return { ...base, ...item };
  };

  try {
    for (const rank of ranks) {
      const establishing: string[] = [];
      const custom = customTypes();
      await inParallel(reader.entries((ref) => rankOf(ref, custom) === rank), PARALLEL, async (entry) => {
        if (options.signal?.aborted) throw new FleetdeckError('cancelled', 'cancelled');
        const { object: transformed, transforms: applied } = transformObject(entry.object as KubeObject, mappings, { namespaced: namespaced(entry.ref) });
        transforms.push(...applied);
        const object = options.volumes ? options.volumes.hold(transformed, entry.ref.namespace) : transformed;
        const item: ReportItem =
          typeof object === 'string'
            ? { kind: transformed.kind, apiVersion: transformed.apiVersion, ...(transformed.metadata.namespace ? { namespace: transformed.metadata.namespace } : {}), name: transformed.metadata.name, result: 'skipped', reason: object }
            : await applyOne(object);
        if (typeof object === 'string') {
          items.push(item);
          progress({ phase: dryRun ? 'dry-run' : 'restoring', done: ++done, total, detail: `${transformed.kind} ${displayName(transformed)}` });
          return;
        }
        items.push(item);
        if (object.kind === 'CustomResourceDefinition' && !dryRun && item.result !== 'failed' && item.result !== 'skipped') establishing.push(object.metadata.name);
        progress({ phase: dryRun ? 'dry-run' : 'restoring', done: ++done, total, detail: `${object.kind} ${displayName(object)}` });
      });
      if (establishing.length) {
        await waitForCrds(client, establishing);
        types = await discoverResources(client);
      }
    }
  } catch (error) {
    const counts = countResults(items);
    return { state: 'Failed', ...(dryRun ? { dryRun } : {}), counts, items, transforms, preflight: findings, classes, error: (error as Error).message };
  }

  const counts = countResults(items);
  let volumes: Awaited<ReturnType<RestoreVolumes['fill']>> = {};
  try {
    if (options.volumes) volumes = await options.volumes.fill(client, mappings);
  } catch (error) {
    return { state: 'Failed', ...(dryRun ? { dryRun } : {}), counts, items, transforms, preflight: findings, classes, error: (error as Error).message };
  }
  const verification = !dryRun && options.verifyTimeoutMs > 0 ? await verify(client, items, options.verifyTimeoutMs, progress) : undefined;
  return { state: withVolumes(runState(counts), volumes.volumes), ...(dryRun ? { dryRun } : {}), counts, items, transforms, preflight: findings, classes, ...(verification ? { verification } : {}), ...volumes };
}

const displayName = (o: KubeObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);

/** One object onto the target: create, or per the conflict policy skip, fail or server-side apply. */
async function write(client: ClusterClient, type: ResourceType, object: KubeObject, { conflict, dryRun, createdBefore }: { conflict: ConflictPolicy; dryRun: boolean; createdBefore: boolean }): Promise<Pick<ReportItem, 'result' | 'reason' | 'diff'>> {
  const ns = type.namespaced ? object.metadata.namespace : undefined;
  const params = new URLSearchParams({ fieldManager: FIELD_MANAGER, ...(dryRun ? { dryRun: 'All' } : {}) });
  const created = await client.request<KubeObject>('POST', `${collectionPath(type, ns)}?${params}`, { body: object });
  if (created.status === 201 || created.status === 200) return { result: 'created' };
  if (created.status === 404 && dryRun && ns) {
    // the namespace itself is only created by the real run: validate the object in a stand-in namespace
    const standIn = await client.request('POST', `${collectionPath(type, 'default')}?${params}`, { body: { ...object, metadata: { ...object.metadata, namespace: 'default' } } });
    if (standIn.status < 300 || standIn.status === 409) return { result: 'created', reason: `validated in namespace default (${ns} is created by this restore)` };
    return { result: 'failed', reason: message(standIn.text, standIn.status) };
  }
  // a create can fail on an existing object before the name clash is seen (a Service's nodePort is "already allocated")
  const existing = await client.request<KubeObject>('GET', objectPath(type, ns, object.metadata.name));
  if (existing.status === 404) return { result: 'failed', reason: message(created.text, created.status) };

  // it exists on the target; if this run's create may have landed before the answer was lost (an
  // earlier, interrupted run, or a connection dropped and the create resent) and the copy there was
  // written by Fleetdeck, it is ours: make sure it holds what the archive holds
  if ((createdBefore || created.resent) && writtenByFleetdeck(existing.body)) {
    const applied = await apply(client, type, object, ns, dryRun);
    const reason = createdBefore ? 'created by the interrupted run' : 'created; the answer to its first request was lost';
    return applied.status < 300 ? { result: 'created', reason } : { result: 'failed', reason: message(applied.text, applied.status) };
  }
  if (conflict !== 'update') {
    const clash = { result: conflict === 'skip' ? ('skipped' as const) : ('failed' as const), reason: `already exists on the target (conflict policy ${conflict})` };
    if (!dryRun) return clash;
    // the plan also shows how the target's copy differs from the archive's
    const preview = await apply(client, type, object, ns, true);
    const diff = preview.status < 300 ? diffObjects(existing.body, preview.body) : [];
    return diff.length ? { ...clash, diff: diff.join('\n') } : clash;
  }
  const applied = await apply(client, type, object, ns, dryRun);
  if (applied.status >= 300) return { result: 'failed', reason: message(applied.text, applied.status) };
  // by content, not resourceVersion: the first apply over a created object changes only managedFields
  const diff = diffObjects(existing.body, applied.body);
  return diff.length ? { result: 'updated', reason: 'server-side apply (conflict policy update)', diff: diff.join('\n') } : { result: 'unchanged' };
}

const writtenByFleetdeck = (object: KubeObject) => object.metadata.managedFields?.some((m) => m.manager === FIELD_MANAGER) ?? false;

const apply = (client: ClusterClient, type: ResourceType, object: KubeObject, ns: string | undefined, dryRun: boolean) => serverSideApply(client, objectPath(type, ns, object.metadata.name), object, { dryRun });

const message = (text: string, status: number) => statusMessage(text) || `HTTP ${status}`;

/** A CRD's kinds can be written once it is Established. */
async function waitForCrds(client: ClusterClient, names: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (const name of names) {
    for (;;) {
      const crd = await client.ok<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new FleetdeckError('timeout', `CRD ${name} did not become Established within 60 s`);
      await sleep(250);
    }
  }
}
