// Argo CD and Flux objects seeded in every lab cluster, under the projects' own CRDs. The lab runs
// no Argo CD or Flux controller: the tests check what each action writes, and play the controller
// themselves to check that Fleetdeck follows the object until it has acted.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { lab, labApi, labKubeconfig } from '../../../../test/lab.ts';
import { upstreamCrds } from '../../../../lab/upstream-crds.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { FileKeyStore } from '../../kube/vault.ts';
import { createServices } from '../index.ts';
import { KubeGitOpsService } from './gitops-service.ts';

const root = path.resolve(import.meta.dirname, '../../../..');
const home = mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-'));
// the app's own composition: GitOps renders through the manifests service
const { gitops, manifests } = createServices({ kubeconfig: labKubeconfig, dataDir: home, keys: new FileKeyStore(home) });
const clouds = { 'aks-lab': 'aks', 'gke-lab': 'gke', 'eks-lab': 'eks' } as const;

const cliCommand = (args: string[]) =>
  [process.execPath, [path.join(root, 'bin/fleetdeck.js'), 'gitops', ...args, '--kubeconfig', labKubeconfig, '--output', 'json'], { encoding: 'utf8', env: { ...process.env, FLEETDECK_HOME: mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-')) } }] as const;
const cliResult = (status: number | null, stdout: string, stderr: string) => ({ status: status ?? 1, json: stdout.trim() ? JSON.parse(stdout) : undefined, stderr });

function cli(...args: string[]) {
  const result = spawnSync(...cliCommand(args));
  return cliResult(result.status, result.stdout, result.stderr);
}

/** The CLI without blocking this process: for a test whose own server the CLI talks to. */
function cliAsync(...args: string[]): Promise<ReturnType<typeof cliResult>> {
  return new Promise((resolve) => {
    const child = execFile(...cliCommand(args), (_error, stdout, stderr) => resolve(cliResult(child.exitCode, stdout, stderr)));
  });
}

interface Written {
  metadata: { annotations?: Record<string, string> };
  spec: { suspend?: boolean };
  operation?: Record<string, unknown>;
}
const get = (context: string, path: string) => labApi(context).request<Written>('GET', path);
const ks = (name: string) => `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/${name}`;
const application = (name: string) => `/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/${name}`;

afterAll(() => gitops.dispose());

describe('GitOps status across the fleet', () => {
  it('shows every seeded Argo CD and Flux object of the three clusters with its state (CLI JSON)', () => {
    const { status, json } = cli('status');
    expect(status).toBe(0);
    const rows = json as { context: string; contexts: string[]; kind: string; namespace: string; name: string; source: Record<string, string>; sync: string; health: string; attention: string; revision: string | null; suspended: boolean; message: string | null }[];
    expect(Object.keys(rows[0]).sort()).toEqual(['attention', 'context', 'contexts', 'health', 'kind', 'message', 'name', 'namespace', 'revision', 'source', 'suspended', 'sync']);
    // once per cluster, read through the admin context; the viewer context of the same API server is listed with it
    expect(rows).toHaveLength(33);
    for (const context of Object.keys(clouds)) expect(rows.filter((r) => r.context === context).every((r) => r.contexts.join() === `${context},${context}-viewer`)).toBe(true);
    for (const [context, cloud] of Object.entries(clouds)) {
      const of = (kind: string, name: string) => rows.find((r) => r.context === context && r.kind === kind && r.name === name);
      expect(of('Application', `shop-${cloud}`)).toMatchObject({ namespace: 'argocd', sync: 'Synced', health: 'Healthy', suspended: false, source: { repo: 'https://github.com/acme/fleet-gitops.git', path: `overlays/${cloud}/shop`, targetRevision: 'main' } });
      expect(of('Application', `payments-${cloud}`)).toMatchObject({ sync: 'OutOfSync', health: 'Progressing', message: 'waiting for healthy state of apps/Deployment/payments-api' });
      expect(of('Application', `monitoring-${cloud}`)?.message).toMatch(/exceeded its progress deadline; one or more objects failed to apply: admission webhook/);
      expect(of('Kustomization', 'infrastructure')).toMatchObject({ sync: 'Ready', health: 'Current', source: { repo: 'GitRepository/fleet', path: `./infrastructure/${cloud}` } });
      expect(of('Kustomization', 'apps')).toMatchObject({ sync: 'NotReady', health: 'Failed', attention: 'failing' });
      expect(of('Kustomization', 'apps')?.message).toMatch(/kustomize build failed/);
      // suspended is its own state, not a failure
      expect(of('Kustomization', 'observability')).toMatchObject({ sync: 'Unknown', suspended: cloud === 'eks', health: cloud === 'eks' ? 'Suspended' : 'InProgress', attention: cloud === 'eks' ? 'suspended' : 'pending' });
      expect(of('GitRepository', 'fleet')).toMatchObject({ sync: 'Ready', source: { repo: 'https://github.com/acme/fleet-gitops.git', targetRevision: 'main' } });
      expect(of('HelmRepository', 'bitnami')).toMatchObject({ sync: 'Ready' });
      expect(of('HelmRelease', 'redis')).toMatchObject({ sync: 'Ready', health: 'Current', revision: '20.6.2' });
      expect(of('ApplicationSet', 'platform')).toMatchObject({ namespace: 'argocd', sync: 'Synced', health: 'Healthy', source: { repo: 'https://github.com/acme/fleet-gitops.git', path: 'platform/{{.cloud}}' } });
      expect(of('Application', `platform-${cloud}`)).toMatchObject({ sync: 'Synced', health: 'Healthy', source: { path: `platform/${cloud}` } });
    }
    // what needs a look comes first
    expect(['Degraded', 'Failed']).toContain(rows[0].health);
  }, 60_000);

  it('gives the detail: managed resources (Argo status.resources, Flux inventory) and history', async () => {
    const { apps } = await gitops.status({ contexts: ['gke-lab'] });
    const shop = apps.find((a) => a.name === 'shop-gke')!;
    expect(shop.resources.map((r) => `${r.kind}/${r.namespace}/${r.name}`)).toEqual(['Deployment/shop/web', 'Deployment/shop/api', 'StatefulSet/shop/postgres', 'Service/shop/web']);
    expect(shop.history).toHaveLength(2);
    const infrastructure = apps.find((a) => a.kind === 'Kustomization' && a.name === 'infrastructure')!;
    expect(infrastructure.resources).toContainEqual({ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' });
  });

  it("a viewer gets the reason for what it may not list, and sees Flux's objects (flux-view) read only", async () => {
    const result = await gitops.status({ contexts: ['aks-lab-viewer'] });
    expect(result.answered).toEqual(['aks-lab-viewer']);
    expect(result.notices).toContainEqual({ cluster: 'aks-lab-viewer', kind: 'Application', reason: 'forbidden: list applications at cluster scope' });
    expect(result.apps.some((a) => a.kind === 'Application')).toBe(false);
    const apps = result.apps.find((a) => a.kind === 'Kustomization' && a.name === 'apps');
    expect(apps).toMatchObject({ sync: 'NotReady', forbidden: 'forbidden: patch kustomizations in flux-system' });
    // the admin may act: nothing marked
    expect((await gitops.status({ contexts: ['aks-lab'] })).apps.filter((a) => a.forbidden)).toEqual([]);
  });

  it('reads a cluster with an admin and a viewer context once, through the admin, whichever is named first', async () => {
    const result = await gitops.status({ contexts: ['aks-lab-viewer', 'aks-lab'] });
    expect(result.answered).toEqual(['aks-lab']);
    expect(result.apps).toHaveLength(11);
    expect(result.apps.every((a) => a.context === 'aks-lab' && a.contexts.join() === 'aks-lab,aks-lab-viewer' && !a.forbidden)).toBe(true);
    expect(result.notices.filter((n) => n.cluster === 'aks-lab-viewer')).toEqual([]);
  });

  it('is live: a change made through the API is announced and read back, without polling', async () => {
    const changed: string[][] = [];
    const off = gitops.onDidChange(({ contexts }) => changed.push(contexts));
    const infrastructure = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'infrastructure', namespace: 'flux-system' } };
    const { status: seeded } = await labApi('eks-lab').request<{ status: { conditions: unknown[] } }>('GET', ks('infrastructure'));
    try {
      await gitops.status({ contexts: ['eks-lab'] });
      const message = `Applied revision: main@sha1:${Date.now().toString(16)}`;
      await labApi('eks-lab').applyStatus({ ...infrastructure, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message, lastTransitionTime: new Date().toISOString() }] } }, 'fleetdeck-lab-test');
      for (let i = 0; i < 50 && !changed.some((c) => c.includes('eks-lab')); i++) await new Promise((r) => setTimeout(r, 100));
      expect(changed.flat()).toContain('eks-lab');
      const { apps } = await gitops.status({ contexts: ['eks-lab'] });
      expect(apps.find((a) => a.kind === 'Kustomization' && a.name === 'infrastructure')?.message).toBe(message);
    } finally {
      off();
      await labApi('eks-lab').applyStatus({ ...infrastructure, status: { conditions: seeded.conditions } }, 'fleetdeck-lab-test');
    }
  });

  it('an API server going down: that cluster shows its last state as reconnecting, the others answer; then it converges', async () => {
    const watching = new KubeGitOpsService({ store: new KubeconfigStore([labKubeconfig]), render: () => Promise.reject(new Error('not used')) });
    const contexts = ['aks-lab', 'gke-lab'];
    try {
      expect((await watching.status({ contexts })).answered).toEqual(contexts);
      expect(lab('fault', 'apiserver-stop', 'aks-lab').status).toBe(0);
      await expect.poll(async () => (await watching.status({ contexts })).errors[0]?.message ?? '', { timeout: 30_000 }).toMatch(/^reconnecting \(showing the last state seen\)/);
      const down = await watching.status({ contexts });
      expect(down.answered).toEqual(['gke-lab']);
      expect(down.apps.filter((a) => a.context === 'aks-lab')).toHaveLength(11);
    } finally {
      expect(lab('fault', 'apiserver-start', 'aks-lab').status).toBe(0);
    }
    try {
      await expect.poll(async () => (await watching.status({ contexts })).answered, { timeout: 90_000, interval: 1_000 }).toEqual(contexts);
      const up = await watching.status({ contexts });
      expect(up.errors).toEqual([]);
      expect(up.apps.filter((a) => a.context === 'aks-lab')).toHaveLength(11);
    } finally {
      watching.dispose();
    }
  }, 150_000);

  it('a cluster that accepts connections and never answers does not hold the others back', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-')), 'silent.yaml');
    const server = `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'silent', cluster: { server, 'insecure-skip-tls-verify': true } }], users: [{ name: 'silent', user: { token: 'x' } }], contexts: [{ name: 'silent', context: { cluster: 'silent', user: 'silent' } }] }), { mode: 0o600 });
    const both = new KubeGitOpsService({ store: new KubeconfigStore([labKubeconfig, file]), render: () => Promise.reject(new Error('not used')) });
    try {
      const result = await both.status({ contexts: ['gke-lab', 'silent'] });
      expect(result.answered).toEqual(['gke-lab']);
      expect(result.apps.filter((a) => a.context === 'gke-lab').length).toBeGreaterThan(0);
      expect(result.errors).toEqual([{ cluster: 'silent', message: 'no answer within 10 s; still trying: its objects appear when it answers' }]);
    } finally {
      both.dispose();
      silent.close();
    }
  }, 60_000);

  it('a kind whose CRD is not installed is a notice, not an error', async () => {
    const api = labApi('gke-lab');
    const crd = upstreamCrds().find((c) => c.metadata.name === 'ocirepositories.source.toolkit.fluxcd.io')!;
    await api.request('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
    try {
      let result = await gitops.status({ contexts: ['gke-lab'] });
      for (let i = 0; i < 20 && !result.notices.length; i++) {
        await new Promise((r) => setTimeout(r, 500));
        result = await gitops.status({ contexts: ['gke-lab'] });
      }
      expect(result.notices).toEqual([{ cluster: 'gke-lab', kind: 'OCIRepository', reason: 'ocirepositories.source.toolkit.fluxcd.io not installed' }]);
      expect(result.errors).toEqual([]);
      expect(result.apps.length).toBe(11);
    } finally {
      await api.apply(crd);
    }
  });
});

describe('GitOps actions write what the controllers expect', () => {
  const restore: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const undo of restore.reverse()) await undo();
  });

  it('Argo refresh and sync (with prune); the viewer is refused with the verb and resource', async () => {
    const refresh = cli('refresh', '--context', 'eks-lab', 'app/argocd/shop-eks', '--hard', '--timeout', '1');
    restore.push(() => labApi('eks-lab').mergePatch({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'shop-eks', namespace: 'argocd' } }, { metadata: { annotations: { 'argocd.argoproj.io/refresh': null } } }));
    // no Argo CD controller runs in the lab: written, not acted on in time
    expect(refresh.status).toBe(2);
    expect(refresh.json.settled).toBe(false);
    expect(refresh.json.message).toMatch(/did not act within 1 s/);
    expect((await get('eks-lab', application('shop-eks'))).metadata.annotations?.['argocd.argoproj.io/refresh']).toBe('hard');

    const sync = cli('sync', '--context', 'eks-lab', 'application/argocd/monitoring-eks', '--prune', '--timeout', '0');
    restore.push(() => labApi('eks-lab').mergePatch({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'monitoring-eks', namespace: 'argocd' } }, { operation: null }));
    expect(sync.status).toBe(2);
    const written = await get('eks-lab', application('monitoring-eks'));
    expect(written.operation).toMatchObject({ initiatedBy: { username: 'fleetdeck' }, sync: { prune: true } });
    // a second sync while one is pending, or while one runs (payments-eks is seeded mid-sync), is refused before anything is written
    for (const name of ['monitoring-eks', 'payments-eks']) {
      const again = cli('sync', '--context', 'eks-lab', `application/argocd/${name}`);
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(/an operation is already running/);
    }
    expect((await get('eks-lab', application('payments-eks'))).operation).toBeUndefined();

    const viewer = cli('refresh', '--context', 'eks-lab-viewer', 'app/argocd/shop-eks');
    expect(viewer.status).toBe(1);
    expect(viewer.stderr).toMatch(/forbidden: (get|patch) applications in argocd/);
  }, 60_000);

  it('Flux reconcile with its source first, suspend and resume', async () => {
    const reconcile = cli('reconcile', '--context', 'aks-lab', 'ks/flux-system/apps', '--with-source', '--timeout', '0');
    expect(reconcile.status).toBe(2);
    const requestedAt = reconcile.json.requestedAt as string;
    expect((await get('aks-lab', ks('apps'))).metadata.annotations?.['reconcile.fluxcd.io/requestedAt']).toBe(requestedAt);
    expect((await get('aks-lab', '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/fleet')).metadata.annotations?.['reconcile.fluxcd.io/requestedAt']).toBe(requestedAt);
    expect(reconcile.json.written.map((w: { kind: string }) => w.kind)).toEqual(['GitRepository', 'Kustomization']);

    const suspend = cli('suspend', '--context', 'aks-lab', 'kustomization/flux-system/infrastructure');
    restore.push(() => labApi('aks-lab').mergePatch({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'infrastructure', namespace: 'flux-system' } }, { spec: { suspend: null } }));
    expect(suspend.status).toBe(0);
    expect((await get('aks-lab', ks('infrastructure'))).spec.suspend).toBe(true);
    expect(cli('reconcile', '--context', 'aks-lab', 'ks/flux-system/infrastructure').stderr).toMatch(/suspended: resume it first/);
    const resume = cli('resume', '--context', 'aks-lab', 'ks/flux-system/infrastructure', '--timeout', '0');
    expect(resume.status).toBe(2);
    const resumed = await get('aks-lab', ks('infrastructure'));
    expect(resumed.spec.suspend).toBe(false);
    expect(resumed.metadata.annotations?.['reconcile.fluxcd.io/requestedAt']).toBe(resume.json.requestedAt);
  }, 60_000);

  it('follows the object until the controller has acted (the test plays kustomize-controller)', async () => {
    const api = labApi('gke-lab');
    const acting = gitops.act({ context: 'gke-lab', kind: 'Kustomization', namespace: 'flux-system', name: 'apps', action: 'reconcile', timeoutSeconds: 30 });
    let requestedAt: string | undefined;
    for (let i = 0; i < 50 && !requestedAt; i++) {
      await new Promise((r) => setTimeout(r, 200));
      requestedAt = (await get('gke-lab', ks('apps'))).metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
    }
    await api.applyStatus({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: 'flux-system' }, status: { lastHandledReconcileAt: requestedAt } }, 'kustomize-controller');
    const result = await acting;
    expect(result).toMatchObject({ settled: true, requestedAt, message: 'reconcile done: the controller has acted' });
  }, 60_000);

  it('ApplicationSet: refresh until its controller has acted (the test plays it), sync of every Application it owns', async () => {
    const api = labApi('gke-lab');
    const appset = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applicationsets/platform';
    const refreshing = gitops.act({ context: 'gke-lab', kind: 'ApplicationSet', namespace: 'argocd', name: 'platform', action: 'refresh', timeoutSeconds: 30 });
    let requested: string | undefined;
    for (let i = 0; i < 50 && !requested; i++) {
      await new Promise((r) => setTimeout(r, 200));
      requested = (await get('gke-lab', appset)).metadata.annotations?.['argocd.argoproj.io/application-set-refresh'];
    }
    expect(requested).toBe('true');
    await api.mergePatch({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'platform', namespace: 'argocd' } }, { metadata: { annotations: { 'argocd.argoproj.io/application-set-refresh': null } } });
    expect(await refreshing).toMatchObject({ settled: true, message: 'refresh done: the controller has acted' });

    const sync = cli('sync', '--context', 'gke-lab', 'appset/argocd/platform', '--timeout', '0');
    restore.push(() => api.mergePatch({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'platform-gke', namespace: 'argocd' } }, { operation: null }));
    expect(sync.status).toBe(2);
    expect(sync.json.written).toEqual([{ kind: 'Application', namespace: 'argocd', name: 'platform-gke', patch: expect.objectContaining({ operation: expect.objectContaining({ sync: { prune: false } }) }) }]);
    expect(sync.json.message).toMatch(/^sync of 1 Application requested/);
    expect((await get('gke-lab', application('platform-gke'))).operation).toMatchObject({ initiatedBy: { username: 'fleetdeck' } });
    // the Applications it does not own are left alone
    expect((await get('gke-lab', application('shop-gke'))).operation).toBeUndefined();
  }, 60_000);

  it('names what is wrong with the target', () => {
    expect(cli('reconcile', '--context', 'aks-lab', 'ks/flux-system/nope').stderr).toMatch(/Kustomization flux-system\/nope not found in aks-lab/);
    expect(cli('sync', '--context', 'aks-lab', 'ks/flux-system/apps').stderr).toMatch(/sync is an Argo CD action; Kustomization is reconciled instead/);
    expect(cli('refresh', '--context', 'aks-lab', 'appset/argocd/platform', '--hard').stderr).toMatch(/a hard refresh is for Applications/);
    expect(cli('sync', '--context', 'aks-lab', 'shop-aks').stderr).toMatch(/expected <kind>\/<namespace>\/<name>/);
  }, 60_000);
});

describe('drift detected by Fleetdeck itself (no Argo CD or Flux needed)', () => {
  const savedPath = process.env.PATH;
  // a namespace of its own each run: the last run's may still be terminating
  const app = `drift-${Date.now().toString(36)}`;
  // the lab's kustomize renders the overlay, in this process and in the CLI's
  beforeAll(() => {
    process.env.PATH = `${path.join(root, 'lab/bin')}${path.delimiter}${savedPath}`;
  });
  afterAll(async () => {
    process.env.PATH = savedPath;
    await labApi('eks-lab').request('DELETE', `/api/v1/namespaces/${app}`).catch(() => undefined);
  });

  it("finds a change made behind Git's back, a deleted object and an extra one; self-heal brings Git's state back", async () => {
    // a new repository in a folder of Fleetdeck's own, granted to the service that scaffolded it; the CLI is given it with --workspace
    const workspace = (await manifests.scaffold({ into: 'new-folder', name: app }))!.root;
    const drift = (...extra: string[]) => cli('drift', '--workspace', workspace, '--overlay', 'overlays/eks', '--context', 'eks-lab', ...extra);

    // deployed from Git, as a controller would: nothing drifts
    const deployed = drift('--self-heal');
    expect(deployed.stderr).toBe('');
    expect(deployed.json).toEqual([]);
    expect(deployed.status).toBe(0);

    const api = labApi('eks-lab');
    await api.mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: app } }, { spec: { replicas: 5 } });
    await api.request('DELETE', `/api/v1/namespaces/${app}/services/${app}`);
    await api.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stray', namespace: app, labels: { 'app.kubernetes.io/part-of': app, 'fleetdeck.io/cloud': 'eks' } }, data: { hot: 'fix' } });

    const found = drift();
    expect(found.status).toBe(3);
    expect(found.json).toEqual([
      { kind: 'Service', namespace: app, name: app, drift: 'missing' },
      { kind: 'Deployment', namespace: app, name: app, drift: 'changed', diff: ['spec.replicas: 5 → 2'] },
      { kind: 'ConfigMap', namespace: app, name: 'stray', drift: 'extra' },
    ]);

    const healed = drift('--self-heal');
    // Git's state is back; the extra object is left for a person to judge
    expect(healed.json).toEqual([{ kind: 'ConfigMap', namespace: app, name: 'stray', drift: 'extra' }]);
    expect(healed.status).toBe(3);
    const live = await api.request<{ spec: { replicas: number } }>('GET', `/apis/apps/v1/namespaces/${app}/deployments/${app}`);
    expect(live.spec.replicas).toBe(2);
  }, 120_000);

  it('an overlay with a remote resource is refused while rendering is offline (nothing is fetched), and compared once remote resources are allowed', async () => {
    let fetched = 0;
    const server = http.createServer((_req, res) => {
      fetched++;
      res.end(stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'remote-settings', namespace: app }, data: { from: 'remote' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/settings.yaml`;
    const workspace = (await manifests.scaffold({ into: 'new-folder', name: `${app}-remote` }))!.root;
    mkdirSync(path.join(workspace, 'overlays/eks-remote'));
    writeFileSync(path.join(workspace, 'overlays/eks-remote/kustomization.yaml'), stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [url] }));
    const input = { context: 'eks-lab', workspace, overlay: 'overlays/eks-remote' };
    const drift = (...extra: string[]) => cliAsync('drift', '--workspace', workspace, '--overlay', input.overlay, '--context', input.context, ...extra);
    try {
      const refusal = `overlays/eks-remote/kustomization.yaml: resources[0] "${url}" is remote, and rendering is offline: allow remote resources to fetch it (--allow-remote in the CLI)`;
      await expect(gitops.drift(input)).rejects.toMatchObject({ code: 'forbidden', message: refusal });
      const refused = await drift();
      expect(refused.status).toBe(1);
      expect(refused.stderr).toBe(`fleetdeck: ${refusal}\n`);
      expect(fetched).toBe(0);

      expect(await gitops.drift({ ...input, allowRemote: true })).toEqual([{ kind: 'ConfigMap', apiVersion: 'v1', namespace: app, name: 'remote-settings', drift: 'missing' }]);
      const allowed = await drift('--allow-remote');
      expect(allowed.json).toEqual([{ kind: 'ConfigMap', namespace: app, name: 'remote-settings', drift: 'missing' }]);
      expect(allowed.status).toBe(3);
      expect(fetched).toBe(2);
    } finally {
      server.close();
    }
  }, 60_000);
});

