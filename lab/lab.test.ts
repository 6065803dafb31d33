import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeconfigClustersService } from '../src/main/services/clusters/clusters-service.ts';
import { kubeConfigFor, loadKubeconfigs } from '../src/main/kube/kubeconfig.ts';
import { KubeconfigStore } from '../src/main/kube/kubeconfig-store.ts';
import { kubeRequest } from '../src/main/kube/http.ts';
import { lab, labApi, labKubeconfig, notifications, promQuery } from '../test/lab.ts';
import { clusterByContext } from './config.ts';
import { viewerToken } from './kubeconfig.ts';
import { isAlive, readRecords } from './processes.ts';

type Pod = {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { phase?: string; containerStatuses?: { state?: { waiting?: { reason?: string } }; lastState?: { terminated?: { reason?: string; exitCode?: number } }; restartCount: number }[] };
};
const podsOf = async (context: string, namespace: string, app: string) =>
  (await labApi(context).list<Pod>('v1', 'Pod', namespace)).filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === app);

describe('lab clusters', () => {
  it('every context answers with the real Kubernetes version, admin and viewer', async () => {
    const service = new KubeconfigClustersService({ store: new KubeconfigStore([labKubeconfig]) });
    const { clusters: entries, errors } = await service.list();
    expect(errors).toEqual([]);
    expect(entries.map((e) => [e.context, e.cloud, e.authKind])).toEqual([
      ['aks-lab', 'aks', 'client-certificate'],
      ['aks-lab-viewer', 'aks', 'token'],
      ['gke-lab', 'gke', 'client-certificate'],
      ['gke-lab-viewer', 'gke', 'token'],
      ['eks-lab', 'eks', 'client-certificate'],
      ['eks-lab-viewer', 'eks', 'token'],
    ]);
    for (const entry of entries) {
      const connection = await service.connect({ context: entry.context });
      expect(connection, entry.context).toMatchObject({ state: 'connected', version: 'v1.37.2' });
      expect(connection.state === 'connected' && connection.user).toBe(entry.context.endsWith('viewer') ? 'fleetdeck-lab-viewer' : 'fleetdeck-lab-admin');
    }
  });

  it('viewer contexts may read but are denied writes (403)', async () => {
    const kc = kubeConfigFor(await loadKubeconfigs([labKubeconfig]), 'eks-lab-viewer');
    expect((await kubeRequest(kc, '/api/v1/namespaces/shop/pods')).status).toBe(200);
    const write = await kubeRequest(kc, '/api/v1/namespaces/shop/configmaps', { method: 'POST', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope' } } });
    expect(write.status).toBe(403);
    expect(JSON.parse(write.body).message).toContain('User "fleetdeck-lab-viewer" cannot create resource "configmaps"');
  });

  it("a legacy auth-provider user goes through client-node's own KubeConfig (a token file here)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-'));
    writeFileSync(path.join(dir, 'token'), viewerToken(clusterByContext('gke-lab')), { mode: 0o600 });
    const { server, 'certificate-authority-data': ca } = (parse(readFileSync(labKubeconfig, 'utf8')) as { clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[] }).clusters.find((c) => c.name === 'gke-lab')!.cluster;
    const file = path.join(dir, 'kubeconfig');
    const user = { 'auth-provider': { name: 'token-file', config: { tokenFile: path.join(dir, 'token') } } };
    writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'gke', cluster: { server, 'certificate-authority-data': ca } }], users: [{ name: 'legacy', user }], contexts: [{ name: 'legacy', context: { cluster: 'gke', user: 'legacy' } }] }), { mode: 0o600 });
    const kc = kubeConfigFor(await loadKubeconfigs([file]), 'legacy');
    const review = await kubeRequest(kc, '/apis/authentication.k8s.io/v1/selfsubjectreviews', { method: 'POST', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(JSON.parse(review.body).status.userInfo.username).toBe('fleetdeck-lab-viewer');
  });

  it('seeds cloud-flavoured nodes, storage classes, services and GitOps objects', async () => {
    const nodes = await labApi('eks-lab').list<{ metadata: { name: string; labels: Record<string, string> }; spec: { providerID: string } }>('v1', 'Node');
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      expect(node.metadata.name).toMatch(/^ip-10-0-\d+-\d+\.eu-west-1\.compute\.internal$/);
      expect(node.spec.providerID).toMatch(/^aws:\/\/\/eu-west-1[abc]\/i-0[0-9a-f]+$/);
      expect(node.metadata.labels['eks.amazonaws.com/nodegroup']).toBe('ng-general');
    }
    const classes = await labApi('aks-lab').list<{ metadata: { name: string; annotations?: Record<string, string> } }>('storage.k8s.io/v1', 'StorageClass');
    expect(classes.find((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')?.metadata.name).toBe('managed-csi');
    const lb = await labApi('gke-lab').request<{ metadata: { annotations: Record<string, string> } }>('GET', '/api/v1/namespaces/shop/services/web-internal');
    expect(lb.metadata.annotations['networking.gke.io/load-balancer-type']).toBe('Internal');
    const pvc = await labApi('aks-lab').request<{ status: { phase: string } }>('GET', '/api/v1/namespaces/shop/persistentvolumeclaims/data-postgres-0');
    expect(pvc.status.phase).toBe('Bound');
    const apps = await labApi('aks-lab').list<{ status: { sync: { status: string }; health: { status: string } } }>('argoproj.io/v1alpha1', 'Application', 'argocd');
    expect(new Set(apps.map((a) => `${a.status.sync.status}/${a.status.health.status}`))).toEqual(new Set(['Synced/Healthy', 'OutOfSync/Progressing', 'Synced/Degraded']));
  });

  it('a Deployment scaled up gets Running pods on the simulated nodes', async () => {
    const api = labApi('gke-lab');
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } };
    await api.mergePatch(deployment, { spec: { replicas: 6 } });
    try {
      await expect.poll(async () => (await podsOf('gke-lab', 'shop', 'web')).filter((p) => p.status?.phase === 'Running').length, { timeout: 60_000, interval: 500 }).toBe(6);
    } finally {
      await api.mergePatch(deployment, { spec: { replicas: 3 } });
    }
  });

  it('fault crashloop fires KubePodCrashLooping in that cluster and notifies its webhook with the cluster label', async () => {
    const injectedAt = Date.now();
    expect(lab('fault', 'crashloop', 'aks-lab', 'payments/ledger').status).toBe(0);
    try {
      let pod = '';
      await expect
        .poll(async () => {
          const crashing = (await podsOf('aks-lab', 'payments', 'ledger')).find((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
          pod = crashing?.metadata.name ?? '';
          return pod;
        }, { timeout: 60_000, interval: 1_000 })
        .not.toBe('');
      // ALERTS inside Prometheus has no external labels; the cluster label is added on the way to Alertmanager
      await expect
        .poll(async () => (await promQuery('aks-lab', 'ALERTS{alertname="KubePodCrashLooping",alertstate="firing"}')).map((r) => r.metric.pod), { timeout: 150_000, interval: 2_000 })
        .toContain(pod);
      expect(await promQuery('gke-lab', `ALERTS{alertname="KubePodCrashLooping",pod="${pod}"}`)).toEqual([]);
      const received = () =>
        notifications('aks-lab')
          .filter((n) => Date.parse(n.receivedAt) >= injectedAt)
          .flatMap((n) => n.notification.alerts.map((a): Record<string, string> => ({ ...a.labels, receiver: n.receiver })))
          .filter((a) => a.alertname === 'KubePodCrashLooping' && a.pod === pod);
      await expect.poll(received, { timeout: 60_000, interval: 1_000 }).toContainEqual(expect.objectContaining({ cluster: 'aks-lab', namespace: 'payments', receiver: 'apps', team: 'apps' }));
    } finally {
      expect(lab('fault', 'clear', 'aks-lab').status).toBe(0);
    }
  });

  it('faults imagepull, oom and node-notready show up the way a kubelet reports them, and clear undoes them', async () => {
    const node = (await labApi('gke-lab').list('v1', 'Node'))[0].metadata.name;
    const nodeReady = async () => (await labApi('gke-lab').request<{ status: { conditions: { type: string; status: string }[] } }>('GET', `/api/v1/nodes/${node}`)).status.conditions.find((c) => c.type === 'Ready')?.status;
    expect(lab('fault', 'imagepull', 'gke-lab', 'shop/api').status).toBe(0);
    expect(lab('fault', 'oom', 'gke-lab', 'payments/payments-api').status).toBe(0);
    expect(lab('fault', 'node-notready', 'gke-lab', node).status).toBe(0);
    try {
      const waiting = async () => new Set((await podsOf('gke-lab', 'shop', 'api')).map((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason));
      await expect.poll(waiting, { timeout: 60_000, interval: 1_000 }).toSatisfy((reasons: Set<string | undefined>) => reasons.has('ErrImagePull') || reasons.has('ImagePullBackOff'));
      const oomKilled = async () => (await podsOf('gke-lab', 'payments', 'payments-api')).map((p) => p.status?.containerStatuses?.[0]?.lastState?.terminated).find((t) => t?.reason === 'OOMKilled');
      await expect.poll(oomKilled, { timeout: 60_000, interval: 1_000 }).toEqual(expect.objectContaining({ reason: 'OOMKilled', exitCode: 137 }));
      await expect.poll(nodeReady, { timeout: 30_000, interval: 1_000 }).toBe('False');
    } finally {
      expect(lab('fault', 'clear', 'gke-lab').status).toBe(0);
    }
    await expect.poll(nodeReady, { timeout: 30_000, interval: 1_000 }).toBe('True');
  });

  it('fault apiserver-restart recovers', async () => {
    const before = readRecords().find((r) => r.name === 'eks-lab-apiserver')!.pid;
    const result = lab('fault', 'apiserver-restart', 'eks-lab');
    expect(result.status, result.stderr).toBe(0);
    expect(readRecords().find((r) => r.name === 'eks-lab-apiserver')!.pid).not.toBe(before);
    expect(await labApi('eks-lab').ready()).toBe(true);
    expect((await labApi('eks-lab').list('v1', 'Node')).length).toBe(3);
  });
});

describe('lab lifecycle', () => {
  const portFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });

  afterAll(() => {
    // the other lab tests share this lab: bring it back
    expect(lab('up').status).toBe(0);
  });

  it('status reports every cluster process with its memory', () => {
    const result = lab('status', '--output', 'json');
    const report = JSON.parse(result.stdout) as { up: boolean; totalPssBytes: number; totalRssBytes: number; clusters: { processes: { running: boolean; pid: number }[] }[] };
    expect(report.up).toBe(true);
    expect(report.clusters.map((c) => c.processes.length)).toEqual([7, 7, 7]);
    expect(report.totalPssBytes).toBeGreaterThan(0);
    expect(report.totalRssBytes).toBeGreaterThanOrEqual(report.totalPssBytes);
  });

  it('down stops every process and frees every port', async () => {
    const pids = readRecords().map((r) => r.pid);
    const ports = readRecords().flatMap((r) => (r.port ? [r.port] : []));
    expect(lab('down').status).toBe(0);
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    for (const port of ports) expect(await portFree(port), `port ${port}`).toBe(true);
  });
});
