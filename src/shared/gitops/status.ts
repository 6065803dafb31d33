// Argo CD and Flux objects as one kind of row: source, sync, health, revision, suspended, message.
// The status of a custom resource is whatever its controller (or a broken one) wrote: every field
// is read defensively, and what cannot be read is "Unknown", never a crash.

export const gitopsKinds = [
  { kind: 'Application', group: 'argoproj.io', plural: 'applications', tool: 'argo' },
  { kind: 'ApplicationSet', group: 'argoproj.io', plural: 'applicationsets', tool: 'argo' },
  { kind: 'Kustomization', group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations', tool: 'flux' },
  { kind: 'HelmRelease', group: 'helm.toolkit.fluxcd.io', plural: 'helmreleases', tool: 'flux' },
  { kind: 'GitRepository', group: 'source.toolkit.fluxcd.io', plural: 'gitrepositories', tool: 'flux' },
  { kind: 'OCIRepository', group: 'source.toolkit.fluxcd.io', plural: 'ocirepositories', tool: 'flux' },
  { kind: 'HelmRepository', group: 'source.toolkit.fluxcd.io', plural: 'helmrepositories', tool: 'flux' },
] as const;

export type GitOpsKind = (typeof gitopsKinds)[number]['kind'];
export const kindInfo = (kind: GitOpsKind) => gitopsKinds.find((k) => k.kind === kind)!;

export interface GitOpsSource {
  repo?: string;
  path?: string;
  targetRevision?: string;
  chart?: string;
}

export interface ManagedResource {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: string;
  health?: string;
}

export interface GitOpsCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * What a row asks of the user, worst first: failing (degraded, failed, not ready), out of sync
 * (or missing), pending (progressing, or not known yet), suspended, ok. Suspended is a state of
 * its own, not a failure: someone stopped the controller on purpose, so nothing from Git is
 * applied until it is resumed, and the status it shows is the last one written before.
 */
export const attentionStates = ['failing', 'out-of-sync', 'pending', 'suspended', 'ok'] as const;
export type Attention = (typeof attentionStates)[number];

export interface GitOpsApp {
  /** the context the object is read and acted on through: of the cluster's contexts, the one allowed the most */
  context: string;
  /** every context of the same cluster (same API server), `context` first */
  contexts: string[];
  kind: GitOpsKind;
  apiVersion: string;
  namespace: string;
  name: string;
  source: GitOpsSource;
  /** Argo: Synced | OutOfSync | Unknown. Flux: the Ready condition, Ready | NotReady | Unknown */
  sync: string;
  /** Flux: the Ready condition's reason (ReconciliationSucceeded, BuildFailed, …) */
  reason?: string;
  /** Argo: Healthy | Progressing | Degraded | Suspended | Missing | Unknown. Flux: kstatus Current | InProgress | Failed | Unknown */
  health: string;
  revision?: string;
  lastAppliedAt?: string;
  suspended: boolean;
  message?: string;
  conditions: GitOpsCondition[];
  resources: ManagedResource[];
  history: { revision: string; at?: string }[];
  attention: Attention;
  /** set by the service when RBAC denies `context` patching the object (read only): every action is a patch, so none is offered */
  forbidden?: string;
}

type Obj = Record<string, unknown>;
/** A field that should be an object; anything else reads as an empty one. */
export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function conditionsOf(status: Obj): GitOpsCondition[] {
  return list(status.conditions).flatMap((c) => {
    const o = obj(c);
    const type = str(o.type);
    return type ? [{ type, status: str(o.status) ?? 'Unknown', reason: str(o.reason), message: str(o.message), lastTransitionTime: str(o.lastTransitionTime) }] : [];
  });
}

/** A Flux sourceRef as "Kind/name". */
const refName = (ref: unknown) => [str(obj(ref).kind), str(obj(ref).name)].filter(Boolean).join('/') || undefined;

/** What the tool's status says; the identity (context, kind, names) and the attention are added by toGitOpsApp. */
type Reading = Omit<GitOpsApp, 'context' | 'contexts' | 'kind' | 'apiVersion' | 'namespace' | 'name' | 'attention'>;

/** Flux inventory ids are `<namespace>_<name>_<group>_<kind>`. */
function inventory(status: Obj): ManagedResource[] {
  return list(obj(status.inventory).entries).flatMap((e) => {
    const parts = str(obj(e).id)?.split('_');
    if (!parts || parts.length < 4) return [];
    const [namespace, name, group, kind] = [parts[0], parts.slice(1, -2).join('_'), parts[parts.length - 2], parts[parts.length - 1]];
    return [{ group, kind, namespace: namespace || undefined, name }];
  });
}

/** kstatus from the standard conditions, as `flux get` and kstatus compute it. */
function kstatus(conditions: GitOpsCondition[], generation: unknown, observedGeneration: unknown): string {
  const ready = conditions.find((c) => c.type === 'Ready');
  if (conditions.some((c) => c.type === 'Stalled' && c.status === 'True')) return 'Failed';
  if (conditions.some((c) => c.type === 'Reconciling' && c.status === 'True')) return 'InProgress';
  if (typeof generation === 'number' && typeof observedGeneration === 'number' && observedGeneration < generation) return 'InProgress';
  if (!ready) return 'Unknown';
  return ready.status === 'True' ? 'Current' : ready.status === 'False' ? 'Failed' : 'InProgress';
}

function argo(kind: GitOpsKind, o: Obj): Reading {
  const spec = obj(o.spec);
  const status = obj(o.status);
  const source = obj(spec.source ?? list(spec.sources)[0]);
  const sync = obj(status.sync);
  const health = obj(status.health);
  const operation = obj(status.operationState);
  // Argo's conditions carry no status: a listed condition holds
  const conditions = conditionsOf(status).map((c) => ({ ...c, status: c.status === 'Unknown' ? 'True' : c.status }));
  const errors = conditions.filter((c) => /Error|Warning/.test(c.type)).map((c) => c.message);
  const message = [str(health.message), ...errors, operation.phase !== 'Succeeded' ? str(operation.message) : undefined].filter(Boolean).join('; ') || undefined;
  const template = kind === 'ApplicationSet' ? obj(obj(obj(spec.template).spec).source) : undefined;
  return {
    source: { repo: str((template ?? source).repoURL), path: str((template ?? source).path), targetRevision: str((template ?? source).targetRevision), chart: str(source.chart) },
    sync: kind === 'ApplicationSet' ? (conditions.find((c) => c.type === 'ResourcesUpToDate')?.status === 'True' ? 'Synced' : 'Unknown') : (str(sync.status) ?? 'Unknown'),
    // newer Argo CD versions give an ApplicationSet a health; with older ones its ErrorOccurred condition tells
    health: str(health.status) ?? (kind === 'ApplicationSet' ? (conditions.some((c) => c.type === 'ErrorOccurred' && c.status === 'True') ? 'Degraded' : 'Healthy') : 'Unknown'),
    revision: str(sync.revision) ?? str(list(sync.revisions)[0]),
    lastAppliedAt: str(operation.finishedAt) ?? str(status.reconciledAt),
    suspended: false,
    message,
    conditions,
    resources: list(status.resources).flatMap((r) => {
      const x = obj(r);
      const name = str(x.name);
      return name ? [{ group: str(x.group) ?? '', kind: str(x.kind) ?? '', namespace: str(x.namespace), name, status: str(x.status), health: str(obj(x.health).status) }] : [];
    }),
    history: list(status.history).flatMap((h) => {
      const x = obj(h);
      const revision = str(x.revision) ?? str(list(x.revisions)[0]);
      return revision ? [{ revision, at: str(x.deployedAt) }] : [];
    }),
  };
}

function flux(kind: GitOpsKind, o: Obj, meta: Obj): Reading {
  const spec = obj(o.spec);
  const status = obj(o.status);
  const conditions = conditionsOf(status);
  const ready = conditions.find((c) => c.type === 'Ready');
  const chart = obj(obj(spec.chart).spec);
  const ref = obj(spec.ref);
  const source: GitOpsSource =
    kind === 'Kustomization'
      ? { repo: refName(spec.sourceRef), path: str(spec.path) }
      : kind === 'HelmRelease'
        ? { repo: refName(chart.sourceRef), chart: str(chart.chart), targetRevision: str(chart.version) }
        : { repo: str(spec.url), targetRevision: str(ref.branch) ?? str(ref.tag) ?? str(ref.semver) ?? str(ref.commit) ?? str(ref.name) };
  const artifact = obj(status.artifact);
  const history = list(status.history).flatMap((h) => {
    const x = obj(h);
    const revision = str(x.chartVersion) ?? str(x.revision);
    return revision ? [{ revision: `${revision}${typeof x.version === 'number' ? ` (release v${x.version})` : ''}`, at: str(x.lastDeployed) }] : [];
  });
  return {
    source,
    sync: !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown',
    reason: ready?.reason,
    health: spec.suspend === true ? 'Suspended' : kstatus(conditions, meta.generation, status.observedGeneration),
    revision: str(status.lastAppliedRevision) ?? str(artifact.revision) ?? str(status.lastAttemptedRevision),
    lastAppliedAt: ready?.lastTransitionTime ?? str(artifact.lastUpdateTime),
    suspended: spec.suspend === true,
    message: ready?.message,
    conditions,
    resources: inventory(status),
    history,
  };
}

/** The one definition of what needs a look, used by the service's order, the CLI and the screen's filter. */
export function attentionOf({ sync, health, suspended }: Pick<GitOpsApp, 'sync' | 'health' | 'suspended'>): Attention {
  if (suspended || health === 'Suspended') return 'suspended';
  if (health === 'Degraded' || health === 'Failed' || sync === 'NotReady') return 'failing';
  if (sync === 'OutOfSync' || health === 'Missing') return 'out-of-sync';
  if (/^(Synced|Ready)$/.test(sync) && /^(Healthy|Current)$/.test(health)) return 'ok';
  return 'pending';
}

/** Failing, out of sync or pending: a suspended object is not failing, and is not counted. */
export const needsAttention = (app: Pick<GitOpsApp, 'attention'>) => attentionStates.indexOf(app.attention) < attentionStates.indexOf('suspended');

/** One row from an Argo CD or Flux object as listed from the API server. */
export function toGitOpsApp(context: string, kind: GitOpsKind, object: unknown): GitOpsApp {
  const o = obj(object);
  const meta = obj(o.metadata);
  const identity = { context, contexts: [context], kind, apiVersion: str(o.apiVersion) ?? '', namespace: str(meta.namespace) ?? '', name: str(meta.name) ?? '' };
  const reading = kindInfo(kind).tool === 'argo' ? argo(kind, o) : flux(kind, o, meta);
  return { ...identity, ...reading, attention: attentionOf(reading) };
}
