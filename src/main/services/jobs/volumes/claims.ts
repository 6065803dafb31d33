// The claims a migration moves, the workloads that write to them, and the plan shown before it runs.
import type { KubeObject } from '../../../../shared/kube-object.ts';
import type { VolumePlanItem } from '../../../../shared/migration/report.ts';

/** Kinds whose pods are stopped by scaling to 0 (their replicas are recorded and put back). */
export const scalable = ['Deployment', 'StatefulSet', 'ReplicaSet'] as const;
export type ScalableKind = (typeof scalable)[number];
const isScalable = (kind: string): kind is ScalableKind => (scalable as readonly string[]).includes(kind);

export interface Workload {
  kind: string;
  name: string;
  replicas: number;
}

export interface ClaimInfo {
  namespace: string;
  name: string;
  requested?: string;
  accessModes: string[];
  storageClass?: string;
  volumeName?: string;
  workloads: Workload[];
}

type PodSpec = { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] };
type WorkloadSpec = { replicas?: number; template?: { spec?: PodSpec }; jobTemplate?: { spec?: { template?: { spec?: PodSpec } } }; volumeClaimTemplates?: { metadata?: { name?: string } }[] };

/** The claims a workload's pods mount: its pod template's volumes; a StatefulSet's claim templates name `<template>-<set>-<ordinal>`. */
function mounts(workload: KubeObject, claims: string[]): string[] {
  const spec = (workload.spec ?? {}) as WorkloadSpec;
  const pod = workload.kind === 'CronJob' ? spec.jobTemplate?.spec?.template?.spec : spec.template?.spec;
  const named = (pod?.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter((n): n is string => Boolean(n));
  const templates = workload.kind === 'StatefulSet' ? (spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name).filter(Boolean) : [];
  const fromTemplates = claims.filter((claim) => templates.some((t) => new RegExp(`^${escape(`${t}-${workload.metadata.name}-`)}\\d+$`).test(claim)));
  return [...new Set([...named, ...fromTemplates])];
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The claims among the objects, each with the workloads (of the same namespace) that mount it. */
export function claimsOf(objects: KubeObject[]): ClaimInfo[] {
  const claims = objects.filter((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.namespace);
  const byNamespace = new Map<string, string[]>();
  for (const c of claims) byNamespace.set(c.metadata.namespace!, [...(byNamespace.get(c.metadata.namespace!) ?? []), c.metadata.name]);
  const writers = new Map<string, Workload[]>();
  for (const w of objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'].includes(o.kind) && o.metadata.namespace)) {
    for (const claim of mounts(w, byNamespace.get(w.metadata.namespace!) ?? [])) {
      const key = `${w.metadata.namespace}/${claim}`;
      writers.set(key, [...(writers.get(key) ?? []), { kind: w.kind, name: w.metadata.name, replicas: (w.spec as WorkloadSpec | undefined)?.replicas ?? 1 }]);
    }
  }
  return claims.map((c) => {
    const spec = (c.spec ?? {}) as { accessModes?: string[]; storageClassName?: string; volumeName?: string; resources?: { requests?: { storage?: string } } };
    return {
      namespace: c.metadata.namespace!,
      name: c.metadata.name,
      ...(spec.resources?.requests?.storage ? { requested: spec.resources.requests.storage } : {}),
      accessModes: spec.accessModes ?? [],
      ...(spec.storageClassName ? { storageClass: spec.storageClassName } : {}),
      ...(spec.volumeName ? { volumeName: spec.volumeName } : {}),
      workloads: writers.get(`${c.metadata.namespace}/${c.metadata.name}`) ?? [],
    };
  });
}

/**
 * Writers that have no replicas to scale are held on the target until their volumes are filled:
 * a Job or CronJob suspended, a DaemonSet given a node selector no node matches. The annotation
 * says which was done, so that only what Fleetdeck held is let go.
 */
export const HELD_ANNOTATION = 'fleetdeck.io/held';
export type HeldKind = 'Job' | 'CronJob' | 'DaemonSet';
export const isHeld = (kind: string): kind is HeldKind => kind === 'Job' || kind === 'CronJob' || kind === 'DaemonSet';

/** Writers scaling cannot stop: the copy runs while they write. */
export const unstoppable = (claim: ClaimInfo) => claim.workloads.filter((w) => !isScalable(w.kind));
export const stoppable = (claim: ClaimInfo) => claim.workloads.filter((w) => isScalable(w.kind));

export interface Throughput {
  /** bytes per second measured by earlier runs, when there were any */
  backup?: number;
  restore?: number;
}

export interface PlanContext {
  targetNamespace: (namespace: string) => string;
  targetStorageClass: (storageClass: string | undefined) => string | undefined;
  usedBytes: Map<string, number> | undefined;
  throughput: Throughput;
  mover: 'restic' | 'none';
  live: boolean;
}

/** Per claim: size, use, access, writers, where it goes, the mover, the estimated copy time and downtime. */
export function planVolumes(claims: ClaimInfo[], context: PlanContext): VolumePlanItem[] {
  return claims.map((claim) => {
    const used = context.usedBytes?.get(`${claim.namespace}/${claim.name}`);
    const seconds = (rate: number | undefined) => (used !== undefined && rate ? Math.ceil(used / rate) : undefined);
    const backup = seconds(context.throughput.backup);
    const restore = seconds(context.throughput.restore);
    const moving = context.mover !== 'none';
    const notes = unstoppable(claim).map((w) => `${w.kind}/${w.name} cannot be scaled down: it keeps writing during the copy`);
    const targetStorageClass = context.targetStorageClass(claim.storageClass);
    return {
      namespace: claim.namespace,
      claim: claim.name,
      targetNamespace: context.targetNamespace(claim.namespace),
      ...(claim.requested ? { requested: claim.requested } : {}),
      usedBytes: used ?? 'unknown',
      accessModes: claim.accessModes,
      workloads: claim.workloads.map((w) => `${w.kind}/${w.name}`),
      ...(claim.storageClass ? { storageClass: claim.storageClass } : {}),
      ...(targetStorageClass ? { targetStorageClass } : {}),
      mover: context.mover,
      estimatedSeconds: !moving ? 0 : backup !== undefined && restore !== undefined ? backup + restore : 'unknown',
      downtimeSeconds: !moving || context.live || !stoppable(claim).length ? 0 : (backup ?? 'unknown'),
      live: moving && context.live,
      ...(moving && notes.length ? { notes } : {}),
    };
  });
}
