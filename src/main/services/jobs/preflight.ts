import type { Cloud } from '../../../shared/cloud.ts';
import { ClassUsage, ingressClassInfo, planClasses, storageClassInfo, type ClassChoice, type IngressClassInfo, type StorageClassInfo } from '../../../shared/migration/class-choice.ts';
import type { PreflightFinding } from '../../../shared/migration/report.ts';
import type { KubeObject } from '../../../shared/kube-object.ts';
import { transformObject, type Mappings } from '../../../shared/migration/transforms.ts';
import { parseQuantity } from '../../../shared/quantity.ts';
import type { ArchiveReader, ArchiveRef } from './archive.ts';
import type { ClusterClient } from '../../kube/cluster-client.ts';
import { listAll, resolveType, type ResourceType } from '../../kube/discovery.ts';

type Webhook = {
  name: string;
  failurePolicy?: string;
  clientConfig: { service?: { namespace: string; name: string } };
  rules?: { apiGroups?: string[]; resources?: string[]; operations?: string[] }[];
};
type Quota = { metadata: { name: string }; status?: { hard?: Record<string, string>; used?: Record<string, string> } };
type PodTemplate = { spec?: { containers?: { resources?: { requests?: Record<string, string> } }[] } };

/** What the objects of one target namespace would add to its ResourceQuotas. */
class QuotaDemand {
  readonly perNamespace = new Map<string, Map<string, number>>();

  add(object: KubeObject, type: { resource: string; group: string }) {
    const ns = object.metadata.namespace;
    if (!ns) return;
    const demand = this.perNamespace.get(ns) ?? new Map<string, number>();
    this.perNamespace.set(ns, demand);
    const bump = (key: string, by: number) => demand.set(key, (demand.get(key) ?? 0) + by);
    bump(`count/${type.group ? `${type.resource}.${type.group}` : type.resource}`, 1);
    if (['services', 'secrets', 'configmaps', 'persistentvolumeclaims'].includes(type.resource) && !type.group) bump(type.resource, 1);
    const spec = object.spec as { replicas?: number; template?: PodTemplate; resources?: { requests?: { storage?: string } } } | undefined;
    if (object.kind === 'PersistentVolumeClaim') bump('requests.storage', parseQuantity(spec?.resources?.requests?.storage));
    if (['Deployment', 'StatefulSet'].includes(object.kind)) {
      const replicas = spec?.replicas ?? 1;
      for (const c of spec?.template?.spec?.containers ?? []) {
        bump('requests.cpu', replicas * parseQuantity(c.resources?.requests?.cpu));
        bump('requests.memory', replicas * parseQuantity(c.resources?.requests?.memory));
      }
    }
  }
}

const matches = (list: string[] | undefined, value: string) => !list || list.includes('*') || list.includes(value);

/** Whether each CRD in the archive keeps its kind in namespaces, by CRD name ("widgets.example.com"). */
async function archivedCrdScopes(reader: ArchiveReader): Promise<Map<string, boolean>> {
  const scopes = new Map<string, boolean>();
  for await (const { object } of reader.entries((ref) => ref.kind === 'CustomResourceDefinition' && ref.group === 'apiextensions.k8s.io')) {
    const { scope } = (object.spec ?? {}) as { scope?: unknown };
    if (scope === 'Namespaced' || scope === 'Cluster') scopes.set((object.metadata as { name: string }).name, scope === 'Namespaced');
  }
  return scopes;
}

type ClassObject = Parameters<typeof storageClassInfo>[0];

/** The target's StorageClasses. */
export async function listStorageClasses(client: ClusterClient): Promise<StorageClassInfo[]> {
  return (await client.ok<{ items: ClassObject[] }>('GET', '/apis/storage.k8s.io/v1/storageclasses')).items.map(storageClassInfo);
}

/** The IngressClasses the target serves (none where the API is not served); undefined when it may not be asked. */
export async function listIngressClasses(client: ClusterClient): Promise<IngressClassInfo[] | undefined> {
  const res = await client.request<{ items: ClassObject[] }>('GET', '/apis/networking.k8s.io/v1/ingressclasses');
  return res.status === 200 ? res.body.items.map(ingressClassInfo) : res.status === 404 ? [] : undefined;
}

const usedBy = (choice: ClassChoice) => `used by ${choice.users.join(', ')}${choice.count > choice.users.length ? ` and ${choice.count - choice.users.length} more` : ''}`;

