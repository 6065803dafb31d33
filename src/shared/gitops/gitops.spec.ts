import { describe, expect, it } from 'vitest';
import { actionPatch, actionProblem, actionSettled, ownedBy, sourceOf } from './actions.ts';
import { needsAttention, toGitOpsApp } from './status.ts';

const app = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'shop', namespace: 'argocd' },
  spec: { project: 'default', source: { repoURL: 'https://git.example/fleet.git', path: 'overlays/eks', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc' } },
  status: {
    sync: { status: 'OutOfSync', revision: 'abc123' },
    health: { status: 'Degraded', message: 'Deployment "web" exceeded its progress deadline' },
    conditions: [{ type: 'SyncError', message: 'admission webhook denied the request' }],
    operationState: { phase: 'Failed', message: 'one or more objects failed to apply', startedAt: '2026-11-26T10:00:00Z', finishedAt: '2026-11-26T10:01:00Z' },
    resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web', status: 'OutOfSync', health: { status: 'Degraded' } }],
    history: [{ id: 1, revision: 'abc000', deployedAt: '2026-11-25T10:00:00Z' }],
  },
};

const kustomization = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'apps', namespace: 'flux-system', generation: 3 },
  spec: { interval: '10m', path: './apps/eks', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' } },
  status: {
    observedGeneration: 3,
    conditions: [{ type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'kustomize build failed', lastTransitionTime: '2026-11-26T09:00:00Z' }],
    lastAppliedRevision: 'main@sha1:1234',
    inventory: { entries: [{ id: 'shop_web_apps_Deployment', v: 'v1' }, { id: '_shop__Namespace', v: 'v1' }] },
  },
};

