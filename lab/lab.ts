// The Fleetdeck lab: three real Kubernetes control planes with AKS, GKE and EKS flavours, with
// real Prometheus and Alertmanager, on loopback. `npm run lab -- up|down|status|fault …`
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildBinaries } from './build.ts';
import { apiserver, controlPlane, ensure, etcd, objectStore, stop, webhook } from './components.ts';
import { clusterByContext, clusters, kubeconfigPath, stateDir, urls, type LabCluster } from './config.ts';
import { giveHistory, labHistoryTarget } from './history.ts';
import { ApiError, LabApi, type KubeObject } from './kube.ts';
import { viewerToken, writeKubeconfigs } from './kubeconfig.ts';
import { initMoverRepository, moverRepositoryEnvPath, writeMoverRepositoryEnv } from './object-store.ts';
import { ensurePki } from './pki.ts';
import { isRunning, memoryBytes, readRecords, stopAll, stopPids, waitFor } from './processes.ts';
import { crds, gitops, nodes, securityMistakes, workloads } from './seed.ts';

const FAULT = 'lab.fleetdeck.io/fault';
const log = (line: string) => console.error(`lab: ${line}`);

const debianPackages: Record<string, string> = {
  '/usr/bin/prometheus': 'prometheus',
  '/usr/bin/promtool': 'prometheus',
  '/usr/bin/prometheus-alertmanager': 'prometheus-alertmanager',
  '/usr/bin/openssl': 'openssl',
};