/** What the plan must show of the class choices: errors for a class that cannot be had, warnings for downgrades and what does not fit. */
function classFindings(choices: ClassChoice[], target: string, targetClasses: string[]): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  for (const c of choices) {
    if (c.kind === 'storage-class') {
      if (c.reason === 'none') findings.push({ severity: 'error', check: 'storage-class', message: `${target} has no storage class at all, so storage class ${c.from} (${usedBy(c)}) has nothing to map to; create one there first` });
      else if (c.reason === 'override' && !targetClasses.includes(c.to!)) findings.push({ severity: 'error', check: 'storage-class', message: `storage class ${c.to}, chosen for ${c.from} (${usedBy(c)}), does not exist on ${target} (${target} has ${targetClasses.join(', ')})` });
      else {
        if (c.downgrade) findings.push({ severity: 'warning', check: 'storage-class', message: `storage class ${c.from} (${c.fromTier}, ${usedBy(c)}) becomes ${c.to} (${c.toTier}) on ${target}: a downgrade from ${c.fromTier} to ${c.toTier}` });
        if (c.problem) findings.push({ severity: 'warning', check: 'storage-class', message: `storage class ${c.from} becomes ${c.to} on ${target}: ${c.problem}` });
      }
    } else if (c.problem) {
      const what = c.kind === 'ingress-class' ? `ingress class ${c.from} (${usedBy(c)})` : `internal load balancer ${c.from} (${usedBy(c)})`;
      findings.push({ severity: 'warning', check: c.kind, message: `${what} on ${target}: ${c.problem}` });
    }
  }
  return findings;
}

/** The classes the archive's objects use, its own StorageClasses, and what they become on the target. */
async function chooseClasses(reader: ArchiveReader, client: ClusterClient, mappings: Mappings, targetStorageClasses: StorageClassInfo[]) {
  const usage = new ClassUsage();
  const archived: StorageClassInfo[] = [];
  const kinds = new Set(['PersistentVolumeClaim', 'PersistentVolume', 'StatefulSet', 'Ingress', 'Service', 'StorageClass']);
  for await (const { object } of reader.entries((ref) => kinds.has(ref.kind))) {
    if (object.kind === 'StorageClass') archived.push(storageClassInfo(object as ClassObject));
    else usage.note(object as KubeObject);
  }
  const sourceCloud = mappings.sourceCloud ?? (reader.manifest.source as { cloud?: Cloud }).cloud;
  // another cloud's storage class is not restored: its provisioner is not there
  const sameCloud = !mappings.targetCloud || mappings.targetCloud === sourceCloud;
  return planClasses({
    usage,
    ...(sourceCloud ? { sourceCloud } : {}),
    ...(mappings.targetCloud ? { targetCloud: mappings.targetCloud } : {}),
    sourceStorageClasses: archived,
    targetStorageClasses,
    targetIngressClasses: usage.ingressClasses.size ? await listIngressClasses(client) : [],
    overrides: { storageClasses: mappings.storageClasses, ingressClasses: mappings.ingressClasses },
    restorable: new Set(sameCloud ? archived.map((s) => s.name) : []),
  });
}

export interface Preflight {
  findings: PreflightFinding[];
  existingStorageClasses: Set<string>;
  /** the mappings with every class the objects use chosen on the target: what the restore applies */
  mappings: Mappings;
  classes: ClassChoice[];
  /**
   * Whether the target keeps an entry's kind in namespaces: as it serves it, or as the CRD in the archive that
   * defines it says. Once pre-flight passed, every entry is listed as its kind lives (for a kind neither says,
   * which pre-flight refused, the listing is all there is).
   */
  namespaced: (ref: ArchiveRef) => boolean;
}

/**
 * Checks the target before anything is written: every API version served (or its CRD part of
 * the restore), every entry listed in a namespace exactly when its kind lives in one, a storage class
 * on the target for every class the objects use (chosen from what the target has unless the user
 * named one), ingress classes and internal load balancers that fit, admission webhooks that would reject, quota left, namespaces not
 * terminating. Errors refuse the run with the exact reason.
 */
