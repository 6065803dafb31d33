import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube-object.ts';
import { chooseIngressClass, chooseStorageClass, ClassUsage, planClasses, storageClassInfo, storageKindOf, type StorageClassInfo } from './class-choice.ts';

// the classes of a default cluster of each cloud, as the lab seeds them
const aks: StorageClassInfo[] = [
  { name: 'managed-csi', provisioner: 'disk.csi.azure.com', parameters: { skuname: 'StandardSSD_LRS' }, default: true },
  { name: 'managed-premium', provisioner: 'disk.csi.azure.com', parameters: { skuname: 'Premium_LRS' } },
  { name: 'azurefile-csi', provisioner: 'file.csi.azure.com', parameters: { skuName: 'Standard_LRS' } },
];
const gke: StorageClassInfo[] = [
  { name: 'standard-rwo', provisioner: 'pd.csi.storage.gke.io', parameters: { type: 'pd-balanced' }, default: true },
  { name: 'premium-rwo', provisioner: 'pd.csi.storage.gke.io', parameters: { type: 'pd-ssd' } },
  { name: 'standard', provisioner: 'kubernetes.io/gce-pd', parameters: { type: 'pd-standard' } },
];
const eks: StorageClassInfo[] = [
  { name: 'gp2', provisioner: 'kubernetes.io/aws-ebs', parameters: { type: 'gp2', fsType: 'ext4' }, default: true },
  { name: 'gp3', provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3', fsType: 'ext4' } },
];
const byName = (list: StorageClassInfo[], name: string) => list.find((s) => s.name === name)!;
const aksToEks = { sourceCloud: 'aks', targetCloud: 'eks' } as const;

describe('storage tiers and families', () => {
  it('reads the tier from the volume type a class asks for, whatever its name', () => {
    expect(storageKindOf(byName(aks, 'managed-premium'))).toEqual({ tier: 'premium', family: 'block', by: 'parameters' });
    expect(storageKindOf(byName(gke, 'standard'))).toEqual({ tier: 'economy', family: 'block', by: 'parameters' });
    expect(storageKindOf({ name: 'fast', provisioner: 'ebs.csi.aws.com', parameters: { type: 'io2' } })).toEqual({ tier: 'premium', family: 'block', by: 'parameters' });
    expect(storageKindOf(byName(aks, 'azurefile-csi')).family).toBe('file');
  });

  it('falls back to the cloud profiles by name, then to a guess', () => {
    expect(storageKindOf({ name: 'premium-rwo' })).toEqual({ tier: 'premium', family: 'block', by: 'profile' });
    expect(storageKindOf({ name: 'standard-rwx' })).toEqual({ tier: 'standard', family: 'file', by: 'profile' });
    expect(storageKindOf({ name: 'team-nfs' })).toEqual({ tier: 'standard', family: 'file', by: 'guess' });
  });

  it('reads a class from its object, the default annotation included', () => {
    const object = { metadata: { name: 'gp2', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'kubernetes.io/aws-ebs', parameters: { type: 'gp2' } };
    expect(storageClassInfo(object)).toEqual({ name: 'gp2', provisioner: 'kubernetes.io/aws-ebs', parameters: { type: 'gp2' }, default: true });
  });
});

describe('choosing a storage class on the target', () => {
  it('takes the class of the same tier and family, the profile’s first among equals', () => {
    expect(chooseStorageClass(byName(aks, 'managed-csi'), eks, aksToEks)).toMatchObject({ to: 'gp3', reason: 'same-tier', fromTier: 'standard', toTier: 'standard' });
    expect(chooseStorageClass(byName(aks, 'managed-premium'), gke, { sourceCloud: 'aks', targetCloud: 'gke' })).toMatchObject({ to: 'premium-rwo', reason: 'same-tier' });
    expect(chooseStorageClass(byName(aks, 'managed-premium'), gke).downgrade).toBeUndefined();
  });

  it('prefers the same driver among classes of the same tier, then the default', () => {
    const target: StorageClassInfo[] = [{ name: 'fast-b', provisioner: 'disk.csi.azure.com', parameters: { skuName: 'Premium_ZRS' } }, { name: 'fast-a', provisioner: 'pd.csi.storage.gke.io', parameters: { type: 'pd-ssd' }, default: true }];
    expect(chooseStorageClass(byName(aks, 'managed-premium'), target).to).toBe('fast-b');
    expect(chooseStorageClass({ name: 'x', provisioner: 'ebs.csi.aws.com', parameters: { type: 'io1' } }, target).to).toBe('fast-a');
  });

  it('goes to the nearest tier when the target has none of the same, and says it is a downgrade', () => {
    // the user's case: AKS premium disks onto an EKS cluster with gp2 and gp3 only
    const choice = chooseStorageClass(byName(aks, 'managed-premium'), eks, aksToEks);
    expect(choice).toMatchObject({ to: 'gp3', reason: 'nearest-tier', fromTier: 'premium', toTier: 'standard', downgrade: true });
    expect(choice.note).toBe('the target has no premium block class; standard is the nearest tier');
    // one tier away on either side: the higher one, so that nothing gets slower than it must
    const spread = [{ name: 'hdd', provisioner: 'ebs.csi.aws.com', parameters: { type: 'st1' } }, { name: 'ssd', provisioner: 'ebs.csi.aws.com', parameters: { type: 'io2' } }];
    const between = chooseStorageClass({ name: 'mid', provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3' } }, spread);
    expect(between).toMatchObject({ to: 'ssd', toTier: 'premium' });
    expect(between.downgrade).toBeUndefined();
    expect(chooseStorageClass(byName(gke, 'standard'), eks, { sourceCloud: 'gke', targetCloud: 'eks' })).toMatchObject({ to: 'gp3', fromTier: 'economy', toTier: 'standard' });
  });

  it('falls back to the target’s default class when it has nothing of the family, and says what changes', () => {
    const choice = chooseStorageClass(byName(aks, 'azurefile-csi'), eks, aksToEks);
    expect(choice).toMatchObject({ to: 'gp2', reason: 'default', fromFamily: 'file', toFamily: 'block' });
    expect(choice.problem).toBe('gp2 is block storage: claims that ask for ReadWriteMany will not bind');
    // no default either: the nearest tier of another family
    expect(chooseStorageClass(byName(aks, 'azurefile-csi'), eks.map(({ default: _, ...s }) => s), aksToEks)).toMatchObject({ to: 'gp3', reason: 'nearest-tier' });
  });

  it('keeps a class the target has by name, or that the restore brings from the archive', () => {
    expect(chooseStorageClass(byName(eks, 'gp2'), eks, { sourceCloud: 'eks', targetCloud: 'eks' })).toMatchObject({ to: 'gp2', reason: 'same-name' });
    expect(chooseStorageClass({ name: 'team-fast', provisioner: 'ebs.csi.aws.com', parameters: { type: 'io2' } }, eks, { restorable: true })).toMatchObject({ to: 'team-fast', reason: 'restored' });
  });

  it('has nothing to choose when the target has no storage class at all', () => {
    expect(chooseStorageClass(byName(aks, 'managed-csi'), [], aksToEks)).toMatchObject({ reason: 'none', problem: 'the target has no storage class at all' });
  });

  it('takes the user’s class, and names it when the target lacks it', () => {
    expect(chooseStorageClass(byName(aks, 'managed-premium'), eks, { ...aksToEks, override: 'gp2' })).toMatchObject({ to: 'gp2', reason: 'override', downgrade: true });
    expect(chooseStorageClass(byName(aks, 'managed-premium'), eks, { ...aksToEks, override: 'io2' })).toMatchObject({ to: 'io2', reason: 'override', problem: 'storage class io2 does not exist on the target (it has gp2, gp3)' });
  });
});

describe('choosing an ingress class', () => {
  it('takes a class the target serves for the same role, the profile’s first', () => {
    const served = [{ name: 'nginx' }, { name: 'alb-internal' }, { name: 'alb' }];
    expect(chooseIngressClass('webapprouting.kubernetes.azure.com', served, aksToEks)).toMatchObject({ to: 'alb', reason: 'same-role', fromRole: 'public' });
    expect(chooseIngressClass('nginx-internal', served, aksToEks)).toMatchObject({ to: 'alb-internal', toRole: 'internal' });
    expect(chooseIngressClass('nginx', served, aksToEks)).toMatchObject({ to: 'nginx', reason: 'same-name' });
    expect(chooseIngressClass('gce', [{ name: 'traefik' }, { name: 'haproxy', default: true }], { sourceCloud: 'gke', targetCloud: 'other' })).toMatchObject({ to: 'haproxy', reason: 'default' });
  });

  it('never makes an internal Ingress public: it says nothing fits', () => {
    const choice = chooseIngressClass('gce-internal', [{ name: 'alb', default: true }], { sourceCloud: 'gke', targetCloud: 'eks' });
    expect(choice).toMatchObject({ to: 'alb-internal', reason: 'profile', toRole: 'internal' });
    expect(choice.problem).toBe("nothing fits: the target serves alb, none for internal traffic; alb-internal (the cloud profile's) is set, and the Ingress is not served until the target has that class");
  });

  it('uses the cloud profile when the target serves no IngressClass, and keeps the name when there is no profile to ask', () => {
    expect(chooseIngressClass('webapprouting.kubernetes.azure.com', [], aksToEks)).toMatchObject({ to: 'alb', reason: 'profile', problem: expect.stringContaining('the target serves no IngressClass') });
    expect(chooseIngressClass('nginx', undefined, { sourceCloud: 'aks', targetCloud: 'other' })).toMatchObject({ to: 'nginx', reason: 'kept', problem: expect.stringContaining('could not be listed') });
  });

  it('takes the user’s class, and says when the target does not serve it', () => {
    expect(chooseIngressClass('gce', [{ name: 'alb' }], { ...aksToEks, override: 'nginx' })).toMatchObject({ to: 'nginx', reason: 'override', problem: expect.stringContaining('serves no IngressClass nginx') });
  });
});

describe('a plan for the objects of a migration', () => {
  const obj = (kind: string, name: string, rest: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'shop' }, ...rest });
  const usage = new ClassUsage();
  usage.note(obj('PersistentVolumeClaim', 'data', { spec: { storageClassName: 'managed-premium' } }));
  usage.note(obj('StatefulSet', 'db', { spec: { volumeClaimTemplates: [{ spec: { storageClassName: 'managed-premium' } }, { spec: { storageClassName: 'managed-csi' } }] } }));
  usage.note(obj('PersistentVolumeClaim', 'static', { spec: { storageClassName: '' } }));
  usage.note(obj('Ingress', 'web', { spec: { ingressClassName: 'webapprouting.kubernetes.azure.com' } }));
  usage.note(obj('Service', 'internal', { metadata: { name: 'internal', namespace: 'shop', annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } }, spec: { type: 'LoadBalancer' } }));
  usage.note(obj('Service', 'public', { spec: { type: 'LoadBalancer' } }));
  const input = { usage, sourceStorageClasses: aks, targetStorageClasses: eks, targetIngressClasses: [], overrides: { storageClasses: {}, ingressClasses: {} } };

  it('lists every class in use with its users, and maps only the classes whose name changes', () => {
    const plan = planClasses({ ...input, ...aksToEks });
    expect(plan.choices.map((c) => [c.kind, c.from, c.to, c.count])).toEqual([
      ['storage-class', 'managed-csi', 'gp3', 1],
      ['storage-class', 'managed-premium', 'gp3', 2],
      ['ingress-class', 'webapprouting.kubernetes.azure.com', 'alb', 1],
      ['load-balancer', 'service.beta.kubernetes.io/azure-load-balancer-internal: true', 'service.beta.kubernetes.io/aws-load-balancer-scheme: internal, service.beta.kubernetes.io/aws-load-balancer-type: nlb', 1],
    ]);
    expect(plan.choices[1]).toMatchObject({ users: ['PersistentVolumeClaim shop/data', 'StatefulSet shop/db'], downgrade: true });
    expect(plan.storageClasses).toEqual({ 'managed-csi': 'gp3', 'managed-premium': 'gp3' });
    expect(plan.ingressClasses).toEqual({ 'webapprouting.kubernetes.azure.com': 'alb' });
  });

  it('applies the user’s overrides and leaves what the target has by name', () => {
    const plan = planClasses({ ...input, ...aksToEks, overrides: { storageClasses: { 'managed-premium': 'gp2' }, ingressClasses: {} } });
    expect(plan.storageClasses['managed-premium']).toBe('gp2');
    const same = planClasses({ ...input, sourceCloud: 'aks', targetCloud: 'aks', targetStorageClasses: aks });
    expect(same.storageClasses).toEqual({});
  });

  it('says when an internal load balancer’s annotations cannot be translated', () => {
    const plan = planClasses({ ...input, sourceCloud: 'aks', targetCloud: 'other' });
    expect(plan.choices.find((c) => c.kind === 'load-balancer')).toMatchObject({ reason: 'kept', problem: expect.stringContaining('may be public') });
  });
});
