import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { binary } from './build.ts';
import { flavours } from './clouds.ts';
import { etcdPorts, labDir, objectStorePort, stateDir, webhookPort, type LabCluster } from './config.ts';
import { LabApi } from './kube.ts';
import { adminKubeconfig } from './kubeconfig.ts';
import { writeMonitoringConfig } from './monitoring.ts';
import { objectStoreBucket, objectStoreDir, objectStoreUrl, readMoverRepositoryEnv } from './object-store.ts';
import { pki } from './pki.ts';
import { findRecord, startProcess, stopRecord, waitFor, type ProcessRecord } from './processes.ts';
import { csiDriver } from './seed.ts';

export interface Component {
  name: string;
  port: number;
  start(): ProcessRecord;
  ready(): Promise<boolean>;
  /** picks up a rewritten config file without a restart */
  reload?(): Promise<unknown>;
  /** how long it may take to answer once started (default 60 s) */
  readyTimeoutMs?: number;
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Stops a component and waits until its port is free again, so it can be started anew at once. */
export async function stop(component: Component): Promise<void> {
  await stopRecord(component.name);
  await waitFor(`port ${component.port} of ${component.name} to be released`, async () => !(await portOpen(component.port)), 30_000);
}

const httpOk = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined))?.ok ?? false;

/** Starts a component unless it already runs, then waits until it answers. */
export async function ensure(component: Component, timeoutMs = component.readyTimeoutMs ?? 60_000): Promise<void> {
  let record = findRecord(component.name);
  if (record && (await component.ready())) {
    await component.reload?.();
    return;
  }
  if (!record) {
    if (await portOpen(component.port)) throw new Error(`port ${component.port} for ${component.name} is taken by another process (set LAB_PORT_BASE to move the lab)`);
    record = component.start();
  }
  await waitFor(`${component.name} to be ready on port ${component.port}`, () => component.ready(), timeoutMs, record.log);
}

export const etcd: Component = {
  name: 'etcd',
  port: etcdPorts.client,
  start: () =>
    startProcess('etcd', binary('labk8s'), [
      'etcd',
      `--data-dir=${path.join(stateDir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPorts.client}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPorts.client}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPorts.peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPorts.peer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPorts.peer}`,
      '--quota-backend-bytes=4294967296',
      '--log-level=warn',
    ], { port: etcdPorts.client }),
  ready: () => httpOk(`http://127.0.0.1:${etcdPorts.client}/health`),
};

export const webhook: Component = {
  name: 'webhook',
  port: webhookPort,
  start: () => startProcess('webhook', process.execPath, [path.join(labDir, 'webhook.ts'), stateDir], { port: webhookPort }),
  ready: () => portOpen(webhookPort),
};

/** Its credentials come from the mover repository's env file (written first), through the environment, not the command line. */
export const objectStore: Component = {
  name: 'object-store',
  port: objectStorePort,
  start: () => {
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = readMoverRepositoryEnv();
    return startProcess('object-store', binary('lab-s3'), [`--listen=127.0.0.1:${objectStorePort}`, `--root=${objectStoreDir}`, `--bucket=${objectStoreBucket}`], {
      port: objectStorePort,
      env: { LAB_S3_ACCESS_KEY_ID: AWS_ACCESS_KEY_ID, LAB_S3_SECRET_ACCESS_KEY: AWS_SECRET_ACCESS_KEY },
    });
  },
  ready: () => httpOk(`${objectStoreUrl}/-/ready`),
};

/** node-sim serves the nodes' kubelets on this socket, as the API server's egress proxy for cluster traffic. */
const kubeletSocket = (c: LabCluster) => path.join(c.dir, 'kubelet.sock');

function egressSelectorConfig(c: LabCluster): string {
  const file = path.join(c.dir, 'egress-selector.yaml');
  mkdirSync(c.dir, { recursive: true });
  writeFileSync(
    file,
    stringify({
      apiVersion: 'apiserver.k8s.io/v1beta1',
      kind: 'EgressSelectorConfiguration',
      egressSelections: [{ name: 'cluster', connection: { proxyProtocol: 'HTTPConnect', transport: { uds: { udsName: kubeletSocket(c) } } } }],
    }),
  );
  return file;
}