describe('GitOps rows', () => {
  it('reads an Argo CD Application: source, sync, health, revision, message, resources, history', () => {
    const row = toGitOpsApp('eks-lab', 'Application', app);
    expect(row).toMatchObject({
      context: 'eks-lab',
      source: { repo: 'https://git.example/fleet.git', path: 'overlays/eks', targetRevision: 'main' },
      sync: 'OutOfSync',
      health: 'Degraded',
      revision: 'abc123',
      suspended: false,
      lastAppliedAt: '2026-11-26T10:01:00Z',
      resources: [{ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web', status: 'OutOfSync', health: 'Degraded' }],
      history: [{ revision: 'abc000', at: '2026-11-25T10:00:00Z' }],
    });
    expect(row.message).toBe('Deployment "web" exceeded its progress deadline; admission webhook denied the request; one or more objects failed to apply');
  });

  it('reads a Flux Kustomization: Ready condition and reason, kstatus, inventory', () => {
    const row = toGitOpsApp('aks-lab', 'Kustomization', kustomization);
    expect(row).toMatchObject({ sync: 'NotReady', reason: 'BuildFailed', health: 'Failed', revision: 'main@sha1:1234', source: { repo: 'GitRepository/fleet', path: './apps/eks' }, message: 'kustomize build failed' });
    expect(row.resources).toEqual([
      { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' },
      { group: '', kind: 'Namespace', namespace: undefined, name: 'shop' },
    ]);
    const suspended = toGitOpsApp('aks-lab', 'Kustomization', { ...kustomization, spec: { ...kustomization.spec, suspend: true } });
    expect(suspended).toMatchObject({ suspended: true, health: 'Suspended' });
    const reconciling = toGitOpsApp('aks-lab', 'Kustomization', { ...kustomization, metadata: { ...kustomization.metadata, generation: 4 }, status: { ...kustomization.status, conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded' }] } });
    expect(reconciling.health).toBe('InProgress');
  });

  it('never crashes on a malformed status: what cannot be read is Unknown', () => {
    for (const status of [undefined, null, 'garbage', { sync: 'yes', health: [], conditions: 'none', resources: {}, inventory: { entries: 'x' } }]) {
      expect(toGitOpsApp('c', 'Application', { ...app, status })).toMatchObject({ sync: 'Unknown', health: 'Unknown', resources: [] });
      expect(toGitOpsApp('c', 'Kustomization', { ...kustomization, status })).toMatchObject({ sync: 'Unknown', health: 'Unknown', resources: [] });
    }
    expect(toGitOpsApp('c', 'HelmRelease', 42)).toMatchObject({ name: '', sync: 'Unknown' });
  });

  it('says what needs attention, one way for every screen; a suspended object is suspended, not failing', () => {
    const healthy = toGitOpsApp('c', 'Application', { ...app, status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } } });
    const progressing = toGitOpsApp('c', 'Application', { ...app, status: { sync: { status: 'Synced' }, health: { status: 'Progressing' } } });
    const outOfSync = toGitOpsApp('c', 'Application', { ...app, status: { sync: { status: 'OutOfSync' }, health: { status: 'Healthy' } } });
    const failing = toGitOpsApp('c', 'Kustomization', kustomization);
    // suspended after a failed build: the Ready condition still says so, but nothing runs until it is resumed
    const suspended = toGitOpsApp('c', 'Kustomization', { ...kustomization, spec: { ...kustomization.spec, suspend: true } });
    expect([failing, outOfSync, progressing, suspended, healthy].map((a) => a.attention)).toEqual(['failing', 'out-of-sync', 'pending', 'suspended', 'ok']);
    expect(toGitOpsApp('c', 'Application', app).attention).toBe('failing');
    expect([failing, outOfSync, progressing, suspended, healthy].map(needsAttention)).toEqual([true, true, true, false, false]);
  });
});

describe('GitOps actions', () => {
  it('writes what Argo CD and Flux expect', () => {
    expect(actionPatch('Application', 'sync', 'T', { prune: true })).toMatchObject({ operation: { initiatedBy: { username: 'fleetdeck' }, sync: { prune: true } } });
    expect(actionPatch('Application', 'refresh', 'T', { hard: true })).toEqual({ metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } });
    expect(actionPatch('ApplicationSet', 'refresh', 'T')).toEqual({ metadata: { annotations: { 'argocd.argoproj.io/application-set-refresh': 'true' } } });
    expect(actionPatch('Kustomization', 'reconcile', '2026-11-26T10:00:00.000Z')).toEqual({ metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': '2026-11-26T10:00:00.000Z' } } });
    expect(actionPatch('Kustomization', 'suspend', 'T')).toEqual({ spec: { suspend: true } });
    expect(actionPatch('HelmRelease', 'resume', 'T')).toEqual({ spec: { suspend: false }, metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'T' } } });
  });

  it('refuses what does not apply', () => {
    expect(actionProblem('Kustomization', 'sync', kustomization)).toMatch(/Argo CD action; Kustomization is reconciled instead/);
    expect(actionProblem('Application', 'suspend', app)).toMatch(/no suspend/);
    expect(actionProblem('Application', 'sync', { ...app, operation: { sync: {} } })).toMatch(/already running/);
    expect(actionProblem('ApplicationSet', 'refresh', {}, { hard: true })).toMatch(/hard refresh is for Applications/);
    expect(actionProblem('ApplicationSet', 'sync', {})).toBeUndefined();
    expect(actionProblem('Kustomization', 'resume', kustomization)).toMatch(/not suspended/);
    expect(actionProblem('Kustomization', 'reconcile', { ...kustomization, spec: { suspend: true } })).toMatch(/resume it first/);
    expect(actionProblem('Kustomization', 'reconcile', kustomization)).toBeUndefined();
  });

  it('knows when the controller has acted', () => {
    expect(actionSettled('Kustomization', 'reconcile', { status: { lastHandledReconcileAt: 'T1' } }, 'T1')).toBe(true);
    expect(actionSettled('Kustomization', 'reconcile', { status: { lastHandledReconcileAt: 'T0' } }, 'T1')).toBe(false);
    expect(actionSettled('Application', 'refresh', { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } }, 'T')).toBe(false);
    expect(actionSettled('ApplicationSet', 'refresh', { metadata: { annotations: { 'argocd.argoproj.io/application-set-refresh': 'true' } } }, 'T')).toBe(false);
    expect(actionSettled('ApplicationSet', 'refresh', { metadata: { annotations: {} } }, 'T')).toBe(true);
    expect(actionSettled('Application', 'sync', { operation: {}, status: {} }, '2026-11-26T10:00:00Z')).toBe(false);
    expect(actionSettled('Application', 'sync', { status: { operationState: { startedAt: '2026-11-26T10:00:01Z' } } }, '2026-11-26T10:00:00Z')).toBe(true);
    expect(sourceOf('Kustomization', kustomization)).toEqual({ kind: 'GitRepository', name: 'fleet', namespace: undefined });
  });

  it("finds an ApplicationSet's Applications by owner uid, not by name", () => {
    const set = { metadata: { name: 'platform', uid: 'u1' } };
    const owned = { metadata: { name: 'platform-aks', ownerReferences: [{ kind: 'ApplicationSet', name: 'platform', uid: 'u1' }] } };
    const stale = { metadata: { name: 'platform-old', ownerReferences: [{ kind: 'ApplicationSet', name: 'platform', uid: 'u0' }] } };
    expect(ownedBy([owned, stale, app, 'garbage'], set)).toEqual([owned]);
  });
});
