import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import type { Dispatcher } from '../rpc/dispatcher.ts';
import { contentSecurityPolicy } from '../../shared/csp.ts';

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
const MAX_BODY = 1 << 20;
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

/**
 * Hosts the services over HTTP (calls) and WebSocket (events) and serves the built renderer,
 * on 127.0.0.1 only, behind a per-start token and Host/Origin checks against DNS rebinding.
 */
export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const token = randomBytes(24).toString('base64url');
  const expected = Buffer.from(token);
  let port = options.port;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  /** null when the request may proceed, else the status and reason to answer with */
  function refuse(req: http.IncomingMessage, url: URL): [number, string] | null {
    if (!allowedHosts().has(req.headers.host ?? '')) return [403, 'forbidden: Host must be 127.0.0.1 or localhost'];
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) return [403, 'forbidden: cross-origin request'];
    const offered = [url.searchParams.get('token'), bearer(req.headers.authorization), cookie(req.headers.cookie, TOKEN_COOKIE)];
    const ok = offered.some((t) => t !== undefined && t !== null && t.length === token.length && timingSafeEqual(Buffer.from(t), expected));
    return ok ? null : [401, 'unauthorized: missing or invalid token; open the URL the web shell printed'];
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refused = refuse(req, url);
    if (refused) return sendText(res, ...refused);
    if (url.searchParams.get('token') === token) {
      res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    try {
      const rpc = /^\/rpc\/([\w-]+)\/([\w-]+)$/.exec(url.pathname);
      if (rpc) return await handleCall(req, res, options.dispatcher, rpc[1], rpc[2]);
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
      await serveStatic(res, options.rendererDir, url.pathname);
    } catch (error) {
      sendText(res, 500, `internal error: ${(error as Error).message}`);
    }
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refused = refuse(req, url) ?? (url.pathname === '/events' ? null : ([404, 'not found'] as [number, string]));
    if (refused) {
      socket.end(`HTTP/1.1 ${refused[0]} ${http.STATUS_CODES[refused[0]]}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${refused[1]}\n`);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });
  const unsubscribe = options.dispatcher.onEvent((event) => {
    const message = JSON.stringify(event);
    for (const client of sockets.clients) if (client.readyState === client.OPEN) client.send(message);
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

async function handleCall(req: http.IncomingMessage, res: http.ServerResponse, dispatcher: Dispatcher, service: string, method: string) {
  if (req.method !== 'POST') return sendText(res, 405, 'method not allowed: use POST');
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendText(res, 415, 'unsupported media type: send application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return sendText(res, 413, 'request too large');
    chunks.push(chunk);
  }
  let body: { input?: unknown };
  try {
    body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { input?: unknown }) : {};
  } catch {
    return sendText(res, 400, 'bad request: body is not JSON');
  }
  const result = await dispatcher.dispatch(service, method, body?.input);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(result));
}

async function serveStatic(res: http.ServerResponse, root: string, pathname: string) {
  const relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  const file = path.resolve(root, `.${relative}`);
  if (!file.startsWith(path.resolve(root) + path.sep)) return sendText(res, 404, 'not found');
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return sendText(res, 404, 'not found');
  res.writeHead(200, {
    'Content-Type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Content-Security-Policy': contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable',
  });
  createReadStream(file).pipe(res);
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
