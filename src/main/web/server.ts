import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer } from 'ws';
import type { Dispatcher } from '../rpc/dispatcher.ts';
import { maxRequestBodyBytes } from '../../shared/contract/limits.ts';
import { contentSecurityPolicy } from '../../shared/csp.ts';
import { messageOf } from '../../shared/errors.ts';

export interface WebShellOptions {
  dispatcher: Dispatcher;
  rendererDir: string;
  port: number;
}

export interface WebShell {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const TOKEN_COOKIE = 'fleetdeck-token';
/** The unsent events a WebSocket client may fall behind by before it is cut off. */
export const MAX_EVENT_BACKLOG = 16 * 1024 * 1024;

/** Clients send nothing over /events (it only carries events to them): a larger message closes their socket with 1009. */
const MAX_CLIENT_MESSAGE = 1024;
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** A request the web shell turns down: answered with this status and message, never as an internal error. */
class Refusal extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Hosts the services over HTTP (calls) and WebSocket (events) and serves the built renderer,
 * on 127.0.0.1 only, behind a per-start token and Host/Origin checks against DNS rebinding.
 * No request, however malformed, throws out of the handlers: each is answered or its socket closed.
 */
export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const token = randomBytes(24).toString('base64url');
  const expected = Buffer.from(token);
  let port = options.port;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  /** Compares bytes, in constant time (timingSafeEqual throws on inputs of different byte lengths). */
  function isToken(offered: string | null | undefined): boolean {
    if (offered === null || offered === undefined) return false;
    const bytes = Buffer.from(offered);
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  }

  /** Throws a Refusal unless the request comes from our own origin with the token (in the query, a Bearer header or the cookie). */
  function authorize(req: http.IncomingMessage, url: URL): void {
    if (!allowedHosts().has(req.headers.host ?? '')) throw new Refusal(403, 'forbidden: Host must be 127.0.0.1 or localhost');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) throw new Refusal(403, 'forbidden: cross-origin request');
    const offered = [url.searchParams.get('token'), bearer(req.headers.authorization), cookie(req.headers.cookie, TOKEN_COOKIE)];
    if (!offered.some(isToken)) throw new Refusal(401, 'unauthorized: missing or invalid token; open the URL the web shell printed');
  }

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = requestUrl(req);
    authorize(req, url);
    if (isToken(url.searchParams.get('token'))) {
      res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    const rpc = /^\/rpc\/([\w-]+)\/([\w-]+)$/.exec(url.pathname);
    if (rpc) return handleCall(req, res, options.dispatcher, rpc[1], rpc[2]);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new Refusal(405, 'method not allowed');
    await serveStatic(res, options.rendererDir, url.pathname);
  }

  const server = http.createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      // the client went away, or a file failed midway: there is nobody or nothing left to answer
      if (res.headersSent || !res.writable) return void res.destroy();
      if (error instanceof Refusal) return sendText(res, error.status, error.message);
      sendText(res, 500, `internal error: ${messageOf(error)}`);
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE });
  server.on('upgrade', (req: http.IncomingMessage, socket, head) => {
    // http hands the socket over without its error listener: a reset would otherwise crash the process
    socket.on('error', () => socket.destroy());
    try {
      const url = requestUrl(req);
      authorize(req, url);
      if (url.pathname !== '/events') throw new Refusal(404, 'not found');
      sockets.handleUpgrade(req, socket, head, (ws) => {
        // ws closes the socket itself with the code of a malformed frame (1002, 1007, 1009); unheard, the error would crash the process
        ws.on('error', () => undefined);
      });
    } catch (error) {
      const [status, text] = error instanceof Refusal ? [error.status, error.message] : [500, 'internal error'];
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${text}\n`);
    }
  });
  const unsubscribe = options.dispatcher.onEvent((event) => {
    const message = JSON.stringify(event);
    for (const client of sockets.clients) {
      if (client.readyState !== client.OPEN) continue;
      // a client that stops reading would make its unsent events grow without bound: it is cut off,
      // and reconnects and refetches what it shows once it reads again (as after any blip)
      if (client.bufferedAmount > MAX_EVENT_BACKLOG) client.terminate();
      else client.send(message);
    }
  });

  // longer than clients keep idle sockets: a server closing a socket the client is reusing resets a call
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    async close() {
      unsubscribe();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The request's URL; the target must be a path (origin-form): `*` and absolute URLs are refused. */
function requestUrl(req: http.IncomingMessage): URL {
  const target = req.url ?? '';
  if (!target.startsWith('/')) throw new Refusal(400, 'bad request: the request target must be a path such as /index.html');
  // appended to a fixed origin, so `//x` stays a path and cannot name a host
  return new URL(`http://127.0.0.1${target}`);
}

async function handleCall(req: http.IncomingMessage, res: http.ServerResponse, dispatcher: Dispatcher, service: string, method: string) {
  if (req.method !== 'POST') throw new Refusal(405, 'method not allowed: use POST');
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new Refusal(415, 'unsupported media type: send application/json');
  const text = (await readBody(req)).toString('utf8');
  let body: { input?: unknown } | null;
  try {
    body = text ? (JSON.parse(text) as { input?: unknown } | null) : {};
  } catch {
    throw new Refusal(400, 'bad request: body is not JSON');
  }
  const result = await dispatcher.dispatch(service, method, body?.input);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(result));
}

/**
 * The whole body, or a 413 once it is read to its end: a client still sending when the answer
 * comes may report a reset instead of the answer.
 */
async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxRequestBodyBytes) chunks.push(chunk);
    else chunks.length = 0;
  }
  if (size > maxRequestBodyBytes) throw new Refusal(413, `request too large: a call's body may be at most ${maxRequestBodyBytes} bytes`);
  return Buffer.concat(chunks);
}

async function serveStatic(res: http.ServerResponse, root: string, pathname: string) {
  const relative = decodePath(pathname === '/' ? '/index.html' : pathname);
  const file = path.resolve(root, `.${relative}`);
  if (!file.startsWith(path.resolve(root) + path.sep)) throw new Refusal(404, 'not found');
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new Refusal(404, 'not found');
  res.writeHead(200, {
    'Content-Type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Content-Security-Policy': contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable',
  });
  await pipeline(createReadStream(file), res);
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    throw new Refusal(400, 'bad request: malformed percent-encoding in the path');
  }
}

function sendText(res: http.ServerResponse, status: number, text: string) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${text}\n`);
}

function bearer(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
