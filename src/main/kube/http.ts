import type http from 'node:http';
import type { ContextConfig, RequestOptions } from './context-config.ts';
import { errorCodeForStatus, FleetdeckError } from '../../shared/errors.ts';
import { formatBytes } from '../../shared/quantity.ts';

export interface KubeResponse {
  status: number;
  body: string;
}

/** Maps a socket, TLS or proxy error to a connection failure naming the server, quoting the error without credentials. */
function classifyNetworkError(error: NodeJS.ErrnoException, kc: ContextConfig): FleetdeckError {
  const code = error.code ?? '';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) {
    return new FleetdeckError('tls', `TLS error with ${kc.endpoint}: ${kc.quote(error)}`);
  }
  return new FleetdeckError('unreachable', `cannot reach ${kc.endpoint}: ${kc.quote(error)}`);
}

/** The API server's own message from an error body (a Status object), or the start of the body. */
export function statusMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message.slice(0, 1000) : '';
  } catch {
    return body.slice(0, 200);
  }
}

/** Maps an HTTP status of the API server to a failure, with the server's own message when it sent one. */
export function classifyStatus(status: number, body: string, what: string): FleetdeckError {
  const message = statusMessage(body);
  const prefix = status === 401 ? 'unauthorized: the credentials were rejected' : `${what}: HTTP ${status}`;
  return new FleetdeckError(errorCodeForStatus(status), message ? `${prefix}: ${message}` : prefix);
}

/**
 * The largest answer read: a page of 500 objects is a few MB, but a page of Helm release Secrets
 * near etcd's 1.5 MB object limit can reach a few hundred.
 */
export const MAX_BODY_BYTES = 256 * 2 ** 20;
/** The largest watch event: one object, which etcd limits to 1.5 MB by default. */
export const MAX_WATCH_LINE_BYTES = 16 * 2 ** 20;

interface Exchange {
  method: string;
  /** sent as JSON, or as it is when bytes */
  body?: unknown;
  contentType?: string;
  /** more request headers (a remote-write body's Content-Encoding, say) */
  headers?: Record<string, string>;
  /**
   * A request's bound is its whole exchange, from connecting to the answer's last byte: a server
   * that never answers, or trickles its answer, cannot hold it. A watch, which lasts for minutes,
   * is bounded by how long its socket may stay silent.
   */
  limit: { of: 'total' | 'idle'; ms: number };
  timeoutError: () => FleetdeckError;
  agent?: http.Agent;
  signal?: AbortSignal;
}

interface Settle<T> {
  resolve: (value: T) => void;
  /** rejects and closes the connection */
  reject: (error: Error) => void;
}

/**
 * The one request function: sends a request to the context's API server, authenticated as kubectl
 * would, and lets read settle the outcome from the response. Every failure of the connection (socket,
 * TLS, proxy, silence) is a FleetdeckError naming the server without credentials; an abort by the
 * signal stays the AbortError it is.
 */
async function exchange<T>(kc: ContextConfig, path: string, options: Exchange, read: (res: http.IncomingMessage, settle: Settle<T>) => void): Promise<T> {
  const opts: RequestOptions = { method: options.method, headers: { Accept: 'application/json', ...options.headers } };
  await kc.applyTo(opts);
  const payload = options.body === undefined ? undefined : options.body instanceof Uint8Array ? options.body : JSON.stringify(options.body);
  if (payload !== undefined) opts.headers = { ...opts.headers, 'Content-Type': options.contentType ?? 'application/json' };
  // by default a fresh connection: a pooled keep-alive socket to a restarted API server would fail
  // this request; jobs that send thousands pass their own keep-alive agent and retry instead
  opts.agent = options.agent ?? (await kc.defaultAgent());
  const { signal } = options;
  const { of, ms } = options.limit;
  return new Promise<T>((settleResolve, settleReject) => {
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const resolve = (value: T) => (clearTimeout(deadline), settleResolve(value));
    const reject = (error: Error) => (clearTimeout(deadline), settleReject(error));
    const fail = (error: Error) => reject(error instanceof FleetdeckError || signal?.aborted ? error : classifyNetworkError(error, kc));
    const req = kc.request(kc.url(path), { ...opts, ...(of === 'idle' ? { timeout: ms } : {}), ...(signal ? { signal } : {}) }, (res) => {
      res.on('error', fail);
      read(res, { resolve, reject: (error) => (reject(error), req.destroy()) });
    });
    const timedOut = () => {
      reject(options.timeoutError());
      req.destroy();
    };
    if (of === 'idle') req.on('timeout', timedOut);
    else deadline = setTimeout(timedOut, ms);
    req.on('error', fail);
    req.end(payload);
  });
}

/** Collects a response body, refusing one larger than MAX_BODY_BYTES as it streams in. */
function readBody(res: http.IncomingMessage, what: string, done: (body: string) => void, fail: (error: Error) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return fail(new FleetdeckError('too-large', `the answer to ${what} is larger than ${formatBytes(MAX_BODY_BYTES)}`));
    chunks.push(chunk);
  });
  res.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
}

