import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ContextConfig } from '../clusters/context-config.ts';
import type { EndpointSource, MonitoringEndpoint } from '../../../shared/contract/monitoring.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { classifyNetworkError, kubeRequest } from '../clusters/http.ts';

/** Where Prometheus or Alertmanager answers: a URL, or a Service reached through the API server's proxy with the cluster's own credentials. */
export type Target = { kind: 'url'; base: string; source: EndpointSource } | { kind: 'proxy'; kc: ContextConfig; base: string; service: string; source: EndpointSource };

export interface HttpAnswer {
  status: number;
  text: string;
}

/** Two contexts of one cluster (admin and viewer, say) reach the same Prometheus: the same key. */
export function targetKey(target: Target): string {
  return target.kind === 'url' ? target.base.replace(/\/+$/, '') : `${target.kc.cluster.server}${target.base}`;
}

export function describeTarget(target: Target): MonitoringEndpoint {
  return { location: target.kind === 'url' ? target.base : `${target.service} via the API server`, source: target.source };
}

/** One request to a monitoring target; rejects only when no answer came (unreachable, timeout, cancelled). */
export async function request(target: Target, relative: string, options: { method?: string; body?: unknown; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<HttpAnswer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (target.kind === 'proxy') {
    const res = await kubeRequest(target.kc, `${target.base}/${relative}`, { method: options.method ?? 'GET', ...(options.body === undefined ? {} : { body: options.body }), timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    return { status: res.status, text: res.body };
  }
  const url = new URL(relative, target.base.endsWith('/') ? target.base : `${target.base}/`);
  const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: options.method ?? 'GET',
      signal,
      headers: { Accept: 'application/json', ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    return { status: res.status, text: await res.text() };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if ((error as Error).name === 'TimeoutError') throw new FleetdeckError('timeout', `${target.base} did not answer within ${timeoutMs / 1000} s`);
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    throw cause ? classifyNetworkError(cause, target.base) : new FleetdeckError('unreachable', `cannot reach ${target.base}: ${(error as Error).message}`);
  }
}

/** The `fleetdeck.io/monitoring` context extension, as the lab writes it. */
export interface MonitoringUrls {
  prometheus?: string;
  alertmanager?: string;
  grafana?: string;
}

export function monitoringUrls(extension: unknown): MonitoringUrls {
  const value = (extension ?? {}) as Record<string, unknown>;
  const url = (key: string) => (typeof value[key] === 'string' && /^https?:\/\//.test(value[key] as string) ? (value[key] as string) : undefined);
  const urls = { prometheus: url('prometheus'), alertmanager: url('alertmanager'), grafana: url('grafana') };
  return Object.fromEntries(Object.entries(urls).filter(([, v]) => v)) as MonitoringUrls;
}

/** URLs the user set in the app, per context: `<data>/monitoring.json`. */
export class MonitoringSettings {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'monitoring.json');
  }

  async read(): Promise<Record<string, MonitoringUrls>> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as Record<string, MonitoringUrls>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new FleetdeckError('invalid-input', `${this.file} is not valid JSON: ${(error as Error).message}`);
    }
  }

  async update(context: string, change: { [K in keyof MonitoringUrls]?: string | null }): Promise<MonitoringUrls> {
    const all = await this.read();
    const next: Record<string, string | undefined> = { ...all[context] };
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) continue;
      if (value === null) delete next[key];
      else next[key] = value;
    }
    if (Object.keys(next).length) all[context] = next as MonitoringUrls;
    else delete all[context];
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFile(this.file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    return all[context] ?? {};
  }
}

interface ServiceObject {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec?: { ports?: { name?: string; port: number }[] };
}

const DISCOVERY_NAMESPACES = ['monitoring', 'prometheus'];

/** Which Prometheus or Alertmanager a Service is, by the names the usual charts and the operator give them. */
const PATTERNS = {
  prometheus: { names: [/^prometheus-operated$/, /-kube-prometheus-prometheus$/, /-kube-prom-prometheus$/, /(^|-)prometheus-server$/, /^prometheus$/], label: 'prometheus', port: 9090, portNames: ['web', 'http-web', 'http'] },
  alertmanager: { names: [/^alertmanager-operated$/, /-kube-prometheus-alertmanager$/, /-kube-prom-alertmanager$/, /(^|-)alertmanager$/], label: 'alertmanager', port: 9093, portNames: ['web', 'http-web', 'http'] },
} as const;

function rank(service: ServiceObject, kind: keyof typeof PATTERNS): number {
  const p = PATTERNS[kind];
  const byName = p.names.findIndex((re) => re.test(service.metadata.name));
  if (byName >= 0) return byName;
  const labels = service.metadata.labels ?? {};
  if (labels['app.kubernetes.io/name'] === p.label || labels.app === p.label) return p.names.length;
  return -1;
}

function proxyTarget(kc: ContextConfig, service: ServiceObject, kind: keyof typeof PATTERNS): Target {
  const ports = service.spec?.ports ?? [];
  const port = ports.find((x) => (PATTERNS[kind].portNames as readonly string[]).includes(x.name ?? '')) ?? ports.find((x) => x.port === PATTERNS[kind].port) ?? ports[0];
  const portRef = port?.name || String(port?.port ?? PATTERNS[kind].port);
  const { namespace, name } = service.metadata;
  return { kind: 'proxy', kc, base: `/api/v1/namespaces/${namespace}/services/http:${name}:${portRef}/proxy`, service: `${namespace}/${name}:${portRef}`, source: 'discovered' };
}

/** Candidates from the monitoring namespaces' Services, best first; a namespace that does not exist or may not be read is passed over. */
export async function discoverCandidates(kc: ContextConfig, kind: keyof typeof PATTERNS): Promise<Target[]> {
  const found: { service: ServiceObject; rank: number }[] = [];
  for (const ns of DISCOVERY_NAMESPACES) {
    const res = await kubeRequest(kc, `/api/v1/namespaces/${ns}/services`, { timeoutMs: 10_000 });
    if (res.status !== 200) continue;
    for (const service of (JSON.parse(res.body) as { items: ServiceObject[] }).items) {
      const r = rank(service, kind);
      if (r >= 0) found.push({ service, rank: r });
    }
  }
  return found.sort((a, b) => a.rank - b.rank).map(({ service }) => proxyTarget(kc, service, kind));
}

/** Whether the target answers as the kind it should be: a trivial query, or Alertmanager's status. */
export async function probe(target: Target, kind: 'prometheus' | 'alertmanager'): Promise<boolean> {
  try {
    const res = await request(target, kind === 'prometheus' ? 'api/v1/query?query=1' : 'api/v2/status', { timeoutMs: 10_000 });
    if (res.status !== 200) return false;
    const body = JSON.parse(res.text) as { status?: string; versionInfo?: unknown; config?: unknown };
    return kind === 'prometheus' ? body.status === 'success' : body.config !== undefined;
  } catch {
    return false;
  }
}
