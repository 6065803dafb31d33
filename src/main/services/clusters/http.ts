import type http from 'node:http';
import https from 'node:https';
import type { ContextConfig, RequestOptions } from './context-config.ts';
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

/** The API server's own message from an error body (a Status object), or the start of the body. */
export function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? '';
  } catch {
    return body.slice(0, 200);
  }
}

/** Maps an HTTP status of the API server to a failure, with the server's own message when it sent one. */
export function classifyStatus(status: number, body: string, what: string): FleetdeckError {
  const message = statusMessage(body);
  const reason: ErrorCode = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 410 ? 'gone' : status === 404 ? 'not-found' : 'internal';
  const prefix = status === 401 ? 'unauthorized: the credentials were rejected' : `${what}: HTTP ${status}`;
  return new FleetdeckError(reason, message ? `${prefix}: ${message}` : prefix);
}

async function requestOptions(kc: ContextConfig, method: string, agent?: http.Agent): Promise<{ server: string; opts: RequestOptions }> {
  const opts: RequestOptions = { method, headers: { Accept: 'application/json' } };
  await kc.applyTo(opts);
  // by default a fresh connection: a pooled keep-alive socket to a restarted API server would fail
  // this request; jobs that send thousands pass their own keep-alive agent and retry instead
  opts.agent = agent ?? (await kc.defaultAgent());
  return { server: kc.cluster.server, opts };
}

/** One request to the current context's API server, authenticated as client-node would. */
export async function kubeRequest(
  kc: ContextConfig,
  path: string,
  options: { method?: string; body?: unknown; contentType?: string; timeoutMs?: number; agent?: http.Agent; signal?: AbortSignal } = {},
): Promise<KubeResponse> {
  const { server, opts } = await requestOptions(kc, options.method ?? 'GET', options.agent);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload) opts.headers = { ...opts.headers, 'Content-Type': options.contentType ?? 'application/json' };
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, server), { ...opts, timeout: timeoutMs, ...(options.signal ? { signal: options.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => reject(classifyNetworkError(e, kc.endpoint)));
    });
    req.on('timeout', () => {
      req.destroy();
      reject(new FleetdeckError('timeout', `${kc.endpoint} did not answer within ${timeoutMs / 1000}s`));
    });
    req.on('error', (e) => reject(e instanceof FleetdeckError ? e : classifyNetworkError(e, kc.endpoint)));
    req.end(payload);
  });
}

/** A request that must succeed: the body on 2xx, else the classified failure. */
export async function kubeOk(kc: ContextConfig, path: string, options: { method?: string; body?: unknown; timeoutMs?: number } = {}): Promise<string> {
  const res = await kubeRequest(kc, path, options);
  if (res.status >= 200 && res.status < 300) return res.body;
  throw classifyStatus(res.status, res.body, `${options.method ?? 'GET'} ${path}`);
}

/**
 * A streaming GET (a watch): calls onLine for each newline-delimited JSON line until the server
 * closes the stream, the signal aborts, or no byte arrives for idleMs. Resolves when the stream ends.
 */
export async function kubeStream(
  kc: ContextConfig,
  path: string,
  { onLine, onOpen, signal, idleMs = 120_000 }: { onLine: (line: string) => void; onOpen?: () => void; signal: AbortSignal; idleMs?: number },
): Promise<void> {
  const { server, opts } = await requestOptions(kc, 'GET');
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, server), { ...opts, signal, timeout: idleMs }, (res) => {
      if ((res.statusCode ?? 0) >= 300) {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => reject(classifyStatus(res.statusCode ?? 0, body, `watch ${path}`)));
        return;
      }
      onOpen?.();
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.trim()) onLine(line);
        }
      });
      res.on('end', () => resolve());
      res.on('error', (e) => reject(signal.aborted ? e : classifyNetworkError(e, kc.endpoint)));
    });
    req.on('timeout', () => req.destroy(new FleetdeckError('timeout', `watch on ${kc.endpoint} went silent for ${idleMs / 1000}s`)));
    req.on('error', (e) => reject(e instanceof FleetdeckError || signal.aborted ? e : classifyNetworkError(e, kc.endpoint)));
    req.end();
  });
}
