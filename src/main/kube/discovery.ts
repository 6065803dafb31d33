import type { KubeObject } from '../../shared/kube-object.ts';
import type { ClusterClient } from './cluster-client.ts';
import type { ContextConfig } from './context-config.ts';
import { classifyStatus, kubeRequest } from './http.ts';

/** One resource type a cluster serves, at its preferred version. */
export interface ResourceType {
  group: string;
  version: string;
  apiVersion: string;
  /** plural, as in the URL */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  /** defined by a CustomResourceDefinition */
  custom: boolean;
}

interface ApiResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

const segment = encodeURIComponent;

/** The URL of a group version ("v1" or "apps/v1"): /api/v1, /apis/apps/v1. */
function groupVersionPath(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? `/api/${segment(apiVersion)}` : `/apis/${segment(apiVersion.slice(0, slash))}/${segment(apiVersion.slice(slash + 1))}`;
}

/** The collection URL of a type, in a namespace or cluster-wide; every segment encoded (names come from archives and clusters). */
export function collectionPath(type: Pick<ResourceType, 'group' | 'version' | 'resource' | 'namespaced'>, namespace?: string): string {
  const base = type.group ? `/apis/${segment(type.group)}/${segment(type.version)}` : `/api/${segment(type.version)}`;
  return type.namespaced && namespace ? `${base}/namespaces/${segment(namespace)}/${segment(type.resource)}` : `${base}/${segment(type.resource)}`;
}

export const objectPath = (type: ResourceType, namespace: string | undefined, name: string) => `${collectionPath(type, namespace)}/${segment(name)}`;

/**
 * Every top-level resource type the cluster serves at its group's preferred version (legacy
 * discovery: one request per group, in parallel). Custom resources are recognised by their CRDs.
 */
export async function discoverResources(client: ClusterClient): Promise<ResourceType[]> {
  const groups = await client.ok<{ groups: { name: string; preferredVersion: { groupVersion: string; version: string } }[] }>('GET', '/apis');
  const crds = await client.ok<{ items: { spec: { group: string; names: { plural: string } } }[] }>('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions').catch(() => ({ items: [] }));
  const custom = new Set(crds.items.map((c) => `${c.spec.names.plural}.${c.spec.group}`));
  const lists = await Promise.all([
    client.ok<ApiResourceList>('GET', '/api/v1'),
    ...groups.groups.map((g) => client.ok<ApiResourceList>('GET', groupVersionPath(g.preferredVersion.groupVersion)).catch(() => undefined)),
  ]);
  return lists.flatMap((list) => {
    if (!list) return [];
    const [group, version] = list.groupVersion.includes('/') ? list.groupVersion.split('/') : ['', list.groupVersion];
    return list.resources
      .filter((r) => !r.name.includes('/'))
      .map((r) => ({ group, version, apiVersion: list.groupVersion, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs, custom: custom.has(`${r.name}.${group}`) }));
  });
}

/** The type serving exactly this apiVersion and kind: from discovery, or asked of the group version (not every served version is the preferred one). */
export async function resolveType(client: ClusterClient, types: ResourceType[], apiVersion: string, kind: string): Promise<ResourceType | undefined> {
  const known = types.find((t) => t.apiVersion === apiVersion && t.kind === kind);
  if (known) return known;
  const res = await client.request<ApiResourceList>('GET', groupVersionPath(apiVersion));
  const found = res.status === 200 ? res.body.resources.find((r) => r.kind === kind && !r.name.includes('/')) : undefined;
  if (!found) return undefined;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const type = { group, version, apiVersion, resource: found.name, kind, namespaced: found.namespaced, verbs: found.verbs, custom: types.some((t) => t.group === group && t.custom) };
  types.push(type);
  return type;
}

// half kubectl's chunk size: six lists run at once, and each page in flight is held twice (its text
// and its objects); a 50,000-object backup peaked about 40 MB lower than with pages of 500
const PAGE = 250;
/** A page is read whole within this: 250 large Secrets (Helm keeps releases in them) are tens of MB. */
const PAGE_TIMEOUT_MS = 120_000;

/** Lists a collection page by page (constant memory), with apiVersion and kind set on each item. */
export async function* listAll(client: ClusterClient, type: ResourceType, namespace?: string, selector?: string): AsyncGenerator<KubeObject> {
  let next = '';
  do {
    const query = new URLSearchParams({ limit: String(PAGE), ...(next ? { continue: next } : {}), ...(selector ? { labelSelector: selector } : {}) });
    const page = await client.ok<{ items: KubeObject[]; metadata: { continue?: string } }>('GET', `${collectionPath(type, namespace)}?${query}`, { timeoutMs: PAGE_TIMEOUT_MS });
    for (const item of page.items) yield { ...item, apiVersion: type.apiVersion, kind: type.kind };
    next = page.metadata.continue ?? '';
  } while (next);
}

/**
 * For each resource of an API group, the version to use: the preferred one when it serves the
 * resource, else the first that does (an older Flux serves OCIRepository only as v1beta2).
 */
export async function servedVersions(kc: ContextConfig, group: string): Promise<{ versions?: Map<string, string>; notice?: string }> {
  const res = await kubeRequest(kc, `/apis/${group}`, { timeoutMs: 15_000 });
  if (res.status === 404) return { notice: 'not installed (no such API group)' };
  if (res.status >= 300) throw classifyStatus(res.status, res.body, `GET /apis/${group}`);
  const body = JSON.parse(res.body) as { preferredVersion?: { version?: string }; versions?: { version: string }[] };
  const ordered = [...new Set([body.preferredVersion?.version, ...(body.versions ?? []).map((v) => v.version)].filter((v): v is string => !!v))];
  const versions = new Map<string, string>();
  for (const version of ordered) {
    const list = await kubeRequest(kc, `/apis/${group}/${version}`, { timeoutMs: 15_000 });
    if (list.status >= 300) continue;
    for (const r of (JSON.parse(list.body) as { resources?: { name: string }[] }).resources ?? []) if (!r.name.includes('/') && !versions.has(r.name)) versions.set(r.name, version);
  }
  return { versions };
}
