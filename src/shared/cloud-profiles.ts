// What differs between the clouds when a workload moves (DESIGN.md §3): storage classes by tier and
// family, the internal load-balancer annotations, ingress classes. Data only; the migration's class
// choice (migration/class-choice.ts) and transforms use it.
import type { Cloud } from './cloud.ts';

/** performance, lowest first: HDD, general-purpose SSD, provisioned/fast SSD */
export const storageTiers = ['economy', 'standard', 'premium'] as const;
export type StorageTier = (typeof storageTiers)[number];
/** block disks (one node, ReadWriteOnce) or shared file storage (ReadWriteMany) */
export type StorageFamily = 'block' | 'file';
export type IngressRole = 'public' | 'internal';
export type ManagedCloud = Exclude<Cloud, 'other'>;

export interface CloudProfile {
  /** in order of preference: the first class of a tier and family is the one other clouds' classes of that tier and family are proposed */
  storageClasses: { name: string; tier: StorageTier; family: StorageFamily; default?: boolean }[];
  /** the first annotation marks a Service as internal; the others come with it */
  internalLoadBalancer: Record<string, string>;
  ingressClasses: { name: string; role: IngressRole }[];
}

export const cloudProfiles: Record<ManagedCloud, CloudProfile> = {
  aks: {
    storageClasses: [
      { name: 'managed-csi', tier: 'standard', family: 'block', default: true },
      { name: 'managed-premium', tier: 'premium', family: 'block' },
      { name: 'managed-csi-premium', tier: 'premium', family: 'block' },
      { name: 'azurefile-csi', tier: 'standard', family: 'file' },
      { name: 'azurefile-csi-premium', tier: 'premium', family: 'file' },
      { name: 'default', tier: 'standard', family: 'block' },
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
      { name: 'standard-rwo', tier: 'standard', family: 'block', default: true },
      { name: 'premium-rwo', tier: 'premium', family: 'block' },
      { name: 'standard', tier: 'economy', family: 'block' },
      { name: 'standard-rwx', tier: 'standard', family: 'file' },
      { name: 'premium-rwx', tier: 'premium', family: 'file' },
    ],
    internalLoadBalancer: { 'networking.gke.io/load-balancer-type': 'Internal' },
    ingressClasses: [
      { name: 'gce', role: 'public' },
      { name: 'gce-internal', role: 'internal' },
    ],
  },
  eks: {
    storageClasses: [
      { name: 'gp3', tier: 'standard', family: 'block' },
      { name: 'gp2', tier: 'standard', family: 'block', default: true },
      { name: 'io2', tier: 'premium', family: 'block' },
      { name: 'st1', tier: 'economy', family: 'block' },
      { name: 'efs-sc', tier: 'standard', family: 'file' },
    ],
    internalLoadBalancer: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
    ingressClasses: [
      { name: 'alb', role: 'public' },
      { name: 'alb-internal', role: 'internal' },
    ],
  },
};

/**
 * The clouds' storage provisioners (CSI drivers and the in-tree names they replaced): the family of
 * storage they give, and the StorageClass parameter that names the volume type.
 */
export const storageProvisioners: Record<string, { cloud: ManagedCloud; family: StorageFamily; typeParameter?: string }> = {
  'disk.csi.azure.com': { cloud: 'aks', family: 'block', typeParameter: 'skuname' },
  'kubernetes.io/azure-disk': { cloud: 'aks', family: 'block', typeParameter: 'skuname' },
  'file.csi.azure.com': { cloud: 'aks', family: 'file', typeParameter: 'skuname' },
  'kubernetes.io/azure-file': { cloud: 'aks', family: 'file', typeParameter: 'skuname' },
  'pd.csi.storage.gke.io': { cloud: 'gke', family: 'block', typeParameter: 'type' },
  'kubernetes.io/gce-pd': { cloud: 'gke', family: 'block', typeParameter: 'type' },
  'filestore.csi.storage.gke.io': { cloud: 'gke', family: 'file' },
  'ebs.csi.aws.com': { cloud: 'eks', family: 'block', typeParameter: 'type' },
  'kubernetes.io/aws-ebs': { cloud: 'eks', family: 'block', typeParameter: 'type' },
  'efs.csi.aws.com': { cloud: 'eks', family: 'file' },
};

/** Volume types (the value of a provisioner's type parameter, lower case) by tier. */
export const volumeTypeTiers: Record<string, StorageTier> = {
  // Azure disks (skuName) and Azure Files
  standard_lrs: 'economy',
  standard_zrs: 'economy',
  standardssd_lrs: 'standard',
  standardssd_zrs: 'standard',
  premium_lrs: 'premium',
  premium_zrs: 'premium',
  premiumv2_lrs: 'premium',
  ultrassd_lrs: 'premium',
  // Google persistent disks and Hyperdisks (type)
  'pd-standard': 'economy',
  'pd-balanced': 'standard',
  'pd-ssd': 'premium',
  'pd-extreme': 'premium',
  'hyperdisk-throughput': 'economy',
  'hyperdisk-balanced': 'standard',
  'hyperdisk-extreme': 'premium',
  // Amazon EBS (type)
  sc1: 'economy',
  st1: 'economy',
  standard: 'economy',
  gp2: 'standard',
  gp3: 'standard',
  io1: 'premium',
  io2: 'premium',
};

export const isManagedCloud = (cloud: Cloud | undefined): cloud is ManagedCloud => !!cloud && cloud !== 'other';

/** Every annotation key that makes a Service an internal load balancer on some cloud. */
export const internalLoadBalancerKeys = new Set(Object.values(cloudProfiles).flatMap((p) => Object.keys(p.internalLoadBalancer)));

/** Which cloud's internal load balancer a Service's annotations ask for (the first annotation of a profile is its marker). */
export function internalLoadBalancerCloud(annotations: Record<string, string>): ManagedCloud | undefined {
  return (Object.keys(cloudProfiles) as ManagedCloud[]).find((cloud) => {
    const [key, value] = Object.entries(cloudProfiles[cloud].internalLoadBalancer)[0];
    return annotations[key]?.toLowerCase() === value.toLowerCase();
  });
}

export const isInternalLoadBalancer = (annotations: Record<string, string>): boolean => internalLoadBalancerCloud(annotations) !== undefined;