export async function preflight(reader: ArchiveReader, client: ClusterClient, types: ResourceType[], mappings: Mappings, archivedCrds: Set<string>): Promise<Preflight> {
  const findings: PreflightFinding[] = [];
  const target = client.context;

  type Kind = { apiVersion: string; kind: string; resource: string; group: string; count: number; namespaced?: boolean; scopedBy?: string; misplaced: ArchiveRef[] };
  const kinds = new Map<string, Kind>();
  const kindOf = (ref: ArchiveRef) => kinds.get(`${ref.apiVersion} ${ref.kind} ${ref.resource}`);
  for (const ref of reader.manifest.entries) {
    const key = `${ref.apiVersion} ${ref.kind} ${ref.resource}`;
    const { apiVersion, kind, resource, group } = ref;
    const known = kinds.get(key) ?? { apiVersion, kind, resource, group, count: 0, misplaced: [] };
    known.count++;
    kinds.set(key, known);
  }
  const objects = (count: number) => `${count} object${count === 1 ? '' : 's'}`;
  const unscoped: Kind[] = [];
  for (const known of kinds.values()) {
    const { apiVersion, kind, resource, group, count } = known;
    const type = await resolveType(client, types, apiVersion, kind);
    // webhooks and quotas below are matched by resource: the archive's word for it must be the target's
    if (type && type.resource !== resource) findings.push({ severity: 'error', check: 'api-version', message: `the archive lists ${apiVersion} ${kind} as resource ${resource} (${objects(count)}), but ${target} serves it as ${type.resource}` });
    if (type) Object.assign(known, { namespaced: type.namespaced, scopedBy: `on ${target}` });
    else if (archivedCrds.has(`${resource}.${group}`)) unscoped.push(known);
    else {
      const crd = group.includes('.') && !group.endsWith('k8s.io') ? `; its CRD ${resource}.${group} is neither on the target nor in the archive` : '';
      findings.push({ severity: 'error', check: crd ? 'crd' : 'api-version', message: `${target} does not serve ${apiVersion} ${kind} (${objects(count)})${crd}` });
    }
  }
  // a kind the target does not serve yet lives where the archive's own CRD puts it
  const crdScopes = unscoped.length ? await archivedCrdScopes(reader) : new Map<string, boolean>();
  for (const known of unscoped) {
    const crd = `${known.resource}.${known.group}`;
    const namespaced = crdScopes.get(crd);
    if (namespaced === undefined) findings.push({ severity: 'error', check: 'crd', message: `the CRD ${crd} in the archive has no scope Namespaced or Cluster, so ${known.apiVersion} ${known.kind} (${objects(known.count)}) has no place on ${target}` });
    else Object.assign(known, { namespaced, scopedBy: `by its CRD ${crd} in the archive` });
  }
  // the write goes where the kind lives: a cluster-scoped kind listed in a namespace would be created for the whole cluster
  for (const ref of reader.manifest.entries) {
    const known = kindOf(ref)!;
    if (known.namespaced !== undefined && known.namespaced !== Boolean(ref.namespace)) known.misplaced.push(ref);
  }
  for (const { apiVersion, kind, namespaced, scopedBy, misplaced } of kinds.values()) {
    if (!misplaced.length) continue;
    const [first] = misplaced;
    const more = misplaced.length > 1 ? ` and ${misplaced.length - 1} more` : '';
    const listed = namespaced ? `${kind} ${first.name} without a namespace${more}` : `${kind} ${first.name} in namespace ${first.namespace}${more}`;
    findings.push({ severity: 'error', check: 'scope', message: `the archive lists ${listed}, but ${apiVersion} ${kind} is ${namespaced ? 'namespaced' : 'cluster-scoped'} ${scopedBy}` });
  }
  const namespaced = (ref: ArchiveRef) => kindOf(ref)?.namespaced ?? Boolean(ref.namespace);

  const targetStorageClasses = await listStorageClasses(client);
  const existingStorageClasses = new Set(targetStorageClasses.map((s) => s.name));
  const plan = await chooseClasses(reader, client, mappings, targetStorageClasses);
  findings.push(...classFindings(plan.choices, target, [...existingStorageClasses]));
  const chosen: Mappings = { ...mappings, storageClasses: plan.storageClasses, ingressClasses: plan.ingressClasses };
  /** explicit nodePorts are cluster-wide: port → the Service that brings it */
  const nodePorts = new Map<number, string>();
  const demand = new QuotaDemand();
  const targetNamespaces = new Set<string>();

  for await (const { ref, object } of reader.entries()) {
    const { object: mapped } = transformObject(object as KubeObject, chosen, { namespaced: namespaced(ref) });
    if (mapped.metadata.namespace) targetNamespaces.add(mapped.metadata.namespace);
    if (mapped.kind === 'Namespace') targetNamespaces.add(mapped.metadata.name);
    demand.add(mapped, ref);
    if (mapped.kind === 'Service') for (const p of ((mapped.spec as { ports?: { nodePort?: number }[] } | undefined)?.ports ?? [])) if (p.nodePort) nodePorts.set(p.nodePort, `${mapped.metadata.namespace}/${mapped.metadata.name}`);
  }

  const serviceType = types.find((t) => t.apiVersion === 'v1' && t.kind === 'Service');
  if (nodePorts.size && serviceType) {
    for await (const service of listAll(client, serviceType)) {
      const owner = `${service.metadata.namespace}/${service.metadata.name}`;
      for (const p of ((service.spec as { ports?: { nodePort?: number }[] } | undefined)?.ports ?? [])) {
        const wanted = p.nodePort && nodePorts.get(p.nodePort);
        // the same Service (a re-run) keeps its port
        if (wanted && wanted !== owner) findings.push({ severity: 'error', check: 'node-port', message: `nodePort ${p.nodePort} of Service ${wanted} is already used on ${target} by Service ${owner}` });
      }
    }
  }

  for (const ns of targetNamespaces) {
    const res = await client.request<{ status?: { phase?: string } }>('GET', `/api/v1/namespaces/${encodeURIComponent(ns)}`);
    if (res.status !== 200) continue;
    if (res.body.status?.phase === 'Terminating') findings.push({ severity: 'error', check: 'namespace', message: `namespace ${ns} on ${target} is terminating; wait until it is gone or map to another namespace` });
    const quotas = await client.ok<{ items: Quota[] }>('GET', `/api/v1/namespaces/${encodeURIComponent(ns)}/resourcequotas`);
    for (const quota of quotas.items) {
      for (const [key, needed] of demand.perNamespace.get(ns) ?? []) {
        const hard = quota.status?.hard?.[key];
        if (hard === undefined || needed === 0) continue;
        const left = parseQuantity(hard) - parseQuantity(quota.status?.used?.[key] ?? '0');
        if (needed > left) findings.push({ severity: 'error', check: 'quota', message: `quota ${ns}/${quota.metadata.name}: ${key} needs ${needed} more, only ${left} left (hard ${hard})` });
      }
    }
  }

  const plannedResources = [...kinds.values()].map((k) => ({ group: k.group, resource: k.resource }));
  for (const kind of ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']) {
    const configs = await client.request<{ items: { metadata: { name: string }; webhooks?: Webhook[] }[] }>('GET', `/apis/admissionregistration.k8s.io/v1/${kind}`);
    if (configs.status !== 200) {
      findings.push({ severity: 'warning', check: 'admission-webhook', message: `could not list ${kind} on ${target} (HTTP ${configs.status}); webhooks are not checked` });
      continue;
    }
    for (const config of configs.body.items) {
      for (const hook of config.webhooks ?? []) {
        const intercepted = plannedResources.filter((p) => hook.rules?.some((r) => matches(r.apiGroups, p.group) && matches(r.resources, p.resource) && matches(r.operations, 'CREATE')));
        if (!intercepted.length) continue;
        const what = intercepted.map((p) => p.resource).join(', ');
        const service = hook.clientConfig.service;
        if (hook.failurePolicy === 'Ignore' || !service) {
          findings.push({ severity: 'warning', check: 'admission-webhook', message: `webhook ${hook.name} (${config.metadata.name}) sees creates of ${what}; the dry-run shows whether it admits them` });
          continue;
        }
        const slices = await client.request<{ items: { endpoints?: { conditions?: { ready?: boolean } }[] }[] }>('GET', `/apis/discovery.k8s.io/v1/namespaces/${service.namespace}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${service.name}`)}`);
        const ready = slices.status === 200 && slices.body.items.some((s) => s.endpoints?.some((e) => e.conditions?.ready !== false));
        findings.push(
          ready
            ? { severity: 'warning', check: 'admission-webhook', message: `webhook ${hook.name} (failurePolicy Fail) sees creates of ${what}; the dry-run shows whether it admits them` }
            : { severity: 'error', check: 'admission-webhook', message: `webhook ${hook.name} (${config.metadata.name}, failurePolicy Fail) would reject every create of ${what}: its service ${service.namespace}/${service.name} has no ready endpoints on ${target}` },
        );
      }
    }
  }
  return { findings, existingStorageClasses, namespaced, mappings: chosen, classes: plan.choices };
}