/**
 * One request to the context's API server; the body whatever the status. timeoutMs bounds all of
 * it: connecting (TLS and proxy included), sending, and reading the answer to its end.
 */
export function kubeRequest(
  kc: ContextConfig,
  path: string,
  options: { method?: string; body?: unknown; contentType?: string; headers?: Record<string, string>; timeoutMs?: number; agent?: http.Agent; signal?: AbortSignal } = {},
): Promise<KubeResponse> {
  const { timeoutMs = 10_000, method = 'GET', ...rest } = options;
  const timeoutError = () => new FleetdeckError('timeout', `${kc.endpoint} did not answer within ${timeoutMs / 1000}s`);
  return exchange<KubeResponse>(kc, path, { ...rest, method, limit: { of: 'total', ms: timeoutMs }, timeoutError }, (res, { resolve, reject }) =>
    readBody(res, `${method} ${path} from ${kc.endpoint}`, (body) => resolve({ status: res.statusCode ?? 0, body }), reject),
  );
}

/** A request that must succeed: the body on 2xx, else the classified failure. */
export async function kubeOk(kc: ContextConfig, path: string, options: { method?: string; body?: unknown; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
  const res = await kubeRequest(kc, path, options);
  if (res.status >= 200 && res.status < 300) return res.body;
  throw classifyStatus(res.status, res.body, `${options.method ?? 'GET'} ${path}`);
}

/**
 * A streaming GET (a watch): calls onLine for each newline-delimited line until the server closes
 * the stream, the signal aborts, or no byte arrives for idleMs. Resolves when the stream ends; a
 * line longer than MAX_WATCH_LINE_BYTES, or one onLine throws on, ends it with that error.
 */
export function kubeStream(
  kc: ContextConfig,
  path: string,
  { onLine, onOpen, signal, idleMs = 120_000 }: { onLine: (line: string) => void; onOpen?: () => void; signal: AbortSignal; idleMs?: number },
): Promise<void> {
  const timeoutError = () => new FleetdeckError('timeout', `watch on ${kc.endpoint} went silent for ${idleMs / 1000}s`);
  return exchange<void>(kc, path, { method: 'GET', limit: { of: 'idle', ms: idleMs }, timeoutError, signal }, (res, { resolve, reject }) => {
    const status = res.statusCode ?? 0;
    if (status >= 300) return readBody(res, `watch ${path} from ${kc.endpoint}`, (body) => reject(classifyStatus(status, body, `watch ${path}`)), reject);
    onOpen?.();
    let pending: Buffer[] = [];
    let pendingSize = 0;
    res.on('data', (chunk: Buffer) => {
      let start = 0;
      for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
        const line = Buffer.concat([...pending, chunk.subarray(start, newline)]);
        pending = [];
        pendingSize = 0;
        start = newline + 1;
        if (line.length > MAX_WATCH_LINE_BYTES) return reject(new FleetdeckError('too-large', `a line of watch ${path} from ${kc.endpoint} is larger than ${formatBytes(MAX_WATCH_LINE_BYTES)}`));
        const text = line.toString('utf8');
        try {
          if (text.trim()) onLine(text);
        } catch (error) {
          return reject(error as Error);
        }
      }
      pending.push(chunk.subarray(start));
      pendingSize += chunk.length - start;
      if (pendingSize > MAX_WATCH_LINE_BYTES) reject(new FleetdeckError('too-large', `a line of watch ${path} from ${kc.endpoint} is larger than ${formatBytes(MAX_WATCH_LINE_BYTES)}`));
    });
    res.on('end', () => resolve());
  });
}

/**
 * A request whose 2xx answer is read as a byte stream by `consume`, at its pace (a slow consumer
 * holds the server back); settles with what consume returns. idleMs bounds a silence of the
 * connection, which a consumer that stops reading for longer also ends. Another status is the
 * classified failure, with the server's message.
 */
export function kubeReadStream<T>(
  kc: ContextConfig,
  path: string,
  options: { method: string; body?: Uint8Array; contentType?: string; headers?: Record<string, string>; signal?: AbortSignal; idleMs: number },
  consume: (body: AsyncIterable<Buffer>) => Promise<T>,
): Promise<T> {
  const { idleMs, ...rest } = options;
  const timeoutError = () => new FleetdeckError('timeout', `${kc.endpoint} went silent for ${idleMs / 1000}s`);
  return exchange<T>(kc, path, { ...rest, limit: { of: 'idle', ms: idleMs }, timeoutError }, (res, { resolve, reject }) => {
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) return readBody(res, `${options.method} ${path} from ${kc.endpoint}`, (body) => reject(classifyStatus(status, body, `${options.method} ${path}`)), reject);
    consume(res).then(resolve, reject);
  });
}
