import type { z } from 'zod';
import type { Cloud } from '../../../shared/cloud.ts';
import type { selectionInput } from '../../../shared/contract/jobs.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { countResults, runState, withVolumes, type JobReport, type ReportItem } from '../../../shared/migration/report.ts';
import { objectKey, workloadClosure } from '../../../shared/migration/closure.ts';
import { sanitize, skipReason, skippedKinds } from '../../../shared/migration/rules.ts';
import type { KubeObject } from '../../../shared/kube-object.ts';
import { displayUrl } from '../../kube/redact.ts';
import type { ArchiveManifest, ArchiveManifestSummary, ArchiveWriter } from './archive.ts';
import type { ClusterClient } from '../../kube/cluster-client.ts';
import { discoverResources, listAll, objectPath, type ResourceType } from '../../kube/discovery.ts';
import { classifyStatus } from '../../kube/http.ts';
import { inParallel } from '../../base/parallel.ts';
import type { Progress } from './progress.ts';

/** Which namespaces (none: every namespace but kube-system, kube-public, kube-node-lease), labels and kinds. */
export type Selection = z.infer<typeof selectionInput>;

export interface BackupOptions extends Selection {
  source: { context: string; cloud: Cloud };
  /** backs up the claims' data (volumes/) once the objects are listed: given the claims and workloads, it returns their snapshots */
  volumes?: (objects: KubeObject[]) => Promise<Pick<JobReport, 'volumes' | 'leftovers'> & { snapshots: NonNullable<ArchiveManifest['volumes']> }>;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

const systemNamespaces = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

/** Whether a kind filter entry ("Deployment", "deployments", "deployments.apps") names this type. */
const names = (type: ResourceType, entry: string) => {
  const e = entry.toLowerCase();
  return e === type.kind.toLowerCase() || e === type.resource || e === `${type.resource}.${type.group}`;
};

export function wanted(type: ResourceType, selection: Selection): boolean {
  if (selection.includeKinds?.length && !selection.includeKinds.some((k) => names(type, k))) return false;
  return !selection.excludeKinds?.some((k) => names(type, k));
}

/** What the selected objects need from outside their namespaces, collected while they stream by. */
class References {
  readonly persistentVolumes = new Set<string>();
  readonly storageClasses = new Set<string>();
  readonly clusterRoles = new Set<string>();
  readonly crds = new Set<string>();

