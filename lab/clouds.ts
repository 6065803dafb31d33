import type { LabCloud } from './config.ts';

/** What makes each lab cluster look like its cloud (DESIGN.md §3). */
export interface CloudFlavour {
  region: string;
  zones: string[];
  instanceType: string;
  nodeName(i: number): string;
  providerID(i: number, zone: string): string;
  nodeLabels: Record<string, string>;
  storageClasses: { name: string; provisioner: string; parameters: Record<string, string>; default?: boolean }[];
  premiumClass: string;
  internalLb: Record<string, string>;
  ingressClass: string;
  registry: string;
}

export const flavours: Record<LabCloud, CloudFlavour> = {
  aks: {
    region: 'westeurope',
    zones: ['westeurope-1', 'westeurope-2', 'westeurope-3'],
    instanceType: 'Standard_D4s_v5',
    nodeName: (i) => `aks-nodepool1-31415926-vmss00000${i}`,
    providerID: (i) =>
      `azure:///subscriptions/8c3f2b1e-1111-4a4a-9b9b-0123456789ab/resourceGroups/mc_fleetdeck-lab_aks-lab_westeurope/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-31415926-vmss/virtualMachines/${i}`,
    nodeLabels: { 'kubernetes.azure.com/agentpool': 'nodepool1', 'agentpool': 'nodepool1', 'kubernetes.azure.com/cluster': 'MC_fleetdeck-lab_aks-lab_westeurope', 'kubernetes.azure.com/os-sku': 'Ubuntu' },
    storageClasses: [
      { name: 'managed-csi', provisioner: 'disk.csi.azure.com', parameters: { skuname: 'StandardSSD_LRS' }, default: true },
      { name: 'managed-premium', provisioner: 'disk.csi.azure.com', parameters: { skuname: 'Premium_LRS' } },
      { name: 'azurefile-csi', provisioner: 'file.csi.azure.com', parameters: { skuName: 'Standard_LRS' } },
    ],
    premiumClass: 'managed-premium',
    internalLb: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' },
    ingressClass: 'webapprouting.kubernetes.azure.com',
    registry: 'acmelab.azurecr.io',
  },
  gke: {
    region: 'europe-west1',
    zones: ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'],
    instanceType: 'e2-standard-4',
    nodeName: (i) => `gke-gke-lab-default-pool-7f3a9c2e-${['h2kd', 'm9qx', 'z4tb'][i]}`,
    providerID: (i, zone) => `gce://acme-lab/${zone}/gke-gke-lab-default-pool-7f3a9c2e-${['h2kd', 'm9qx', 'z4tb'][i]}`,
    nodeLabels: { 'cloud.google.com/gke-nodepool': 'default-pool', 'cloud.google.com/gke-os-distribution': 'cos', 'cloud.google.com/machine-family': 'e2' },
    storageClasses: [
      { name: 'standard-rwo', provisioner: 'pd.csi.storage.gke.io', parameters: { type: 'pd-balanced' }, default: true },
      { name: 'premium-rwo', provisioner: 'pd.csi.storage.gke.io', parameters: { type: 'pd-ssd' } },
      { name: 'standard', provisioner: 'kubernetes.io/gce-pd', parameters: { type: 'pd-standard' } },
    ],
    premiumClass: 'premium-rwo',
    internalLb: { 'networking.gke.io/load-balancer-type': 'Internal' },
    ingressClass: 'gce',
    registry: 'europe-west1-docker.pkg.dev/acme-lab/apps',
  },
  eks: {
    region: 'eu-west-1',
    zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    instanceType: 'm5.xlarge',
    nodeName: (i) => `ip-10-0-${i + 1}-${[23, 147, 201][i]}.eu-west-1.compute.internal`,
    providerID: (i, zone) => `aws:///${zone}/i-0${['4f1c2a9b7e3d5061', '9a2b3c4d5e6f7081', '1b2c3d4e5f607182'][i]}`,
    nodeLabels: { 'eks.amazonaws.com/nodegroup': 'ng-general', 'eks.amazonaws.com/capacityType': 'ON_DEMAND', 'eks.amazonaws.com/nodegroup-image': 'ami-0c1f2a3b4d5e6f708' },
    storageClasses: [
      { name: 'gp2', provisioner: 'kubernetes.io/aws-ebs', parameters: { type: 'gp2', fsType: 'ext4' }, default: true },
      { name: 'gp3', provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3', fsType: 'ext4' } },
    ],
    premiumClass: 'gp3',
    internalLb: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
    ingressClass: 'alb',
    registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  },
};
