import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { FleetdeckError, type ErrorCode } from '../../../shared/errors.ts';

export interface KubeResponse {
  status: number;
  body: string;
}

const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'EPIPE']);

/** Maps a socket or TLS error to a connection failure with a message naming the server. */
export function classifyNetworkError(error: NodeJS.ErrnoException, server: string): FleetdeckError {
  const code = error.code ?? '';
  if (unreachableCodes.has(code)) return new FleetdeckError('unreachable', `cannot reach ${server}: ${error.message}`);
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) {
    return new FleetdeckError('tls', `TLS error with ${server}: ${error.message}`);
  }
  return new FleetdeckError('unreachable', `cannot reach ${server}: ${error.message}`);
}

/** Maps an HTTP status of the API server to a failure, with the server's own message when it sent one. */
export function classifyStatus(status: number, body: string, what: string): FleetdeckError {
  let message = '';
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? '';
  } catch {
    message = body.slice(0, 200);
  }
  const reason: ErrorCode = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'internal';
  const prefix = status === 401 ? 'unauthorized: the credentials were rejected' : `${what}: HTTP ${status}`;
  return new FleetdeckError(reason, message ? `${prefix}: ${message}` : prefix);
}

/** One request to the current context's API server, authenticated as client-node would. */
export async function kubeRequest(
  kc: KubeConfig,
  path: string,
  options: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<KubeResponse> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new FleetdeckError('context-invalid', 'no cluster selected');
  const url = new URL(path, cluster.server);
  const opts: https.RequestOptions = { method: options.method ?? 'GET', headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  // a fresh connection: a pooled keep-alive socket to a restarted API server would fail this request
  opts.agent = false;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload) opts.headers = { ...opts.headers, 'Content-Type': 'application/json' };
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ...opts, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => reject(classifyNetworkError(e, cluster.server)));
    });
    req.on('timeout', () => {
      req.destroy();
      reject(new FleetdeckError('timeout', `${cluster.server} did not answer within ${timeoutMs / 1000}s`));
    });
    req.on('error', (e) => reject(e instanceof FleetdeckError ? e : classifyNetworkError(e, cluster.server)));
    req.end(payload);
  });
}
