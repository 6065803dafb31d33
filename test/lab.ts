// Helpers for tests that run against the lab.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { clusterByContext, kubeconfigPath, urls } from '../lab/config.ts';
import { LabApi } from '../lab/kube.ts';

export const labKubeconfig = kubeconfigPath;
export const labApi = (context: string) => new LabApi(clusterByContext(context));
export const labUrls = (context: string) => urls(clusterByContext(context));

type KubeconfigEntry = { name: string } & Record<string, Record<string, unknown>>;

/** The lab kubeconfig with a change, in a file of its own. */
export function labKubeconfigWith(change: (config: { clusters: KubeconfigEntry[]; users: KubeconfigEntry[]; contexts: KubeconfigEntry[] }) => void): string {
  const config = parse(readFileSync(labKubeconfig, 'utf8'));
  change(config);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-')), 'kubeconfig');
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

/** Runs `npm run lab -- …` in-process terms: the same entry point, a child process. */
export function lab(...args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../lab/lab.ts'), ...args], { encoding: 'utf8' });
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

export async function promQuery(context: string, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${labUrls(context).prometheus}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
  if (body.status !== 'success') throw new Error(body.error);
  return body.data.result;
}

export function notifications(context: string): { receivedAt: string; receiver: string; notification: { status: string; alerts: { labels: Record<string, string>; status: string }[]; commonLabels: Record<string, string> } }[] {
  try {
    return readFileSync(path.join(path.dirname(kubeconfigPath), context, 'notifications.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/** A non-loopback IPv4 of this machine: the API server refuses to proxy to loopback addresses. */
export const hostAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

/**
 * Puts the context's lab Prometheus behind its API server as prometheus-operated in the monitoring
 * namespace, as prometheus-operator runs it: a forwarder on the host address stands in for the
 * Prometheus pod behind the Service. Returns what takes it down again (namespace, node, forwarder).
 */
export async function prometheusBehindServiceProxy(context: string): Promise<() => Promise<void>> {
  if (!hostAddress) throw new Error('this machine has no non-loopback IPv4 address for the API server to proxy to');
  const target = new URL(labUrls(context).prometheus);
  const forwarder = net.createServer((socket) => socket.pipe(net.connect(Number(target.port), '127.0.0.1')).pipe(socket));
  await new Promise<void>((resolve) => forwarder.listen(0, hostAddress, resolve));
  const port = (forwarder.address() as net.AddressInfo).port;
  const api = labApi(context);
  const node = `lab-monitoring-host-${context}`;
  // the API server proxies only to an EndpointSlice address that is a Pod's IP: a Prometheus pod on a host node
  await api.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: node } });
  await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } });
  await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'prometheus-lab-0', namespace: 'monitoring' }, spec: { nodeName: node, containers: [{ name: 'prometheus', image: 'quay.io/prometheus/prometheus:v2.53.0' }] } });
  await api.request('PATCH', '/api/v1/namespaces/monitoring/pods/prometheus-lab-0/status', { status: { phase: 'Running', podIP: hostAddress, podIPs: [{ ip: hostAddress }] } }, 'application/merge-patch+json');
  await api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'prometheus-operated', namespace: 'monitoring' }, spec: { ports: [{ name: 'web', port: 9090, targetPort: port }] } });
  await api.apply({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'prometheus-operated-lab', namespace: 'monitoring', labels: { 'kubernetes.io/service-name': 'prometheus-operated' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [hostAddress], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'monitoring', name: 'prometheus-lab-0' } }],
    ports: [{ name: 'web', port, protocol: 'TCP' }],
  });
  return async () => {
    forwarder.close();
    await api.request('DELETE', '/api/v1/namespaces/monitoring').catch(() => undefined);
    await api.request('DELETE', `/api/v1/nodes/${node}`).catch(() => undefined);
  };
}
