// Drift detected by Fleetdeck itself, with or without Argo CD or Flux: the overlay rendered from
// the workspace against the live objects. A server-side apply dry run says what applying Git would
// change, with the cluster's own defaulting, so only real differences show.
import type { ContextConfig } from '../../kube/context-config.ts';
import type { DriftItem } from '../../../shared/contract/gitops.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { diffObjects } from '../../../shared/migration/diff.ts';
import type { KubeObject } from '../../../shared/kube-object.ts';
import { classifyStatus } from '../../kube/http.ts';
import { serverSideApply } from '../../kube/apply.ts';
import { ClusterClient } from '../../kube/cluster-client.ts';
import { discoverResources, listAll, objectPath, resolveType, type ResourceType } from '../../kube/discovery.ts';

/** Kinds a controller writes with the app's labels copied in, and no owner: never Git's */
const mirrored = new Set(['Event', 'Endpoints']);
const keyOf = (o: { kind: string; metadata: { namespace?: string; name: string } }) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The labels every desired object carries (kustomize's labels, commonLabels): what marks the app's objects in the cluster. */
export function appLabels(desired: KubeObject[]): Record<string, string> {
  const [first, ...rest] = desired.map((o) => o.metadata.labels ?? {});
  return Object.fromEntries(Object.entries(first ?? {}).filter(([k, v]) => rest.every((labels) => labels[k] === v)));
}

interface Resolved {
  object: KubeObject;
  type: ResourceType;
  namespace?: string;
}

async function resolveAll(client: ClusterClient, desired: KubeObject[], types: ResourceType[]): Promise<Resolved[]> {
  return Promise.all(
    desired.map(async (object) => {
      const type = await resolveType(client, types, object.apiVersion, object.kind);
      if (!type) throw new FleetdeckError('invalid-input', `${client.context} does not serve ${object.apiVersion} ${object.kind} (${object.metadata.name})`);
      return { object, type, namespace: type.namespaced ? (object.metadata.namespace ?? 'default') : undefined };
    }),
  );
}

async function apply(client: ClusterClient, r: Resolved, dryRun: boolean): Promise<KubeObject> {
  const url = objectPath(r.type, r.namespace, r.object.metadata.name);
  const res = await serverSideApply(client, url, { ...r.object, metadata: { ...r.object.metadata, ...(r.namespace ? { namespace: r.namespace } : {}) } }, { dryRun });
  if (res.status >= 300) throw classifyStatus(res.status, res.text, `apply ${r.object.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.object.metadata.name} on ${client.context}`);
  return res.body;
}

export async function detectDrift(kc: ContextConfig, context: string, desired: KubeObject[]): Promise<DriftItem[]> {
  const client = new ClusterClient(kc, context, { retryForMs: 10_000 });
  try {
    const types = await discoverResources(client);
    const resolved = await resolveAll(client, desired, types);
    const items: DriftItem[] = [];
    for (const r of resolved) {
      const base = { kind: r.object.kind, apiVersion: r.object.apiVersion, namespace: r.namespace, name: r.object.metadata.name };
      const live = await client.request<KubeObject>('GET', objectPath(r.type, r.namespace, r.object.metadata.name));
      if (live.status === 404) {
        items.push({ ...base, drift: 'missing' });
        continue;
      }
      if (live.status >= 300) throw classifyStatus(live.status, live.text, `GET ${r.object.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.object.metadata.name} on ${context}`);
      const diff = diffObjects(live.body as unknown as Record<string, unknown>, (await apply(client, r, true)) as unknown as Record<string, unknown>);
      if (diff.length) items.push({ ...base, drift: 'changed', diff });
    }
    // objects carrying the app's labels that Git does not have: of any kind in Git's namespaces, of
    // Git's own kinds at cluster scope; objects owned by others (Pods of a ReplicaSet…) are not Git's
    const labels = appLabels(desired);
    const selector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
    if (selector) {
      const wanted = new Set(resolved.map((r) => keyOf({ kind: r.object.kind, metadata: { namespace: r.namespace, name: r.object.metadata.name } })));
      const namespaces = new Set(resolved.flatMap((r) => (r.namespace ? [r.namespace] : [])));
      const scopes = [
        ...types.filter((t) => t.namespaced && t.verbs.includes('list') && !mirrored.has(t.kind)).flatMap((type) => [...namespaces].map((namespace) => ({ type, namespace }))),
        ...new Map(resolved.filter((r) => !r.namespace).map((r) => [r.type.resource, { type: r.type, namespace: undefined }])).values(),
      ];
      for (const { type, namespace } of scopes) {
        for await (const object of listAll(client, type, namespace, selector)) {
          if (object.metadata.ownerReferences?.length || wanted.has(keyOf(object))) continue;
          items.push({ kind: object.kind, apiVersion: object.apiVersion, namespace: object.metadata.namespace, name: object.metadata.name, drift: 'extra' });
        }
      }
    }
    return items;
  } finally {
    client.close();
  }
}

/** Applies the desired state (server-side apply, taking the fields over); objects that are extra are left alone. */
export async function selfHeal(kc: ContextConfig, context: string, desired: KubeObject[]): Promise<number> {
  const client = new ClusterClient(kc, context, { retryForMs: 10_000 });
  try {
    const resolved = await resolveAll(client, desired, await discoverResources(client));
    for (const r of resolved) await apply(client, r, false);
    return resolved.length;
  } finally {
    client.close();
  }
}