  note(type: ResourceType, object: KubeObject) {
    const spec = object.spec as Record<string, unknown> | undefined;
    if (type.custom) this.crds.add(`${type.resource}.${type.group}`);
    if (object.kind === 'PersistentVolumeClaim') {
      if (spec?.volumeName) this.persistentVolumes.add(spec.volumeName as string);
      if (spec?.storageClassName) this.storageClasses.add(spec.storageClassName as string);
    }
    if (object.kind === 'StatefulSet') {
      for (const t of (spec?.volumeClaimTemplates ?? []) as { spec?: { storageClassName?: string } }[]) if (t.spec?.storageClassName) this.storageClasses.add(t.spec.storageClassName);
    }
    const roleRef = object.roleRef as { kind?: string; name?: string } | undefined;
    if (object.kind === 'RoleBinding' && roleRef?.kind === 'ClusterRole' && roleRef.name) this.clusterRoles.add(roleRef.name);
  }
}


/** Per namespace, the keys of the selected workloads and of what they use. */
export async function workloadClosures(client: ClusterClient, types: ResourceType[], namespaces: string[], workloads: NonNullable<Selection['workloads']>): Promise<Map<string, Set<string>>> {
  const typeOf = (kind: string) => types.find((t) => t.kind === kind && t.namespaced && ['', 'apps', 'batch', 'networking.k8s.io', 'autoscaling', 'policy', 'rbac.authorization.k8s.io'].includes(t.group));
  const closures = new Map<string, Set<string>>();
  for (const ns of namespaces) {
    const related: KubeObject[] = [];
    for (const kind of ['Service', 'Ingress', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'RoleBinding']) {
      const type = typeOf(kind);
      if (type) for await (const o of listAll(client, type, ns)) related.push(o);
    }
    const keep = new Set<string>();
    for (const { kind, name } of workloads) {
      const type = typeOf(kind);
      const res = type ? await client.request<KubeObject>('GET', objectPath(type, ns, name)) : undefined;
      if (res?.status === 404) continue;
      if (!res) throw new FleetdeckError('not-found', `${client.context} does not serve ${kind}`);
      if (res.status !== 200) throw classifyStatus(res.status, res.text, `read ${kind} ${ns}/${name} on ${client.context}`);
      for (const key of workloadClosure({ ...res.body, kind }, related)) keep.add(key);
    }
    closures.set(ns, keep);
  }
  const found = workloads.filter((w) => [...closures.values()].some((keep) => keep.has(objectKey(w.kind, w.name))));
  if (found.length < workloads.length) {
    const missing = workloads.filter((w) => !found.includes(w)).map((w) => `${w.kind}/${w.name}`);
    throw new FleetdeckError('not-found', `${missing.join(', ')} not found in ${namespaces.join(', ')} on ${client.context}`);
  }
  return closures;
}

/**
 * Backs up the selected namespaces of a cluster into an archive: every namespaced type the
 * cluster serves (custom resources included), then the cluster-scoped objects they need. The
 * caller created the writer, and aborts it when this fails.
 */
export async function backup(client: ClusterClient, writer: ArchiveWriter, options: BackupOptions): Promise<{ report: JobReport; manifest: ArchiveManifestSummary }> {
  const progress = options.onProgress ?? (() => undefined);
  progress({ phase: 'discovery', done: 0 });
  const types = await discoverResources(client);
  const version = await client.ok<{ gitVersion: string }>('GET', '/version');
  const namespaces = options.namespaces.length
    ? options.namespaces
    : (await client.ok<{ items: KubeObject[] }>('GET', '/api/v1/namespaces')).items.map((n) => n.metadata.name).filter((n) => !systemNamespaces.has(n));
  for (const ns of options.namespaces) {
    const res = await client.request('GET', `/api/v1/namespaces/${encodeURIComponent(ns)}`);
    if (res.status === 404) throw new FleetdeckError('not-found', `namespace "${ns}" does not exist in ${client.context}`);
  }

  const movable = (t: ResourceType) => ['list', 'get', 'create'].every((v) => t.verbs.includes(v)) && !skippedKinds.includes(t.kind) && wanted(t, options);
  // the same kind served by two groups (events in core and events.k8s.io): take the first
  const seen = new Set<string>();
  const namespaced = types.filter((t) => t.namespaced && movable(t) && !seen.has(t.kind) && seen.add(t.kind));

  const closures = options.workloads?.length ? await workloadClosures(client, types, namespaces, options.workloads) : undefined;
  const items: ReportItem[] = [];
  const references = new References();
  // lists run in parallel; the archive keeps entries in the order they are added
  const claimsAndWriters: KubeObject[] = [];
  const store = (type: ResourceType, object: KubeObject) => {
    const clean = sanitize(object);
    if (options.volumes && ['PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'].includes(type.kind)) claimsAndWriters.push({ ...clean, kind: type.kind });
    const { name, namespace } = clean.metadata;
    items.push({ kind: type.kind, apiVersion: type.apiVersion, ...(namespace ? { namespace } : {}), name, result: 'created' });
    return writer.add({ resource: type.resource, group: type.group, ...(namespace ? { namespace } : {}), name, apiVersion: type.apiVersion, kind: type.kind }, clean, { encrypt: type.kind === 'Secret' });
  };

  const work = namespaced.flatMap((type) => namespaces.map((ns) => ({ type, ns })));
  let done = 0;
  await inParallel(work, 6, async ({ type, ns }) => {
    try {
      for await (const object of listAll(client, type, ns, options.selector)) {
        if (options.signal?.aborted) throw new FleetdeckError('cancelled', 'cancelled');
        if (closures && !closures.get(ns)?.has(objectKey(type.kind, object.metadata.name))) continue;
        const skip = skipReason(object);
        if (skip) {
          items.push({ kind: type.kind, apiVersion: type.apiVersion, namespace: ns, name: object.metadata.name, result: 'skipped', reason: skip });
          continue;
        }
        references.note(type, object);
        await store(type, object);
      }
    } catch (error) {
      // a type the user may not list (RBAC) is reported, not fatal
      if (!(error instanceof FleetdeckError) || error.code !== 'forbidden') throw error;
      items.push({ kind: type.kind, apiVersion: type.apiVersion, namespace: ns, name: '*', result: 'failed', reason: error.message });
    }
    progress({ phase: 'listing', done: ++done, total: work.length, detail: `${type.resource} in ${ns}` });
  });

  const clusterScoped: [string, string, Iterable<string>][] = [
    ['v1', 'Namespace', namespaces],
    ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', references.crds],
    ['storage.k8s.io/v1', 'StorageClass', references.storageClasses],
    ['v1', 'PersistentVolume', references.persistentVolumes],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole', references.clusterRoles],
  ];
  for (const [apiVersion, kind, wantedNames] of clusterScoped) {
    const type = types.find((t) => t.apiVersion === apiVersion && t.kind === kind);
    if (!type || !wanted(type, options)) continue;
    progress({ phase: 'cluster-scoped', done: 0, detail: type.resource });
    for (const name of wantedNames) {
      const res = await client.request<KubeObject>('GET', objectPath(type, undefined, name));
      if (res.status === 404) {
        items.push({ kind, apiVersion, name, result: 'skipped', reason: `referenced but not found in ${client.context}` });
        continue;
      }
      if (res.status !== 200) {
        items.push({ kind, apiVersion, name, result: 'failed', reason: `GET ${type.resource}/${name}: HTTP ${res.status}` });
        continue;
      }
      const object = { ...res.body, apiVersion, kind };
      const skip = skipReason(object);
      if (skip) items.push({ kind, apiVersion, name, result: 'skipped', reason: skip });
      else await store(type, object);
    }
  }
  const moved = options.volumes ? await options.volumes(claimsAndWriters) : undefined;
  progress({ phase: 'writing', done: items.length });
  const manifest = await writer.finish({
    ...(moved ? { volumes: moved.snapshots } : {}),
    source: { context: options.source.context, cloud: options.source.cloud, kubernetesVersion: version.gitVersion, server: displayUrl(client.kc.cluster.server) },
    selection: { namespaces, ...(options.selector ? { selector: options.selector } : {}), includeKinds: options.includeKinds ?? [], excludeKinds: options.excludeKinds ?? [], ...(options.workloads ? { workloads: options.workloads } : {}) },
  });
  const counts = countResults(items);
  const { snapshots: _, ...volumes } = moved ?? { snapshots: [] };
  return { report: { state: withVolumes(runState(counts), volumes.volumes), counts, items, transforms: [], ...volumes }, manifest };
}
