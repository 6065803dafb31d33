import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lab, labApi, labKubeconfig, labKubeconfigWith, labUrls } from '../../../../test/lab.ts';
import { kubeConfigFor, listEntries, loadKubeconfigs } from '../../kube/kubeconfig.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { kubeRequest } from '../../kube/http.ts';
import { ClusterClient } from '../../kube/cluster-client.ts';
import { KubeFleetService } from './fleet-service.ts';
import type { KubeEvent, ListedObject } from '../../../shared/kube-object.ts';
import { listWatch } from '../../kube/list-watch.ts';
import { Reflector } from '../../kube/reflector.ts';

const kcFor = async (context: string) => kubeConfigFor(await loadKubeconfigs([labKubeconfig]), context);

/** A forward proxy on loopback, HTTP CONNECT or SOCKS5 (no authentication), that records where it was asked to connect. */
async function forwardProxy(kind: 'http' | 'socks5'): Promise<{ url: string; targets: string[]; close: () => void }> {
  const targets: string[] = [];
  const tunnel = (client: net.Socket, host: string, port: number, established: Buffer, head?: Buffer) => {
    targets.push(`${host}:${port}`);
    const upstream = net.connect(port, host, () => {
      client.write(established);
      if (head?.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const close = () => (client.destroy(), upstream.destroy());
    for (const socket of [client, upstream]) socket.on('error', close).on('close', close);
  };
  const server =
    kind === 'http'
      ? http.createServer((_, res) => res.writeHead(405).end()).on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
          const { hostname, port } = new URL(`http://${req.url}`);
          tunnel(client, hostname, Number(port), Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n'), head);
        })
      : net.createServer((client) => {
          // the greeting, answered with "no authentication"; then CONNECT to an IPv4 address or a name
          client.once('data', () => {
            client.write(Buffer.from([5, 0]));
            client.once('data', (request: Buffer) => {
              const host = request[3] === 1 ? [...request.subarray(4, 8)].join('.') : request.subarray(5, 5 + request[4]).toString();
              tunnel(client, host, request.readUInt16BE(request.length - 2), Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
            });
          });
        });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `${kind}://127.0.0.1:${(server.address() as net.AddressInfo).port}`, targets, close: () => server.close() };
}

describe('reflector against a real API server', () => {
  const ns = `reflector-${Date.now().toString(36)}`;
  const api = labApi('gke-lab');
  afterAll(() => api.request('DELETE', `/api/v1/namespaces/${ns}`));

  it('converges on create, update and delete with no stale or duplicate entries', async () => {
    await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const configMap = (name: string, value: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { value } });
    await api.apply(configMap('before', '0'));
    const reflector = new Reflector(listWatch<ListedObject & { data?: Record<string, string> }>(await kcFor('gke-lab'), `/api/v1/namespaces/${ns}/configmaps`), 'configmaps', { pageSize: 2 });
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

  it("sends a broken pod's row as a delta without waiting for the gathered cluster change", async () => {
    // the cluster changes are gathered for ten minutes here: only the problem delta can bring the row in time
    const fleet = new KubeFleetService({ store: new KubeconfigStore([labKubeconfig]), contexts: ['eks-lab'], throttleMs: 600_000 });
    const api = labApi('eks-lab');
    const namespace = 'fleet-delta-test';
    const seen = new Promise<string[]>((resolve) =>
      fleet.onDidChange(({ problems }) => {
        const pods = problems?.upserted.filter((row) => row.namespace === namespace).map((row) => `${row.pod} ${row.reason}`);
        if (pods?.length) resolve(pods);
      }),
    );
    try {
      await fleet.synced();
      await fleet.problems({});
      await api.namespace(namespace);
      await api.apply({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'pull', namespace, annotations: { 'lab.fleetdeck.io/fault': 'imagepull' } },
        spec: { containers: [{ name: 'app', image: 'registry.example/missing:1' }] },
      });
      expect(await seen).toEqual([expect.stringMatching(/^pull (ErrImagePull|ImagePullBackOff)$/)]);
    } finally {
      fleet.dispose();
      await api.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
    }
  });

  it("reaches an API server through its cluster's proxy-url, HTTP CONNECT or SOCKS5, and names the proxy when that is down", async () => {
    const apiserver = new URL(labUrls('gke-lab').apiserver).host;
    const nodes = (await labApi('gke-lab').list('v1', 'Node')).length;
    for (const kind of ['http', 'socks5'] as const) {
      const proxy = await forwardProxy(kind);
      const file = labKubeconfigWith((config) => (config.clusters.find((c) => c.name === 'gke-lab')!.cluster['proxy-url'] = proxy.url));
      const fleet = new KubeFleetService({ store: new KubeconfigStore([file]), contexts: ['gke-lab'] });
      const client = new ClusterClient(kubeConfigFor(await loadKubeconfigs([file]), 'gke-lab'), 'gke-lab');
      try {
        // lists and watches of the live cache, and a job's keep-alive connections
        await fleet.synced();
        expect((await fleet.summaries())[0]).toMatchObject({ context: 'gke-lab', state: 'synced', nodes: { total: nodes } });
        expect(await client.ok('GET', '/version')).toHaveProperty('gitVersion');
        expect(proxy.targets.length, kind).toBeGreaterThan(9);
        expect(new Set(proxy.targets), kind).toEqual(new Set([apiserver]));
      } finally {
        client.close();
        fleet.dispose();
        proxy.close();
      }
    }

    const closed = await forwardProxy('http');
    closed.close();
    const file = labKubeconfigWith((config) => (config.clusters.find((c) => c.name === 'gke-lab')!.cluster['proxy-url'] = closed.url));
    await expect(kubeRequest(kubeConfigFor(await loadKubeconfigs([file]), 'gke-lab'), '/version')).rejects.toThrow(`cannot reach https://${apiserver} (through the proxy ${closed.url}): `);
  });

  it('detects the cloud from the nodes when the kubeconfig does not tell', async () => {
    const file = labKubeconfigWith((config) => config.clusters.forEach((c) => delete c.cluster.extensions));
    const store = new KubeconfigStore([file]);
    expect(listEntries((await store.load()).config).find((c) => c.context === 'gke-lab')?.cloud).toBe('other');
    const fleet = new KubeFleetService({ store, contexts: ['gke-lab'] });
    await fleet.synced();
    try {
      expect((await fleet.summaries())[0].cloud).toBe('gke');
    } finally {
      fleet.dispose();
    }
  });

  it('re-runs an exec credential plugin when its token expires, and keeps watching', async () => {
    const countFile = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-exec-')), 'runs');
    const file = labKubeconfigWith((config) => {
      const viewer = config.users.find((u) => u.name === 'gke-lab-viewer')!;
      viewer.user = {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: path.resolve(import.meta.dirname, '../../../../test/fixtures/exec-plugin.mjs'),
          env: [{ name: 'TOKEN', value: viewer.user.token }, { name: 'TTL_SECONDS', value: '2' }, { name: 'COUNT_FILE', value: countFile }],
          interactiveMode: 'Never',
        },
      };
    });
    const kc = kubeConfigFor(await loadKubeconfigs([file]), 'gke-lab-viewer');
    const reflector = new Reflector(listWatch(kc, '/api/v1/namespaces/shop/pods'), 'pods in shop', { minWatchTimeoutSeconds: 1 });
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

  it('a root cause says why its events are missing when the user may not list them, instead of "no events"', async () => {
    const api = labApi('eks-lab');
    const user = 'fleetdeck-test-no-events';
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: user }, rules: [{ apiGroups: ['', 'apps', 'batch'], resources: ['pods', 'nodes', 'namespaces', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'replicasets'], verbs: ['get', 'list', 'watch'] }] };
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: user }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }] };
    await api.apply(role);
    await api.apply(binding);
    // the admin impersonating a user who may list everything the fleet view watches but events
    const kubeconfig = labKubeconfigWith((config) => (config.users.find((u) => u.name === 'fleetdeck-lab-admin')!.user.as = user));
    const limited = new KubeFleetService({ store: new KubeconfigStore([kubeconfig]), contexts: ['eks-lab'] });
    const admin = new KubeFleetService({ store: new KubeconfigStore([labKubeconfig]), contexts: ['eks-lab'] });
    try {
      await Promise.all([limited.synced(), admin.synced()]);
      // a pod with events of its own (a long-running one's have expired; the nightly job's pods are new)
      const pods = new Set((await api.list<ListedObject>('v1', 'Pod', 'shop')).map((p) => p.metadata.name));
      const events = await api.list<KubeEvent>('v1', 'Event', 'shop');
      const pod = events.map((e) => e.involvedObject?.name ?? '').find((name) => pods.has(name));
      if (!pod) throw new Error('no pod in shop has events: the lab seeds the nightly-report CronJob, whose pods do');
      const denied = await limited.rootCause({ context: 'eks-lab', namespace: 'shop', pod });
      expect(denied.eventsNote).toBe('forbidden: list events in all namespaces');
      expect(denied.events).toEqual([]);
      const allowed = await admin.rootCause({ context: 'eks-lab', namespace: 'shop', pod });
      expect(allowed.eventsNote).toBeUndefined();
      expect(allowed.events.length).toBeGreaterThan(0);
    } finally {
      limited.dispose();
      admin.dispose();
      await api.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${user}`);
      await api.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${user}`);
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
        expect(await fleet.problems({ offset: 1, limit: 2 })).toEqual({ total: all.length, offset: 1, rows: all.slice(1, 3), version: expect.any(Number) });
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