function installMissingPackages() {
  const missing = Object.entries(debianPackages).filter(([file]) => !existsSync(file)).map(([, pkg]) => pkg);
  if (!missing.length) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages: ${missing.join(' ')} (run: sudo apt-get install -y ${missing.join(' ')})`);
  log(`installing ${missing.join(', ')} from Debian…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const result = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
  if (result.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed`);
}

/**
 * A lab made by an older checkout may have stored a CRD version the current CRD no longer serves
 * (the API server then refuses the update): the CRD and its objects are dropped and seeded anew.
 */
async function replaceIfVersionsDropped(api: LabApi, crd: KubeObject) {
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
  const live = await api.request<{ status?: { storedVersions?: string[] } }>('GET', path).catch(() => undefined);
  const served = new Set(((crd.spec as { versions: { name: string }[] }).versions).map((v) => v.name));
  if (!live?.status?.storedVersions?.some((v) => !served.has(v))) return;
  await api.request('DELETE', path);
  await waitFor(`CRD ${crd.metadata.name} to be deleted`, () => api.request('GET', path).then(() => false, () => true));
}

async function seed(c: LabCluster) {
  const api = new LabApi(c);
  for (const crd of crds(c)) {
    await replaceIfVersionsDropped(api, crd);
    await api.apply(crd);
  }
  for (const crd of crds(c)) {
    await waitFor(`CRD ${crd.metadata.name} to be established`, async () => {
      const live = await api.request<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      return live.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
    });
  }
  for (const obj of [...nodes(c), ...workloads(c), ...securityMistakes(c)]) await api.apply(obj);
  const uids = new Map<string, string>();
  for (const [obj, status] of gitops(c)) {
    // an owner seeded earlier in the list: its uid is known only now
    for (const ref of (obj.metadata.ownerReferences ?? []) as { kind: string; name: string; uid: string }[]) ref.uid ||= uids.get(`${ref.kind}/${ref.name}`) ?? '';
    // Argo CD's Application has no status subresource: its status is written with the object
    const applied = await api.apply({ ...obj, status });
    uids.set(`${obj.kind}/${obj.metadata.name}`, String(applied.metadata.uid));
    // a Flux controller that has reconciled the object has seen its current generation (the CRD defaults it to -1)
    const observed = obj.apiVersion.includes('fluxcd.io') ? { observedGeneration: applied.metadata.generation } : {};
    await api.applyStatus({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace }, status: { ...observed, ...status } }).catch((error) => {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    });
  }
}

/** Ready means every simulated node heartbeating Ready since `since`, and every Deployment and StatefulSet fully available. */
async function waitLive(c: LabCluster, since: number) {
  const api = new LabApi(c);
  await waitFor(`${c.context} nodes and workloads to be ready`, async () => {
    const nodeList = await api.list<{ status?: { conditions?: { type: string; status: string; lastHeartbeatTime?: string }[] } }>('v1', 'Node');
    const heartbeat = (x: { lastHeartbeatTime?: string }) => Date.parse(x.lastHeartbeatTime ?? '') >= since - 1_000;
    const nodesReady = nodeList.every((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True' && heartbeat(x)));
    type Workload = KubeObject & { spec: { replicas?: number; template: { metadata?: { annotations?: Record<string, string> } } }; status?: { readyReplicas?: number; availableReplicas?: number } };
    const faulted = (w: Workload) => Boolean(w.spec.template.metadata?.annotations?.[FAULT]);
    const deployments = (await api.list<Workload>('apps/v1', 'Deployment')).filter((d) => !faulted(d));
    const statefulSets = await api.list<Workload>('apps/v1', 'StatefulSet');
    const available = deployments.every((d) => (d.status?.availableReplicas ?? 0) >= (d.spec.replicas ?? 1)) && statefulSets.every((s) => (s.status?.readyReplicas ?? 0) >= (s.spec.replicas ?? 1));
    return nodeList.length > 0 && nodesReady && available;
  }, 180_000);
}

async function up() {
  const started = Date.now();
  installMissingPackages();
  buildBinaries(log);
  mkdirSync(stateDir, { recursive: true });
  ensurePki();
  for (const c of clusters) viewerToken(c);
  writeKubeconfigs();
  await ensure(etcd);
  await ensure(webhook);
  writeMoverRepositoryEnv();
  await ensure(objectStore);
  log(`movers' restic repository ${initMoverRepository()}: ${moverRepositoryEnvPath}`);
  await Promise.all(
    clusters.map(async (c) => {
      await ensure(apiserver(c), 90_000);
      await seed(c);
      for (const component of controlPlane(c)) await ensure(component);
      await waitLive(c, started);
      log(`${c.context} ready (${c.cloud}) at ${urls(c).apiserver}`);
    }),
  );
  log(`up in ${((Date.now() - started) / 1000).toFixed(1)} s; kubeconfig: ${kubeconfigPath}`);
  console.log(kubeconfigPath);
}

async function down() {
  const started = Date.now();
  // Stop what talks to the API servers first, then the API servers (they hang when etcd goes
  // first), then etcd and anything left over.
  const running = readRecords().filter(isRunning);
  const tier = (name: string) => (name === 'etcd' ? 2 : name.endsWith('-apiserver') ? 1 : 0);
  let stopped = 0;
  for (const level of [0, 1]) {
    const pids = running.filter((r) => tier(r.name) === level).map((r) => r.pid);
    await stopPids(pids);
    stopped += pids.length;
  }
  stopped += await stopAll();
  log(`down in ${((Date.now() - started) / 1000).toFixed(1)} s (${stopped} processes stopped)`);
}

function status(json: boolean) {
  const records = readRecords();
  const processes = records.map((r) => {
    const running = isRunning(r);
    const memory = running ? memoryBytes(r.pid) : { rss: 0, pss: 0 };
    return { name: r.name, cluster: r.cluster ?? null, pid: r.pid, running, rssBytes: memory.rss, pssBytes: memory.pss, port: r.port ?? null, log: r.log };
  });
  const report = {
    up: processes.length > 0 && processes.every((p) => p.running),
    kubeconfig: kubeconfigPath,
    // summed RSS counts the shared binary once per process; summed PSS is the lab's real footprint
    totalRssBytes: processes.reduce((sum, p) => sum + p.rssBytes, 0),
    totalPssBytes: processes.reduce((sum, p) => sum + p.pssBytes, 0),
    budgetBytes: 3 * 1024 ** 3,
    clusters: clusters.map((c) => ({ context: c.context, cloud: c.cloud, ...urls(c), processes: processes.filter((p) => p.cluster === c.context) })),
    shared: processes.filter((p) => !p.cluster),
  };
  if (json) return console.log(JSON.stringify(report, null, 2));
  const mb = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MB`;
  console.log(
    `lab ${report.up ? 'up' : processes.length ? 'degraded' : 'down'} · memory ${mb(report.totalPssBytes)} PSS (${mb(report.totalRssBytes)} summed RSS) of ${mb(report.budgetBytes)} budget · kubeconfig ${kubeconfigPath}`,
  );
  const row = (p: (typeof processes)[number]) => `  ${p.name.padEnd(34)} ${p.running ? `pid ${String(p.pid).padEnd(8)}` : 'stopped     '} ${mb(p.pssBytes).padStart(7)} PSS ${mb(p.rssBytes).padStart(7)} RSS  port ${p.port ?? '-'}`;
  for (const p of report.shared) console.log(row(p));
  for (const c of report.clusters) {
    console.log(`${c.context} (${c.cloud})  api ${c.apiserver}  prometheus ${c.prometheus}  alertmanager ${c.alertmanager}`);
    for (const p of c.processes) console.log(row(p));
  }
}

const monitoringComponent = (c: LabCluster, name: string) => controlPlane(c).find((x) => x.name === `${c.context}-${name}`)!;

async function fault(kind: string | undefined, args: string[]) {
  const target = (spec: string | undefined) => {
    const [namespace, name] = (spec ?? '').split('/');
    if (!namespace || !name) throw new Error(`expected <namespace>/<deployment>, got "${spec ?? ''}"`);
    return { namespace, name };
  };
  const cluster = () => clusterByContext(args[0] ?? '');
  switch (kind) {
    case 'crashloop':
    case 'imagepull':
    case 'oom': {
      const { namespace, name } = target(args[1]);
      await new LabApi(cluster()).mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace } }, { spec: { template: { metadata: { annotations: { [FAULT]: kind } } } } });
      return log(`${kind} injected into ${args[0]} ${namespace}/${name}`);
    }
    case 'node-notready':
      if (!args[1]) throw new Error('usage: fault node-notready <context> <node>');
      await new LabApi(cluster()).mergePatch({ apiVersion: 'v1', kind: 'Node', metadata: { name: args[1] } }, { metadata: { annotations: { [FAULT]: 'notready' } } });
      return log(`node ${args[1]} of ${args[0]} reports NotReady`);
    case 'mover-kill': {
      // node-sim SIGKILLs the processes of a mover pod that carries this annotation, once
      const { namespace, name } = target(args[1]);
      const api = new LabApi(cluster());
      type Pod = KubeObject & { status?: { phase?: string } };
      const pods = (await api.list<Pod>('v1', 'Pod', namespace)).filter((p) => p.status?.phase === 'Running' && (p.metadata.name === name || p.metadata.labels?.['batch.kubernetes.io/job-name'] === name));
      if (!pods.length) throw new Error(`no running pod ${namespace}/${name} (or of a Job of that name) in ${args[0]}`);
      for (const { metadata } of pods) await api.mergePatch({ apiVersion: 'v1', kind: 'Pod', metadata }, { metadata: { annotations: { [FAULT]: 'kill' } } });
      return log(`kill fault set on ${pods.map((p) => p.metadata.name).join(', ')} in ${args[0]}: node-sim kills its processes`);
    }
    case 'apiserver-stop':
      await stop(apiserver(cluster()));
      return log(`${args[0]} API server stopped`);
    case 'apiserver-start':
      await ensure(apiserver(cluster()), 90_000);
      return log(`${args[0]} API server started`);
    case 'apiserver-restart': {
      const c = cluster();
      await stop(apiserver(c));
      await ensure(apiserver(c), 90_000);
      return log(`${c.context} API server restarted and ready`);
    }
    case 'prometheus-stop':
    case 'alertmanager-stop':
      await stop(monitoringComponent(cluster(), kind.split('-')[0]));
      return log(`${args[0]} ${kind.split('-')[0]} stopped`);
    case 'prometheus-start':
    case 'alertmanager-start':
      await ensure(monitoringComponent(cluster(), kind.split('-')[0]));
      return log(`${args[0]} ${kind.split('-')[0]} started`);
    case 'clear':
      for (const c of args[0] ? [cluster()] : clusters) {
        await ensure(apiserver(c), 90_000);
        const api = new LabApi(c);
        // list items carry no apiVersion and kind: name them for the patch
        for (const { metadata, spec } of await api.list<KubeObject & { spec: { template: { metadata?: { annotations?: Record<string, string> } } } }>('apps/v1', 'Deployment')) {
          if (spec.template.metadata?.annotations?.[FAULT]) await api.mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata }, { spec: { template: { metadata: { annotations: { [FAULT]: null } } } } });
        }
        for (const { metadata } of await api.list('v1', 'Node')) {
          if (metadata.annotations?.[FAULT]) await api.mergePatch({ apiVersion: 'v1', kind: 'Node', metadata }, { metadata: { annotations: { [FAULT]: null } } });
        }
      }
      return log('faults cleared');
    default:
      throw new Error(`unknown fault "${kind ?? ''}": crashloop|imagepull|oom <ctx> <ns>/<deployment>, node-notready <ctx> <node>, mover-kill <ctx> <ns>/<pod-or-job>, apiserver-restart|apiserver-stop|apiserver-start <ctx>, prometheus-stop|prometheus-start|alertmanager-stop|alertmanager-start <ctx>, clear [ctx]`);
  }
}

const usage = 'usage: npm run lab -- up | down | status [--output json] | fault <kind> … | history <context> --days 30 --series N [--namespace shop]';

async function main() {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { output: { type: 'string', short: 'o', default: 'table' }, days: { type: 'string', default: '30' }, series: { type: 'string', default: '100' }, namespace: { type: 'string', default: 'shop' } } });
  const [command, ...rest] = positionals;
  switch (command) {
    case 'up':
      return up();
    case 'down':
      return down();
    case 'status':
      return status(values.output === 'json');
    case 'fault':
      return fault(rest[0], rest.slice(1));
    case 'history': {
      const c = clusterByContext(rest[0] ?? '');
      const result = await giveHistory(c, labHistoryTarget(c), { namespace: values.namespace, days: Number(values.days), series: Number(values.series) }, log);
      return console.log(JSON.stringify(result, null, 2));
    }
    default:
      console.error(usage);
      process.exitCode = 2;
  }
}

main().catch((error: Error) => {
  console.error(`lab: ${error.message}`);
  process.exit(1);
});
