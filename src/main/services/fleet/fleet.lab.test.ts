import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { lab, labApi, labKubeconfig } from '../../../../test/lab.ts';
import { kubeConfigFor, loadKubeconfigs } from '../clusters/kubeconfig.ts';
import { KubeconfigClustersService } from '../clusters/clusters-service.ts';
import { KubeconfigStore } from '../clusters/kubeconfig-store.ts';
import { KubeFleetService } from './fleet-service.ts';
import { Reflector, type KubeObject } from './reflector.ts';

const kcFor = async (context: string) => kubeConfigFor(await loadKubeconfigs([labKubeconfig]), context);

describe('reflector against a real API server', () => {
  const ns = `reflector-${Date.now().toString(36)}`;
  const api = labApi('gke-lab');
  afterAll(() => api.request('DELETE', `/api/v1/namespaces/${ns}`));

  it('converges on create, update and delete with no stale or duplicate entries', async () => {
    await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const configMap = (name: string, value: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { value } });
    await api.apply(configMap('before', '0'));
    const reflector = new Reflector<KubeObject & { data?: Record<string, string> }>(await kcFor('gke-lab'), `/api/v1/namespaces/${ns}/configmaps`, 'configmaps', { pageSize: 2 });
    await reflector.start();
    try {
      const names = () => [...reflector.store.keys()].filter((k) => !k.endsWith('kube-root-ca.crt')).sort();
      expect(names()).toEqual([`${ns}/before`]);
      for (const name of ['a', 'b', 'c']) await api.apply(configMap(name, '1'));
      await api.apply(configMap('b', '2'));
      await api.request('DELETE', `/api/v1/namespaces/${ns}/configmaps/a`);
      await expect.poll(names).toEqual([`${ns}/b`, `${ns}/before`, `${ns}/c`]);
      await expect.poll(() => reflector.store.get(`${ns}/b`)?.data?.value).toBe('2');
    } finally {
      reflector.stop();
    }
  });
});

