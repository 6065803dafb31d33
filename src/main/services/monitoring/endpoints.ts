import { readFile } from 'node:fs/promises';
import { replaceFile } from '../../base/files.ts';
import path from 'node:path';
import { ContextConfig } from '../../kube/context-config.ts';
import type { EndpointSource, MonitoringEndpoint } from '../../../shared/contract/monitoring.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { kubeRequest, type KubeResponse } from '../../kube/http.ts';
import { environmentProxy, isHostName, isLoopback } from '../../kube/proxy.ts';
import { displayUrl, urlSecrets, validUserInfo } from '../../kube/redact.ts';

/**
 * Where Prometheus or Alertmanager answers, reached through the one request function: its own URL
 * (base ''), or a Service behind the API server's proxy (base the proxy path) with the cluster's
 * own credentials.
 */
export interface Target {
  kc: ContextConfig;
  base: string;
  /** for display: the URL without credentials, query or fragment, or `namespace/service:port via the API server` */
  location: string;
  source: EndpointSource;
}

/** Two contexts of one cluster (admin and viewer, say) reach the same Prometheus: the same key. */
export function targetKey(target: Target): string {
  return `${target.kc.cluster.server}${target.base}`;
}

export function describeTarget(target: Target): MonitoringEndpoint {
  return { location: target.location, source: target.source };
}

/**
 * A monitoring URL the request function can use: http or https, a host TLS can carry, credentials
 * that decode and, when Fleetdeck sends them, travel encrypted (as for API servers, http:// carries
 * them only on loopback). A Grafana URL's are never sent: its link is shown without them.
 */
export function checkedUrl(raw: string, what: string, sendsCredentials = true): URL {
  const url = URL.parse(raw);
  if (!url || !['http:', 'https:'].includes(url.protocol) || !isHostName(url.hostname) || !validUserInfo(url)) {
    throw new FleetdeckError('invalid-input', `${what} is not an http:// or https:// URL: ${displayUrl(raw)}`);
  }
  if (sendsCredentials && url.protocol === 'http:' && (url.username || url.password) && !isLoopback(url.hostname)) {
    throw new FleetdeckError('invalid-input', `${what} would send its user and password unencrypted to ${displayUrl(raw)}: use an https:// URL`);
  }
  return url;
}

/**
 * A Prometheus or Alertmanager at its own URL: the URL's user and password are sent as basic auth;
 * its query and fragment are not sent. Environment proxies apply as they do to API servers.
 */
export function urlTarget(raw: string, source: EndpointSource, what: string, env: NodeJS.ProcessEnv = process.env): Target {
  const server = checkedUrl(raw, what);
  server.search = '';
  server.hash = '';
  const location = displayUrl(raw);
  const cluster = { name: location, server: server.href.replace(/\/+$/, ''), skipTLSVerify: false };
  const kc = new ContextConfig({ name: location, server, proxy: environmentProxy(server, env), cluster, user: { name: '' }, secrets: urlSecrets(raw) });
  return { kc, base: '', location, source };
}

/** One request to a monitoring target; rejects only when no answer came (unreachable, timeout, too large, cancelled). */
export function request(target: Target, relative: string, options: { method?: string; body?: unknown; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<KubeResponse> {
  return kubeRequest(target.kc, `${target.base}/${relative}`, { timeoutMs: 30_000, ...options });
}

/** The `fleetdeck.io/monitoring` context extension, as the lab writes it, or a context's entry in monitoring.json. */
export interface MonitoringUrls {
  prometheus?: string;
  alertmanager?: string;
  grafana?: string;
}

/** The string values of the three keys; whether each is a usable URL is checked where it is used. */
export function monitoringUrls(value: unknown): MonitoringUrls {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return Object.fromEntries((['prometheus', 'alertmanager', 'grafana'] as const).filter((key) => typeof record[key] === 'string' && record[key]).map((key) => [key, record[key]])) as MonitoringUrls;
}

/** URLs the user set in the app, per context: `<data>/monitoring.json`. */
export class MonitoringSettings {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'monitoring.json');
  }

  async read(): Promise<Record<string, MonitoringUrls>> {
    // no prototype: a context may be called __proto__
    const byContext: Record<string, MonitoringUrls> = Object.create(null);
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return byContext;
      throw new FleetdeckError('internal', `${this.file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    let all: unknown;
    try {
      all = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the text around the error, which may be a URL's password
    }
    if (typeof all !== 'object' || all === null || Array.isArray(all)) throw new FleetdeckError('invalid-input', `${this.file} is not a JSON object of monitoring URLs per context`);
    for (const [context, urls] of Object.entries(all)) byContext[context] = monitoringUrls(urls);
    return byContext;
  }

  private updated: Promise<unknown> = Promise.resolve();

  /** Read, change, write — one change at a time, else two changes at once lose one. */
  update(context: string, change: { [K in keyof MonitoringUrls]?: string | null }): Promise<MonitoringUrls> {
    const next = this.updated.then(() => this.change(context, change));
    this.updated = next.catch(() => undefined);
    return next;
  }

  private async change(context: string, change: { [K in keyof MonitoringUrls]?: string | null }): Promise<MonitoringUrls> {
    const all = await this.read();
    const next: Record<string, string | undefined> = { ...all[context] };
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) continue;
      if (value === null) delete next[key];
      else next[key] = value;
    }
    if (Object.keys(next).length) all[context] = next as MonitoringUrls;
    else delete all[context];
    await replaceFile(this.file, `${JSON.stringify(all, null, 2)}\n`);
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

const segment = encodeURIComponent;

function proxyTarget(kc: ContextConfig, service: ServiceObject, kind: keyof typeof PATTERNS): Target {
  const ports = service.spec?.ports ?? [];
  const port = ports.find((x) => (PATTERNS[kind].portNames as readonly string[]).includes(x.name ?? '')) ?? ports.find((x) => x.port === PATTERNS[kind].port) ?? ports[0];
  const portRef = port?.name || String(port?.port ?? PATTERNS[kind].port);
  const { namespace, name } = service.metadata;
  return {
    kc,
    base: `/api/v1/namespaces/${segment(namespace)}/services/http:${segment(name)}:${segment(portRef)}/proxy`,
    location: `${namespace}/${name}:${portRef} via the API server`,
    source: 'discovered',
  };
}

/** The Services of a list answer that have a name and namespace; anything else in it is passed over. */
function servicesOf(body: string): ServiceObject[] {
  try {
    const items = (JSON.parse(body) as { items?: unknown } | null)?.items;
    return Array.isArray(items) ? items.filter((s): s is ServiceObject => typeof s?.metadata?.name === 'string' && typeof s.metadata.namespace === 'string') : [];
  } catch {
    return [];
  }
}

/** Candidates from the monitoring namespaces' Services, best first; a namespace that does not exist or may not be read is passed over. */
export async function discoverCandidates(kc: ContextConfig, kind: keyof typeof PATTERNS): Promise<Target[]> {
  const found: { service: ServiceObject; rank: number }[] = [];
  for (const ns of DISCOVERY_NAMESPACES) {
    const res = await kubeRequest(kc, `/api/v1/namespaces/${segment(ns)}/services`, { timeoutMs: 10_000 });
    if (res.status !== 200) continue;
    for (const service of servicesOf(res.body)) {
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
    const body = JSON.parse(res.body) as { status?: string; config?: unknown } | null;
    return kind === 'prometheus' ? body?.status === 'success' : body?.config !== undefined;
  } catch {
    return false;
  }
}
