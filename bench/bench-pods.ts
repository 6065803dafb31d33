// The lab scaled up for the benchmarks that need a big fleet (fleet, audit): every cluster given
// PODS pods in Deployments of a namespace of their own, on simulated nodes, with the lab's
// monitoring stopped while they measure (three Prometheus servers and kube-state-metrics taking
// in 15,000 pods' series use most of this machine's CPU, which in a real fleet belongs to the
// clusters' own nodes, not to the SRE's machine). Every bench pod carries the lab's imagepull
// fault, so each is a problem row for the fleet view.
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { clusters, type LabCluster } from '../lab/config.ts';
import { LabApi } from '../lab/kube.ts';
import { stopRecord } from '../lab/processes.ts';

const root = path.resolve(import.meta.dirname, '..');
export const PODS = Number(process.env.BENCH_PODS ?? 5000);
const PER_DEPLOYMENT = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.error(`bench: ${line}`);

async function scale(c: LabCluster, namespace: string) {
  const api = new LabApi(c);
  // a previous run's namespace may still be terminating
  const terminating = () => api.request<{ status?: { phase?: string } }>('GET', `/api/v1/namespaces/${namespace}`).then((ns) => ns.status?.phase === 'Terminating', () => false);
  while (await terminating()) await sleep(2_000);
  const nodes = Math.ceil(PODS / 100) + 1;
  for (let i = 0; i < nodes; i++) {
    await api.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: `bench-${c.cloud}-${i}`, labels: { 'lab.fleetdeck.io/simulated': 'true', 'fleetdeck.io/bench': 'true' } } });
  }
  await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  for (let i = 0; i < PODS / PER_DEPLOYMENT; i++) {
    const name = `app-${i}`;
    await api.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: {
        replicas: PER_DEPLOYMENT,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name }, annotations: { 'lab.fleetdeck.io/fault': 'imagepull' } },
          spec: { containers: [{ name: 'app', image: `registry.example/bench/${name}:1.0.0`, resources: { requests: { cpu: '1m', memory: '1Mi' } } }] },
        },
      },
    });
  }
  // a loaded API server may time out while the pods are created: ask again
  const count = async () => (await api.request<{ metadata: { remainingItemCount?: number }; items: unknown[] }>('GET', `/api/v1/namespaces/${namespace}/pods?limit=1`).catch(() => undefined))?.metadata.remainingItemCount ?? 0;
  while ((await count()) + 1 < PODS) await sleep(2_000);
}

/** `lab up`: brings the monitoring stack back (and the lab, if it was down). */
export const labUp = () => spawnSync(process.execPath, [path.join(root, 'lab/lab.ts'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });

/** The lab up, its monitoring stopped, PODS bench pods in `namespace` of every cluster, and the lab settled after their first failed pulls. */
export async function scaleLab(namespace: string): Promise<void> {
  labUp();
  for (const c of clusters) for (const name of ['prometheus', 'alertmanager', 'kube-state-metrics']) await stopRecord(`${c.context}-${name}`);
  log('monitoring stopped for the measurement (`lab up` brings it back at the end)');
  log(`scaling every lab cluster to ${PODS} bench pods (${clusters.length * PODS} in all)…`);
  const scaleStart = performance.now();
  await Promise.all(clusters.map((c) => scale(c, namespace)));
  log(`scaled in ${((performance.now() - scaleStart) / 1000).toFixed(0)} s; letting node-sim settle`);
  // 15,000 pods created at once fail their first pulls together, again and again until their
  // back-offs reach the kubelet's 5 minutes (after about as long): wait for the lab to calm down
  const settleStart = performance.now();
  do await sleep(20_000);
  while (loadavg()[0] > availableParallelism() && performance.now() - settleStart < 600_000);
  log(`settled after ${((performance.now() - settleStart) / 1000).toFixed(0)} s`);
}

/** The bench pods, their namespace and nodes removed (unless BENCH_KEEP), and the monitoring back. */
export async function unscaleLab(namespace: string): Promise<void> {
  if (!process.env.BENCH_KEEP) {
    for (const c of clusters) {
      const api = new LabApi(c);
      await api.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
      const nodes = await api.list<{ metadata: { name: string; labels?: Record<string, string> } }>('v1', 'Node');
      for (const n of nodes.filter((n) => n.metadata.labels?.['fleetdeck.io/bench'])) await api.request('DELETE', `/api/v1/nodes/${n.metadata.name}`);
    }
  }
  labUp();
}
