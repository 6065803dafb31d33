import type { Cloud } from '../../../shared/cloud.ts';
import type { ClassOptions } from '../../../shared/contract/jobs.ts';
import { ClassUsage, ingressRoleOf, planClasses, storageKindOf } from '../../../shared/migration/class-choice.ts';
import { objectKey } from '../../../shared/migration/closure.ts';
import type { ClusterClient } from '../../kube/cluster-client.ts';
import { discoverResources, listAll, resolveType } from '../../kube/discovery.ts';
import { wanted, workloadClosures, type Selection } from './backup.ts';
import { listIngressClasses, listStorageClasses } from './preflight.ts';

/** The kinds whose objects use a storage class, an ingress class or an internal load balancer. */
const classUsers = [
  ['v1', 'PersistentVolumeClaim'],
  ['apps/v1', 'StatefulSet'],
  ['networking.k8s.io/v1', 'Ingress'],
  ['v1', 'Service'],
] as const;

/**
 * What the classes of a selection on the source become on the target, read live from both
 * clusters, for the migration dialog: the same choice a migration would make (pre-flight makes it
 * again from the archive), and the target's classes to choose from instead.
 */
export async function classOptions(source: { client: ClusterClient; cloud: Cloud }, target: { client: ClusterClient; cloud: Cloud }, selection: Selection): Promise<ClassOptions> {
  // the dialog waits for this: whole discovery only when workloads must be followed
  const types = selection.workloads?.length ? await discoverResources(source.client) : [];
  const closures = selection.workloads?.length ? await workloadClosures(source.client, types, selection.namespaces, selection.workloads) : undefined;
  const usage = new ClassUsage();
  for (const [apiVersion, kind] of classUsers) {
    const type = await resolveType(source.client, types, apiVersion, kind);
    if (!type || !wanted(type, selection)) continue;
    for (const ns of selection.namespaces) {
      for await (const object of listAll(source.client, type, ns, selection.selector)) {
        if (closures && !closures.get(ns)?.has(objectKey(kind, object.metadata.name))) continue;
        usage.note({ ...object, apiVersion, kind });
      }
    }
  }
  const [sourceStorageClasses, targetStorageClasses, targetIngressClasses] = await Promise.all([listStorageClasses(source.client), listStorageClasses(target.client), listIngressClasses(target.client)]);
  const plan = planClasses({
    usage,
    sourceCloud: source.cloud,
    targetCloud: target.cloud,
    sourceStorageClasses,
    targetStorageClasses,
    targetIngressClasses,
    overrides: { storageClasses: {}, ingressClasses: {} },
    // a same-cloud migration brings the classes the target lacks, as the restore does from the archive
    restorable: new Set(source.cloud === target.cloud ? sourceStorageClasses.map((s) => s.name) : []),
  });
  return {
    sourceCloud: source.cloud,
    targetCloud: target.cloud,
    choices: plan.choices,
    targetStorageClasses: targetStorageClasses.map((s) => {
      const { tier, family } = storageKindOf(s, target.cloud);
      return { name: s.name, tier, family, ...(s.default ? { default: true } : {}) };
    }),
    ...(targetIngressClasses ? { targetIngressClasses: targetIngressClasses.map((i) => ({ name: i.name, role: ingressRoleOf(i.name, target.cloud), ...(i.default ? { default: true } : {}) })) } : {}),
  };
}
