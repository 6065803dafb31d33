// Which storage class, ingress class and load-balancer annotations each migrated object gets on the
// target (DESIGN.md §5): the cloud profile proposes, the target's own classes decide. Pure: the
// callers list the classes (from an archive, a source cluster, the target) and pass them in.
import { cloudProfiles, internalLoadBalancerCloud, isManagedCloud, storageProvisioners, storageTiers, volumeTypeTiers, type IngressRole, type ManagedCloud, type StorageFamily, type StorageTier } from '../cloud-profiles.ts';
import type { Cloud } from '../cloud.ts';
import type { KubeObject } from '../kube-object.ts';

export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/** A StorageClass as a cluster or an archive has it. */
export interface StorageClassInfo {
  name: string;
  provisioner?: string;
  parameters?: Record<string, string>;
  default?: boolean;
}

/** An IngressClass a cluster serves. */
export interface IngressClassInfo {
  name: string;
  controller?: string;
  default?: boolean;
}

type ClassObject = { metadata: { name: string; annotations?: Record<string, string> }; provisioner?: string; parameters?: Record<string, string>; spec?: { controller?: string } };

export const storageClassInfo = (o: ClassObject): StorageClassInfo => ({
  name: o.metadata.name,
  ...(o.provisioner ? { provisioner: o.provisioner } : {}),
  ...(o.parameters ? { parameters: o.parameters } : {}),
  ...(o.metadata.annotations?.[DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' ? { default: true } : {}),
});

export const ingressClassInfo = (o: ClassObject): IngressClassInfo => ({
  name: o.metadata.name,
  ...(o.spec?.controller ? { controller: o.spec.controller } : {}),
  ...(o.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true' ? { default: true } : {}),
});

export interface StorageKind {
  tier: StorageTier;
  family: StorageFamily;
  /** parameters: the volume type the class asks its provisioner for; profile: a class of that name in a cloud profile; guess: neither says */
  by: 'parameters' | 'profile' | 'guess';
}

function profileEntry<T extends { name: string }>(list: (cloud: ManagedCloud) => T[], name: string, cloud: Cloud | undefined): T | undefined {
  const clouds = Object.keys(cloudProfiles) as ManagedCloud[];
  const order = isManagedCloud(cloud) ? [cloud, ...clouds.filter((c) => c !== cloud)] : clouds;
  for (const c of order) {
    const found = list(c).find((e) => e.name === name);
    if (found) return found;
  }
  return undefined;
}

/** A class's tier and family: from the volume type its parameters ask for, else from the cloud profiles by name. */
export function storageKindOf(sc: StorageClassInfo, cloud?: Cloud): StorageKind {
  const provisioner = sc.provisioner ? storageProvisioners[sc.provisioner] : undefined;
  const profile = profileEntry((c) => cloudProfiles[c].storageClasses, sc.name, cloud);
  const family = provisioner?.family ?? profile?.family ?? (/file|rwx|efs|nfs/i.test(sc.name) ? 'file' : 'block');
  const key = provisioner?.typeParameter;
  const type = key && Object.entries(sc.parameters ?? {}).find(([k]) => k.toLowerCase() === key)?.[1];
  const tier = type ? volumeTypeTiers[type.toLowerCase()] : undefined;
  if (tier) return { tier, family, by: 'parameters' };
  if (profile) return { tier: profile.tier, family, by: 'profile' };
  return { tier: 'standard', family, by: 'guess' };
}

/** Whether two provisioners are the same driver (a CSI driver and the in-tree name it replaced count as one). */
function sameDriver(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const [pa, pb] = [storageProvisioners[a], storageProvisioners[b]];
  return a === b || (!!pa && !!pb && pa.cloud === pb.cloud && pa.family === pb.family);
}

export type ChoiceReason = 'override' | 'same-name' | 'restored' | 'same-tier' | 'same-role' | 'nearest-tier' | 'default' | 'profile' | 'kept' | 'none';

/** What one class (or one kind of internal load balancer) of the migrated objects becomes on the target. */
export interface ClassChoice {
  kind: 'storage-class' | 'ingress-class' | 'load-balancer';
  from: string;
  /** none: the target has nothing to choose from */
  to?: string;
  reason: ChoiceReason;
  fromTier?: StorageTier;
  toTier?: StorageTier;
  fromFamily?: StorageFamily;
  toFamily?: StorageFamily;
  fromRole?: IngressRole;
  toRole?: IngressRole;
  /** a lower storage tier than the source's (premium → standard) */
  downgrade?: boolean;
  /** why this one, in a sentence */
  note: string;
  /** what the plan must say loudly: the chosen class is not on the target, nothing fits, or what changes for the claims */
  problem?: string;
  /** how many objects use it, and the first few ("PersistentVolumeClaim shop/data") */
  count: number;
  users: string[];
}

type Choice = Omit<ClassChoice, 'kind' | 'from' | 'count' | 'users'>;

const tierRank = (tier: StorageTier) => storageTiers.indexOf(tier);
const listNames = (names: string[]) => names.join(', ') || 'none';

/**
 * The class a source storage class becomes on the target: an override if given; the same name if
 * the target has it (or the restore brings it from the archive); else the target's class of the same
 * tier and family, then the nearest tier of the same family, then the target's default. Among equals,
 * the same driver, then the target cloud profile's order, then the default, then the name.
 */
export function chooseStorageClass(
  from: StorageClassInfo,
  target: StorageClassInfo[],
  options: { sourceCloud?: Cloud; targetCloud?: Cloud; override?: string; restorable?: boolean } = {},
): Choice {
  const source = storageKindOf(from, options.sourceCloud);
  const kinds = new Map(target.map((t) => [t.name, storageKindOf(t, options.targetCloud)]));
  const fromFields = { fromTier: source.tier, fromFamily: source.family };
  const chosen = (to: StorageClassInfo, reason: ChoiceReason, note: string): Choice => {
    const kind = kinds.get(to.name)!;
    const downgrade = tierRank(kind.tier) < tierRank(source.tier);
    const familyChange = kind.family !== source.family;
    const problem = familyChange
      ? source.family === 'file'
        ? `${to.name} is block storage: claims that ask for ReadWriteMany will not bind`
        : `${to.name} is shared file storage, not a block disk`
      : undefined;
    return { to: to.name, reason, ...fromFields, toTier: kind.tier, toFamily: kind.family, ...(downgrade ? { downgrade } : {}), note, ...(problem ? { problem } : {}) };
  };
  const describe = (tier: StorageTier, family: StorageFamily) => `${tier} ${family}`;

  if (options.override) {
    const to = target.find((t) => t.name === options.override);
    if (to) return chosen(to, 'override', 'chosen by the user');
    return { to: options.override, reason: 'override', ...fromFields, note: 'chosen by the user', problem: `storage class ${options.override} does not exist on the target (it has ${listNames(target.map((t) => t.name))})` };
  }
  const same = target.find((t) => t.name === from.name);
  if (same) return chosen(same, 'same-name', 'the target has a class of that name');
  if (options.restorable) return { to: from.name, reason: 'restored', ...fromFields, toTier: source.tier, toFamily: source.family, note: 'created on the target from the archive (same cloud)' };
  if (!target.length) return { reason: 'none', ...fromFields, note: 'the target has no storage class', problem: 'the target has no storage class at all' };

  const profileOrder = isManagedCloud(options.targetCloud) ? cloudProfiles[options.targetCloud].storageClasses.map((s) => s.name) : [];
  const preference = (t: StorageClassInfo) => {
    const index = profileOrder.indexOf(t.name);
    return [sameDriver(t.provisioner, from.provisioner) ? 0 : 1, index < 0 ? profileOrder.length : index, t.default ? 0 : 1];
  };
  const best = (list: StorageClassInfo[], distance: (t: StorageClassInfo) => number = () => 0) =>
    [...list].sort((a, b) => {
      const [pa, pb] = [[distance(a), ...preference(a)], [distance(b), ...preference(b)]];
      const i = pa.findIndex((v, k) => v !== pb[k]);
      return i >= 0 ? pa[i] - pb[i] : a.name.localeCompare(b.name);
    })[0];
  const sourceKind = describe(source.tier, source.family);

  const sameTier = target.filter((t) => kinds.get(t.name)!.tier === source.tier && kinds.get(t.name)!.family === source.family);
  if (sameTier.length) return chosen(best(sameTier), 'same-tier', `the target's ${sourceKind} class`);
  // nearest tier; at equal distance the higher one, so that nothing gets slower than it must
  const distance = (t: StorageClassInfo) => 2 * Math.abs(tierRank(kinds.get(t.name)!.tier) - tierRank(source.tier)) + (tierRank(kinds.get(t.name)!.tier) < tierRank(source.tier) ? 1 : 0);
  const sameFamily = target.filter((t) => kinds.get(t.name)!.family === source.family);
  if (sameFamily.length) {
    const to = best(sameFamily, distance);
    return chosen(to, 'nearest-tier', `the target has no ${sourceKind} class; ${kinds.get(to.name)!.tier} is the nearest tier`);
  }
  const fallback = target.find((t) => t.default);
  if (fallback) return chosen(fallback, 'default', `the target has no ${source.family} storage; its default class`);
  const to = best(target, distance);
  return chosen(to, 'nearest-tier', `the target has no ${source.family} storage and no default class; the nearest tier`);
}

/** Whether an ingress class serves internal or public traffic: by the cloud profiles, else by its name. */
export function ingressRoleOf(name: string, cloud?: Cloud): IngressRole {
  return profileEntry((c) => cloudProfiles[c].ingressClasses, name, cloud)?.role ?? (/internal|private/i.test(name) ? 'internal' : 'public');
}

/**
 * The class a source ingress class becomes: an override; the same name if the target serves it; else
 * a class the target serves for the same role (public or internal: an internal Ingress never becomes
 * public), the profile's first, then the default. When nothing fits, or the target serves no
 * IngressClass (or could not be asked: `target` undefined), the cloud profile's class of that role
 * for a cross-cloud move, else the name as it was, and the choice says so.
 */
export function chooseIngressClass(from: string, target: IngressClassInfo[] | undefined, options: { sourceCloud?: Cloud; targetCloud?: Cloud; override?: string } = {}): Choice {
  const fromRole = ingressRoleOf(from, options.sourceCloud);
  const served = target?.map((t) => t.name) ?? [];
  const role = (name: string) => ingressRoleOf(name, options.targetCloud);
  if (options.override) {
    const missing = target && !served.includes(options.override);
    return { to: options.override, reason: 'override', fromRole, toRole: role(options.override), note: 'chosen by the user', ...(missing ? { problem: `the target serves no IngressClass ${options.override} (it serves ${listNames(served)}): the Ingress is not served until one exists` } : {}) };
  }
  if (served.includes(from)) return { to: from, reason: 'same-name', fromRole, toRole: role(from), note: 'the target serves a class of that name' };
  const profile = isManagedCloud(options.targetCloud) ? cloudProfiles[options.targetCloud].ingressClasses : [];
  const fits = (target ?? []).filter((t) => role(t.name) === fromRole);
  if (fits.length) {
    const rank = (t: IngressClassInfo) => {
      const index = profile.findIndex((p) => p.name === t.name);
      return [index < 0 ? profile.length : index, t.default ? 0 : 1];
    };
    const to = [...fits].sort((a, b) => rank(a)[0] - rank(b)[0] || rank(a)[1] - rank(b)[1] || a.name.localeCompare(b.name))[0];
    return { to: to.name, reason: to.default && rank(to)[0] === profile.length ? 'default' : 'same-role', fromRole, toRole: fromRole, note: `the target's ${fromRole} ingress class` };
  }
  const crossCloud = isManagedCloud(options.targetCloud) && options.targetCloud !== options.sourceCloud;
  const proposal = crossCloud ? profile.find((p) => p.role === fromRole)?.name : undefined;
  const why = !target
    ? 'the target\'s IngressClasses could not be listed'
    : target.length
      ? `nothing fits: the target serves ${listNames(served)}, none for ${fromRole} traffic`
      : 'the target serves no IngressClass';
  return proposal
    ? { to: proposal, reason: 'profile', fromRole, toRole: fromRole, note: `the ${options.targetCloud!.toUpperCase()} profile's ${fromRole} class`, problem: `${why}; ${proposal} (the cloud profile's) is set, and the Ingress is not served until the target has that class` }
    : { to: from, reason: 'kept', fromRole, toRole: fromRole, note: 'left as it was', problem: `${why}; the Ingress keeps ${from} and is not served until the target has that class` };
}

/** The classes and internal load balancers the migrated objects use, and by whom. */
export class ClassUsage {
  readonly storageClasses = new Map<string, string[]>();
  readonly ingressClasses = new Map<string, string[]>();
  /** internal load balancers, by the cloud whose annotations ask for them */
  readonly loadBalancers = new Map<ManagedCloud, string[]>();

  /** Notes what an object (as the source has it, before any transform) uses. */
  note(object: KubeObject): void {
    const spec = object.spec as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    const user = `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
    const add = <K>(map: Map<K, string[]>, key: K | undefined) => {
      if (key) map.set(key, [...(map.get(key) ?? []), user]);
    };
    if (object.kind === 'PersistentVolumeClaim' || object.kind === 'PersistentVolume') add(this.storageClasses, spec?.storageClassName as string | undefined);
    if (object.kind === 'StatefulSet') for (const t of (spec?.volumeClaimTemplates ?? []) as { spec?: { storageClassName?: string } }[]) add(this.storageClasses, t.spec?.storageClassName);
    if (object.kind === 'Ingress') {
      const named = spec?.ingressClassName as string | undefined;
      const legacy = object.metadata.annotations?.['kubernetes.io/ingress.class'];
      add(this.ingressClasses, named);
      if (legacy !== named) add(this.ingressClasses, legacy);
    }
    const annotations = object.metadata.annotations;
    if (object.kind === 'Service' && spec?.type === 'LoadBalancer' && annotations) add(this.loadBalancers, internalLoadBalancerCloud(annotations));
  }
}

export interface ClassPlanInput {
  usage: ClassUsage;
  sourceCloud?: Cloud;
  targetCloud?: Cloud;
  /** the source's StorageClasses (provisioner and parameters tell their tier); a class not among them is judged by its name */
  sourceStorageClasses: StorageClassInfo[];
  targetStorageClasses: StorageClassInfo[];
  /** undefined: the target's IngressClasses could not be listed */
  targetIngressClasses: IngressClassInfo[] | undefined;
  /** the user's choices, source class → target class */
  overrides: { storageClasses: Record<string, string>; ingressClasses: Record<string, string> };
  /** source classes the restore itself creates on the target (from the archive, same cloud) */
  restorable?: Set<string>;
}

export interface ClassPlan {
  choices: ClassChoice[];
  /** source → target, only the classes whose name changes */
  storageClasses: Record<string, string>;
  ingressClasses: Record<string, string>;
}

const MAX_USERS = 3;

/** Every class the objects use, chosen on the target; the maps the transforms apply. */
export function planClasses(input: ClassPlanInput): ClassPlan {
  const { usage, sourceCloud, targetCloud, overrides } = input;
  const clouds = { ...(sourceCloud ? { sourceCloud } : {}), ...(targetCloud ? { targetCloud } : {}) };
  const choices: ClassChoice[] = [];
  const maps = { storageClasses: {} as Record<string, string>, ingressClasses: {} as Record<string, string> };
  const push = (kind: ClassChoice['kind'], from: string, users: string[], choice: Choice, map?: Record<string, string>) => {
    choices.push({ kind, from, ...choice, count: users.length, users: users.slice(0, MAX_USERS) });
    if (map && choice.to && choice.to !== from) map[from] = choice.to;
  };
  for (const [name, users] of [...usage.storageClasses].sort(([a], [b]) => a.localeCompare(b))) {
    const info = input.sourceStorageClasses.find((s) => s.name === name) ?? { name };
    const override = overrides.storageClasses[name];
    const choice = chooseStorageClass(info, input.targetStorageClasses, { ...clouds, ...(override ? { override } : {}), restorable: input.restorable?.has(name) ?? false });
    push('storage-class', name, users, choice, maps.storageClasses);
  }
  for (const [name, users] of [...usage.ingressClasses].sort(([a], [b]) => a.localeCompare(b))) {
    const override = overrides.ingressClasses[name];
    push('ingress-class', name, users, chooseIngressClass(name, input.targetIngressClasses, { ...clouds, ...(override ? { override } : {}) }), maps.ingressClasses);
  }
  for (const [cloud, users] of usage.loadBalancers) {
    const from = Object.entries(cloudProfiles[cloud].internalLoadBalancer).map(([k, v]) => `${k}: ${v}`).join(', ');
    if (isManagedCloud(targetCloud)) {
      const to = Object.entries(cloudProfiles[targetCloud].internalLoadBalancer).map(([k, v]) => `${k}: ${v}`).join(', ');
      push('load-balancer', from, users, { to, reason: cloud === targetCloud ? 'same-name' : 'profile', note: `the ${targetCloud.toUpperCase()} internal load-balancer annotations` });
    } else {
      push('load-balancer', from, users, { to: from, reason: 'kept', note: 'left as they are', problem: `the target's cloud is unknown, so these ${cloud.toUpperCase()} annotations are kept and its load balancer may be public; name the cloud (--target-cloud)` });
    }
  }
  return { choices, ...maps };
}