describe('fleet service against the lab', () => {
  it('shows reconnecting while an API server is down, then converges', async () => {
    const fleet = new KubeFleetService({ store: new KubeconfigStore([labKubeconfig]), contexts: ['eks-lab'], throttleMs: 50 });
    await fleet.synced();
    try {
      expect((await fleet.summaries())[0]).toMatchObject({ context: 'eks-lab', cloud: 'eks', state: 'synced', nodes: { ready: 3, total: 3 } });
      expect(lab('fault', 'apiserver-stop', 'eks-lab').status).toBe(0);
      await expect.poll(async () => (await fleet.summaries())[0].state, { timeout: 30_000 }).toBe('reconnecting');
      expect(lab('fault', 'apiserver-start', 'eks-lab').status).toBe(0);
      await labApi('eks-lab').mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } }, { spec: { replicas: 5 } });
      const live = async () => (await labApi('eks-lab').list<{ metadata: { name: string } }>('v1', 'Pod')).map((p) => p.metadata.name).sort();
      const cached = async () => {
        const summary = (await fleet.summaries())[0];
        return summary.state === 'synced' ? summary.pods.running + summary.pods.pending + summary.pods.succeeded + summary.pods.failed + summary.pods.unknown : -1;
      };
      await expect.poll(async () => (await cached()) === (await live()).length && (await live()).length >= 11, { timeout: 90_000, interval: 1_000 }).toBe(true);
    } finally {
      fleet.dispose();
      await labApi('eks-lab').mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } }, { spec: { replicas: 3 } });
    }
  });

  it('detects the cloud from the nodes when the kubeconfig does not tell', async () => {
    const config = parse(readFileSync(labKubeconfig, 'utf8')) as { clusters: { cluster: { extensions?: unknown } }[] };
    for (const c of config.clusters) delete c.cluster.extensions;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-')), 'kubeconfig');
    writeFileSync(file, stringify(config), { mode: 0o600 });
    const store = new KubeconfigStore([file]);
    expect((await new KubeconfigClustersService({ store }).list()).clusters.find((c) => c.context === 'gke-lab')?.cloud).toBe('other');
    const fleet = new KubeFleetService({ store, contexts: ['gke-lab'] });
    await fleet.synced();
    try {
      expect((await fleet.summaries())[0].cloud).toBe('gke');
    } finally {
      fleet.dispose();
    }
  });

  it('re-runs an exec credential plugin when its token expires, and keeps watching', async () => {
    const config = parse(readFileSync(labKubeconfig, 'utf8')) as { users: { name: string; user: Record<string, unknown> }[] };
    const viewer = config.users.find((u) => u.name === 'gke-lab-viewer')!;
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-exec-'));
    const countFile = path.join(dir, 'runs');
    viewer.user = {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: path.resolve(import.meta.dirname, '../../../../test/fixtures/exec-plugin.mjs'),
        env: [{ name: 'TOKEN', value: viewer.user.token }, { name: 'TTL_SECONDS', value: '2' }, { name: 'COUNT_FILE', value: countFile }],
        interactiveMode: 'Never',
      },
    };
    const file = path.join(dir, 'kubeconfig');
    writeFileSync(file, stringify(config), { mode: 0o600 });
    const kc = kubeConfigFor(await loadKubeconfigs([file]), 'gke-lab-viewer');
    const reflector = new Reflector(kc, '/api/v1/namespaces/shop/pods', 'pods in shop', { watchTimeoutSeconds: 1 });
    await reflector.start();
    try {
      const runs = () => readFileSync(countFile, 'utf8').trim().split('\n').length;
      await expect.poll(runs, { timeout: 15_000, interval: 500 }).toBeGreaterThanOrEqual(3);
      expect(reflector.state.phase).toBe('synced');
      expect(reflector.store.size).toBeGreaterThan(0);
    } finally {
      reflector.stop();
    }
  });

  it('a viewer context lists pods but reads "forbidden: list nodes" instead of an empty node count', async () => {
    const fleet = new KubeFleetService({ store: new KubeconfigStore([labKubeconfig]), contexts: ['aks-lab-viewer'] });
    await fleet.synced();
    try {
      const [summary] = await fleet.summaries();
      expect(summary.forbidden).toEqual(['forbidden: list nodes']);
      expect(summary.pods.running).toBeGreaterThan(0);
    } finally {
      fleet.dispose();
    }
  });

  it('offers actions by RBAC: the viewer sees them denied with the reason, the admin can restart', async () => {
    const pod = (await labApi('aks-lab').list<{ metadata: { name: string; labels?: Record<string, string> } }>('v1', 'Pod', 'shop')).find((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'api')!.metadata.name;
    const viewer = new KubeFleetService({ store: new KubeconfigStore([labKubeconfig]), contexts: ['aks-lab-viewer'] });
    const admin = new KubeFleetService({ store: new KubeconfigStore([labKubeconfig]), contexts: ['aks-lab'] });
    await Promise.all([viewer.synced(), admin.synced()]);
    try {
      const ref = { namespace: 'shop', pod };
      const denied = await viewer.rootCause({ context: 'aks-lab-viewer', ...ref });
      expect(denied.ownerChain.map((o) => o.kind)).toEqual(['ReplicaSet', 'Deployment']);
      expect(denied.actions).toEqual([
        { id: 'delete-pod', label: 'Delete pod (its ReplicaSet recreates it)', allowed: false, reason: 'forbidden: delete pods in shop' },
        { id: 'restart-workload', label: 'Restart Deployment/api (rolling)', allowed: false, reason: 'forbidden: patch deployments in shop' },
      ]);
      await expect(viewer.runAction({ context: 'aks-lab-viewer', ...ref, action: 'delete-pod' })).rejects.toMatchObject({ code: 'forbidden', message: 'forbidden: delete pods in shop' });
      expect((await admin.rootCause({ context: 'aks-lab', ...ref })).actions.every((a) => a.allowed)).toBe(true);
      await admin.runAction({ context: 'aks-lab', ...ref, action: 'restart-workload' });
      const deployment = await labApi('aks-lab').request<{ spec: { template: { metadata: { annotations?: Record<string, string> } } } }>('GET', '/apis/apps/v1/namespaces/shop/deployments/api');
      expect(Date.parse(deployment.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? '')).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      viewer.dispose();
      admin.dispose();
    }
  });

  it('fleetdeck pods --problems shows each injected fault with its reason and hint, in every cluster', async () => {
    expect(lab('fault', 'crashloop', 'aks-lab', 'payments/payments-api').status).toBe(0);
    expect(lab('fault', 'imagepull', 'gke-lab', 'payments/ledger').status).toBe(0);
    expect(lab('fault', 'oom', 'eks-lab', 'shop/api').status).toBe(0);
    try {
      const problems = () => {
        const result = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../../../../bin/fleetdeck.js'), 'pods', '--problems', '--kubeconfig', labKubeconfig, '--output', 'json'], { encoding: 'utf8' });
        expect(result.status, result.stderr).toBe(0);
        return JSON.parse(result.stdout) as { context: string; cloud: string; namespace: string; pod: string; reason: string; restarts: number; since: string; hint: string }[];
      };
      const find = (rows: ReturnType<typeof problems>, context: string, prefix: string) => rows.find((r) => r.context === context && r.pod.startsWith(prefix));
      await expect
        .poll(() => {
          const rows = problems();
          return [find(rows, 'aks-lab', 'payments-api-')?.reason, find(rows, 'gke-lab', 'ledger-')?.reason, find(rows, 'eks-lab', 'api-')?.reason];
        }, { timeout: 90_000, interval: 3_000 })
        .toEqual(['CrashLoopBackOff', 'ImagePullBackOff', 'OOMKilled']);
      const rows = problems();
      expect(find(rows, 'aks-lab', 'payments-api-')).toMatchObject({ cloud: 'aks', namespace: 'payments', hint: expect.stringContaining('--previous') });
      expect(find(rows, 'gke-lab', 'ledger-')?.hint).toContain('europe-west1-docker.pkg.dev/acme-lab/apps/payments/ledger:1.9.0');
      expect(find(rows, 'eks-lab', 'api-')?.hint).toContain('memory limit');
      expect(Object.keys(rows[0]).sort()).toEqual(['cloud', 'context', 'hint', 'namespace', 'pod', 'reason', 'restarts', 'since']);

      // the table's view: windows of the same rows, filtered in main
      const fleet = new KubeFleetService({ store: new KubeconfigStore([labKubeconfig]) });
      await fleet.synced();
      try {
        const all = await fleet.allProblems();
        expect(all.length).toBeGreaterThanOrEqual(3);
        expect(await fleet.problems({ offset: 1, limit: 2 })).toEqual({ total: all.length, offset: 1, rows: all.slice(1, 3) });
        const pulls = await fleet.problems({ context: 'gke-lab', query: 'ImagePull' });
        expect(pulls.rows.length).toBe(pulls.total);
        expect(pulls.rows.some((r) => r.pod.startsWith('ledger-'))).toBe(true);
        expect(pulls.rows.every((r) => r.context === 'gke-lab' && r.reason === 'ImagePullBackOff')).toBe(true);
        const payments = await fleet.problems({ context: 'aks-lab', namespace: 'payments' });
        expect(payments.rows.map((r) => r.namespace)).toEqual(all.filter((r) => r.context === 'aks-lab' && r.namespace === 'payments').map(() => 'payments'));
      } finally {
        fleet.dispose();
      }
    } finally {
      expect(lab('fault', 'clear').status).toBe(0);
    }
  });
});