export function apiserver(c: LabCluster): Component {
  const api = new LabApi(c);
  return {
    name: `${c.context}-apiserver`,
    port: c.ports.apiserver,
    start: () =>
      startProcess(`${c.context}-apiserver`, binary('labk8s'), [
        'kube-apiserver',
        `--etcd-servers=http://127.0.0.1:${etcdPorts.client}`,
        `--etcd-prefix=/registry-${c.context}`,
        `--secure-port=${c.ports.apiserver}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        '--endpoint-reconciler-type=none',
        `--cert-dir=${path.join(c.dir, 'apiserver-certs')}`,
        `--tls-cert-file=${pki('apiserver.crt')}`,
        `--tls-private-key-file=${pki('apiserver.key')}`,
        `--client-ca-file=${pki('ca.crt')}`,
        `--token-auth-file=${path.join(c.dir, 'tokens.csv')}`,
        `--service-cluster-ip-range=${c.serviceCidr}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki('sa.pub')}`,
        `--service-account-signing-key-file=${pki('sa.key')}`,
        '--allow-privileged=true',
        // kubectl logs: the nodes' kubelets are node-sim, reached through the egress proxy it serves
        `--egress-selector-config-file=${egressSelectorConfig(c)}`,
        `--kubelet-certificate-authority=${pki('ca.crt')}`,
        `--kubelet-client-certificate=${pki('apiserver-kubelet-client.crt')}`,
        `--kubelet-client-key=${pki('apiserver-kubelet-client.key')}`,
        '--v=1',
      ], { cluster: c.context, port: c.ports.apiserver }),
    ready: () => api.ready(),
  };
}

export function controlPlane(c: LabCluster): Component[] {
  const kubeconfig = adminKubeconfig(c);
  const delegated = [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`, '--bind-address=127.0.0.1'];
  const schedulerConfig = path.join(c.dir, 'scheduler.yaml');
  writeFileSync(
    schedulerConfig,
    stringify({ apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', clientConnection: { kubeconfig, qps: 200, burst: 400 }, leaderElection: { leaderElect: false } }),
  );
  const monitoring = writeMonitoringConfig(c);
  const component = (suffix: string, port: number, command: string, args: string[], ready = () => portOpen(port), reload?: () => Promise<unknown>): Component => ({
    name: `${c.context}-${suffix}`,
    port,
    start: () => startProcess(`${c.context}-${suffix}`, command, args, { cluster: c.context, port }),
    ready,
    reload,
  });
  const reload = (port: number) => () => fetch(`http://127.0.0.1:${port}/-/reload`, { method: 'POST' });
  return [
    component('controller-manager', c.ports.controllerManager, binary('labk8s'), [
      'kube-controller-manager',
      ...delegated,
      `--secure-port=${c.ports.controllerManager}`,
      '--leader-elect=false',
      `--service-account-private-key-file=${pki('sa.key')}`,
      `--root-ca-file=${pki('ca.crt')}`,
      '--allocate-node-cidrs=true',
      `--cluster-cidr=${c.podCidr}`,
      `--service-cluster-ip-range=${c.serviceCidr}`,
      '--node-monitor-grace-period=40s',
      '--kube-api-qps=200',
      '--kube-api-burst=400',
      '--concurrent-deployment-syncs=10',
      '--concurrent-replicaset-syncs=10',
    ]),
    component('scheduler', c.ports.scheduler, binary('labk8s'), ['kube-scheduler', ...delegated.slice(1), `--config=${schedulerConfig}`, `--secure-port=${c.ports.scheduler}`]),
    component('node-sim', c.ports.nodeSim, binary('labk8s'), [
      'node-sim',
      `--kubeconfig=${kubeconfig}`,
      `--metrics-address=127.0.0.1:${c.ports.nodeSim}`,
      `--pods-dir=${path.join(c.dir, 'pods')}`,
      `--volumes-dir=${path.join(c.dir, 'volumes')}`,
      `--provisioners=${[...new Set(flavours[c.cloud].storageClasses.map((s) => csiDriver(s.provisioner)))].join(',')}`,
      `--mover-restic=${binary('restic')}`,
      `--kubelet-socket=${kubeletSocket(c)}`,
      `--kubelet-ca-cert=${pki('ca.crt')}`,
      `--kubelet-ca-key=${pki('ca.key')}`,
    ], () => httpOk(`http://127.0.0.1:${c.ports.nodeSim}/healthz`)),
    component('kube-state-metrics', c.ports.ksm, binary('kube-state-metrics'), [
      `--kubeconfig=${kubeconfig}`,
      '--host=127.0.0.1',
      `--port=${c.ports.ksm}`,
      '--telemetry-host=127.0.0.1',
      `--telemetry-port=${c.ports.ksmTelemetry}`,
      '--resources=configmaps,cronjobs,daemonsets,deployments,jobs,namespaces,nodes,persistentvolumeclaims,persistentvolumes,pods,replicasets,resourcequotas,secrets,services,statefulsets,storageclasses',
    ]),
    component('alertmanager', c.ports.alertmanager, '/usr/bin/prometheus-alertmanager', [
      `--config.file=${monitoring.alertmanager}`,
      `--storage.path=${path.join(c.dir, 'alertmanager-data')}`,
      `--web.listen-address=127.0.0.1:${c.ports.alertmanager}`,
      '--cluster.listen-address=',
    ], () => httpOk(`http://127.0.0.1:${c.ports.alertmanager}/-/ready`), reload(c.ports.alertmanager)),
    // it replays its write-ahead log first: after a benchmark's 15,000 pods, minutes
    { ...component('prometheus', c.ports.prometheus, '/usr/bin/prometheus', [
      `--config.file=${monitoring.prometheus}`,
      `--storage.tsdb.path=${path.join(c.dir, 'prometheus-data')}`,
      // a target for copied history: it keeps 35 days and takes 30-day-old samples through remote write (lab/monitoring.ts: the out-of-order window)
      '--storage.tsdb.retention.time=35d',
      '--web.enable-remote-write-receiver',
      `--web.listen-address=127.0.0.1:${c.ports.prometheus}`,
      '--web.enable-lifecycle',
    ], () => httpOk(`http://127.0.0.1:${c.ports.prometheus}/-/ready`), reload(c.ports.prometheus)), readyTimeoutMs: 300_000 },
  ];
}
