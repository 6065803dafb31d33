import http from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dispatcher } from '../rpc/dispatcher.ts';
import { startWebShell, type WebShell } from './server.ts';

/** A raw request, so Host and Origin can be set to anything (fetch forbids both). */
function request(port: number, pathname: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('web shell', () => {
  let shell: WebShell;
  beforeAll(async () => {
    const rendererDir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-renderer-'));
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>ok</title>');
    await writeFile(path.join(rendererDir, '..', 'secret.txt'), 'outside');
    const dispatcher = new Dispatcher();
    dispatcher.handle('echo', 'say', async (input) => input);
    shell = await startWebShell({ dispatcher, rendererDir, port: 0 });
  });
  afterAll(() => shell.close());

  it('binds to loopback and prints a URL with a URL-safe token', () => {
    expect(shell.url).toBe(`http://127.0.0.1:${shell.port}/?token=${shell.token}`);
    expect(shell.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('answers 401 to every request without the token', async () => {
    expect((await request(shell.port, '/')).status).toBe(401);
    expect((await request(shell.port, '/assets/x.js')).status).toBe(401);
    expect((await request(shell.port, '/rpc/echo/say', { 'Content-Type': 'application/json' }, 'POST', '{}')).status).toBe(401);
    expect((await request(shell.port, '/?token=wrong')).status).toBe(401);
    expect((await request(shell.port, '/', { Authorization: 'Bearer wrong' })).status).toBe(401);
  });

  it('serves the renderer with a strict CSP and sets a cookie for the token', async () => {
    const res = await request(shell.port, `/?token=${shell.token}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
    const cookie = res.headers['set-cookie']![0].split(';')[0];
    expect((await request(shell.port, '/index.html', { Cookie: cookie })).status).toBe(200);
  });

  it('refuses foreign Host and Origin headers (DNS rebinding, cross-site calls)', async () => {
    const auth = { Authorization: `Bearer ${shell.token}` };
    expect((await request(shell.port, '/', { ...auth, Host: `evil.example:${shell.port}` })).status).toBe(403);
    expect((await request(shell.port, '/', { ...auth, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await request(shell.port, '/', { ...auth, Origin: `http://localhost:${shell.port}`, Host: `localhost:${shell.port}` })).status).toBe(200);
  });

  it('routes calls to the dispatcher and only accepts JSON POSTs', async () => {
    const auth = { Authorization: `Bearer ${shell.token}` };
    const ok = await request(shell.port, '/rpc/echo/say', { ...auth, 'Content-Type': 'application/json' }, 'POST', '{"input":{"a":1}}');
    expect(JSON.parse(ok.body)).toEqual({ ok: true, value: { a: 1 } });
    expect((await request(shell.port, '/rpc/echo/say', { ...auth, 'Content-Type': 'text/plain' }, 'POST', '{}')).status).toBe(415);
    expect((await request(shell.port, '/rpc/echo/say', auth)).status).toBe(405);
    const missing = await request(shell.port, '/rpc/echo/nope', { ...auth, 'Content-Type': 'application/json' }, 'POST', '{}');
    expect(JSON.parse(missing.body)).toEqual({ ok: false, error: { code: 'not-found', message: 'no such method: echo.nope' } });
  });

  it('does not serve files outside the renderer folder', async () => {
    const res = await request(shell.port, '/..%2fsecret.txt', { Authorization: `Bearer ${shell.token}` });
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('outside');
  });

  it('refuses a WebSocket without the token and accepts one with it', async () => {
    const denied = new WebSocket(`ws://127.0.0.1:${shell.port}/events`);
    await expect(new Promise((resolve, reject) => ((denied.onopen = resolve), (denied.onerror = () => reject(new Error('refused')))))).rejects.toThrow('refused');
    const allowed = new WebSocket(`ws://127.0.0.1:${shell.port}/events?token=${shell.token}`);
    await new Promise((resolve, reject) => ((allowed.onopen = resolve), (allowed.onerror = reject)));
    allowed.close();
  });
});
