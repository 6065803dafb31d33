// Argo CD and Flux actions as the controllers expect them through the Kubernetes API alone — what
// `argocd app sync` and `flux reconcile` write — and how to tell the controller has acted.
import { kindInfo, obj, type GitOpsKind } from './status.ts';

export const gitopsActions = ['sync', 'refresh', 'reconcile', 'suspend', 'resume'] as const;
export type GitOpsAction = (typeof gitopsActions)[number];

export interface ActionOptions {
  /** Argo sync: delete what Git no longer has */
  prune?: boolean;
  /** Argo refresh: also bust the manifest cache (repo-server) */
  hard?: boolean;
  /** Flux reconcile: the source (GitRepository, HelmRepository…) first */
  withSource?: boolean;
}

export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';
/** the ApplicationSet controller regenerates the set's Applications, then removes it */
export const APPSET_REFRESH_ANNOTATION = 'argocd.argoproj.io/application-set-refresh';
export const RECONCILE_ANNOTATION = 'reconcile.fluxcd.io/requestedAt';

/**
 * Why the action does not apply to this kind or state; undefined when it does. An ApplicationSet
 * is refreshed (its generators run again) and synced by syncing every Application it owns.
 */
export function actionProblem(kind: GitOpsKind, action: GitOpsAction, object: unknown, options: ActionOptions = {}): string | undefined {
  const tool = kindInfo(kind).tool;
  if ((action === 'sync' || action === 'refresh') && tool !== 'argo') return `${action} is an Argo CD action; ${kind} is reconciled instead`;
  if ((action === 'reconcile' || action === 'suspend' || action === 'resume') && tool !== 'flux') {
    return action === 'reconcile' ? `${kind} is Argo CD's: use refresh or sync` : `Argo CD has no ${action} for ${kind}: turn automated sync off or on in its syncPolicy instead`;
  }
  if (kind === 'ApplicationSet' && action === 'refresh' && options.hard) return 'a hard refresh is for Applications; an ApplicationSet refresh runs its generators again';
  if (action === 'sync' && kind === 'Application') {
    const o = obj(object);
    if (o.operation || obj(obj(o.status).operationState).phase === 'Running') return 'an operation is already running on this Application; wait for it or terminate it in Argo CD';
  }
  const suspended = obj(obj(object).spec).suspend === true;
  if (action === 'suspend' && suspended) return `${kind} is already suspended`;
  if (action === 'resume' && !suspended) return `${kind} is not suspended`;
  if (action === 'reconcile' && suspended) return `${kind} is suspended: resume it first`;
  return undefined;
}

/**
 * The JSON merge patch that asks the controller to act on an object of this kind; `requestedAt`
 * is an RFC 3339 timestamp. (An ApplicationSet is synced through its Applications' patches.)
 */
export function actionPatch(kind: GitOpsKind, action: GitOpsAction, requestedAt: string, options: ActionOptions = {}): Record<string, unknown> {
  switch (action) {
    case 'sync':
      return { operation: { initiatedBy: { username: 'fleetdeck' }, info: [{ name: 'Reason', value: 'sync requested from Fleetdeck' }], sync: { prune: !!options.prune } } };
    case 'refresh':
      if (kind === 'ApplicationSet') return { metadata: { annotations: { [APPSET_REFRESH_ANNOTATION]: 'true' } } };
      return { metadata: { annotations: { [REFRESH_ANNOTATION]: options.hard ? 'hard' : 'normal' } } };
    case 'reconcile':
      return { metadata: { annotations: { [RECONCILE_ANNOTATION]: requestedAt } } };
    case 'suspend':
      return { spec: { suspend: true } };
    case 'resume':
      // as `flux resume` does: unsuspend and ask for a reconciliation right away
      return { spec: { suspend: false }, metadata: { annotations: { [RECONCILE_ANNOTATION]: requestedAt } } };
  }
}

/** The Applications an ApplicationSet generated: those it owns (the controller sets itself as their owner). */
export function ownedBy(applications: unknown[], applicationSet: unknown): unknown[] {
  const uid = obj(obj(applicationSet).metadata).uid;
  return applications.filter((app) => {
    const refs = obj(obj(app).metadata).ownerReferences;
    return Array.isArray(refs) && refs.some((ref) => obj(ref).kind === 'ApplicationSet' && obj(ref).uid === uid);
  });
}

/** The source a Flux Kustomization or HelmRelease pulls from, for reconcile --with-source. */
export function sourceOf(kind: GitOpsKind, object: unknown): { kind: GitOpsKind; namespace?: string; name: string } | undefined {
  const spec = obj(obj(object).spec);
  const ref = obj(kind === 'Kustomization' ? spec.sourceRef : kind === 'HelmRelease' ? obj(obj(spec.chart).spec).sourceRef : undefined);
  const sourceKind = ref.kind as GitOpsKind | undefined;
  if (typeof ref.name !== 'string' || !sourceKind || !['GitRepository', 'OCIRepository', 'HelmRepository'].includes(sourceKind)) return undefined;
  return { kind: sourceKind, namespace: typeof ref.namespace === 'string' ? ref.namespace : undefined, name: ref.name };
}

/** Whether the controller has acted on the request made at `requestedAt` on an object of this kind. */
export function actionSettled(kind: GitOpsKind, action: GitOpsAction, object: unknown, requestedAt: string): boolean {
  const o = obj(object);
  const status = obj(o.status);
  switch (action) {
    case 'sync': {
      const started = obj(status.operationState).startedAt;
      return !o.operation && typeof started === 'string' && Date.parse(started) >= Date.parse(requestedAt) - 1_000;
    }
    case 'refresh':
      // the controller removes the annotation once it has refreshed
      return obj(obj(o.metadata).annotations)[kind === 'ApplicationSet' ? APPSET_REFRESH_ANNOTATION : REFRESH_ANNOTATION] === undefined;
    case 'suspend':
      return obj(o.spec).suspend === true;
    case 'reconcile':
    case 'resume':
      return status.lastHandledReconcileAt === requestedAt;
  }
}
