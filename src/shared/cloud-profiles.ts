// What differs between the clouds when a workload moves (DESIGN.md §3): storage classes by tier,
// the internal load-balancer annotations, ingress classes. Data only; the migration transforms use it.
import type { Cloud } from './cloud.ts';

export type StorageTier = 'standard' | 'premium' | 'file';
export type IngressRole = 'public' | 'internal';
export type ManagedCloud = Exclude<Cloud, 'other'>;

export interface CloudProfile {
  /** the first class of a tier is the one other clouds' classes of that tier map to */
  storageClasses: { name: string; tier: StorageTier; default?: boolean }[];
  /** the first annotation marks a Service as internal; the others come with it */
  internalLoadBalancer: Record<string, string>;
  ingressClasses: { name: string; role: IngressRole }[];
}

export const cloudProfiles: Record<ManagedCloud, CloudProfile> = {
  aks: {
    storageClasses: [
      { name: 'managed-csi', tier: 'standard', default: true },
      { name: 'managed-premium', tier: 'premium' },
      { name: 'managed-csi-premium', tier: 'premium' },
      { name: 'azurefile-csi', tier: 'file' },
      { name: 'default', tier: 'standard' },
    ],
    internalLoadBalancer: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' },
    ingressClasses: [
      { name: 'webapprouting.kubernetes.azure.com', role: 'public' },
      { name: 'azure-application-gateway', role: 'public' },
      { name: 'nginx-internal', role: 'internal' },
    ],
  },
  gke: {
    storageClasses: [
      { name: 'standard-rwo', tier: 'standard', default: true },
      { name: 'premium-rwo', tier: 'premium' },
      { name: 'standard-rwx', tier: 'file' },
      { name: 'standard', tier: 'standard' },
    ],
    internalLoadBalancer: { 'networking.gke.io/load-balancer-type': 'Internal' },
    ingressClasses: [
      { name: 'gce', role: 'public' },
      { name: 'gce-internal', role: 'internal' },
    ],
  },
  eks: {
    storageClasses: [
      { name: 'gp3', tier: 'standard' },
      { name: 'gp2', tier: 'standard', default: true },
      { name: 'io2', tier: 'premium' },
      { name: 'efs-sc', tier: 'file' },
    ],
    internalLoadBalancer: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
    ingressClasses: [
      { name: 'alb', role: 'public' },
      { name: 'alb-internal', role: 'internal' },
    ],
  },
};

export const isManagedCloud = (cloud: Cloud | undefined): cloud is ManagedCloud => !!cloud && cloud !== 'other';

/** Every annotation key that makes a Service an internal load balancer on some cloud. */
export const internalLoadBalancerKeys = new Set(Object.values(cloudProfiles).flatMap((p) => Object.keys(p.internalLoadBalancer)));

/** Whether a Service's annotations ask some cloud for an internal load balancer (the first annotation of a profile is its marker). */
export function isInternalLoadBalancer(annotations: Record<string, string>): boolean {
  return Object.values(cloudProfiles).some((p) => {
    const [key, value] = Object.entries(p.internalLoadBalancer)[0];
    return annotations[key]?.toLowerCase() === value.toLowerCase();
  });
}

function pick<T extends { name: string }>(items: T[], match: (item: T) => boolean): string | undefined {
  return items.find(match)?.name;
}

/**
 * Default mappings from one cloud to another: each storage class to the target's class of the same
 * tier (premium SSD → premium SSD), each ingress class to the target's class of the same role.
 * The user edits them; only classes that change name appear.
 */
export function defaultCloudMappings(from: Cloud, to: Cloud): { storageClasses: Record<string, string>; ingressClasses: Record<string, string> } {
  const storageClasses: Record<string, string> = {};
  const ingressClasses: Record<string, string> = {};
  if (!isManagedCloud(from) || !isManagedCloud(to) || from === to) return { storageClasses, ingressClasses };
  const source = cloudProfiles[from];
  const target = cloudProfiles[to];
  for (const sc of source.storageClasses) {
    storageClasses[sc.name] = pick(target.storageClasses, (t) => t.tier === sc.tier) ?? pick(target.storageClasses, (t) => !!t.default)!;
  }
  for (const ic of source.ingressClasses) ingressClasses[ic.name] = pick(target.ingressClasses, (t) => t.role === ic.role)!;
  return { storageClasses, ingressClasses };
}
