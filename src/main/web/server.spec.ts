import http from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dispatcher } from '../rpc/dispatcher.ts';
import { answerBody, closeCode, exchange, finalStatus, frame, rawRequest, upgradeRequest } from '../../../test/raw-client.ts';
import net from 'node:net';
import { MAX_EVENT_BACKLOG, startWebShell, type WebShell } from './server.ts';

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
  let dispatcher: Dispatcher;
  beforeAll(async () => {
    const rendererDir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-renderer-'));
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>ok</title>');
    await writeFile(path.join(rendererDir, '..', 'secret.txt'), 'outside');
    dispatcher = new Dispatcher();
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

  it('cuts off a WebSocket client that stops reading events once it falls 16 MiB behind; a reading client gets every event', async () => {
    const reader = new WebSocket(`ws://127.0.0.1:${shell.port}/events?token=${shell.token}`);
    await new Promise((resolve, reject) => ((reader.onopen = resolve), (reader.onerror = reject)));
    let read = 0;
    reader.onmessage = () => read++;
    // a client that completes the handshake, then never reads again
    const stalled = net.connect(shell.port, '127.0.0.1');
    let received = 0;
    const closed = new Promise<void>((resolve) => stalled.on('close', () => resolve()));
    stalled.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      stalled.once('data', (chunk: Buffer) => {
        received += chunk.length;
        stalled.pause();
        resolve();
      });
      stalled.write(upgradeRequest(shell.port, `/events?token=${shell.token}`));
    });
    const events = 48;
    const payload = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < events; i++) {
      dispatcher.emit('test', 'big', payload);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await expect.poll(() => read, { timeout: 10_000 }).toBe(events);
    stalled.on('data', (chunk: Buffer) => (received += chunk.length));
    stalled.resume();
    // the server closed it: only what the kernel held still arrives
    await closed;
    expect(received).toBeLessThan(events * payload.length - MAX_EVENT_BACKLOG);
    reader.close();
    await expectStillServing();
  }, 20_000);

  /** The shell still answers a well-formed request: what every hostile request below is followed by. */
  async function expectStillServing() {
    expect((await request(shell.port, '/', { Authorization: `Bearer ${shell.token}` })).status).toBe(200);
  }

  const host = (): [string, string] => ['Host', `127.0.0.1:${shell.port}`];
  /** A request after which the server closes the connection, so the exchange ends with the answer. */
  const get = (target: string, headers: [string, string | Buffer][] = []) => rawRequest('GET', target, [host(), ['Connection', 'close'], ...headers]);

  it('refuses a token of the right length in characters but not in bytes, from every source (query, Bearer, cookie, upgrade)', async () => {
    // 32 characters of 2, 3 and 4 bytes each in UTF-8 (the emoji is two characters)
    const queries = ['é'.repeat(32), '€'.repeat(32), '😀'.repeat(16)].map((fake) => `?token=${encodeURIComponent(fake)}`);
    // header values are read as latin1: 32 bytes above 0x7f are 32 characters of two UTF-8 bytes each
    const headerValues = [0x80, 0xe9, 0xff].map((byte) => Buffer.alloc(32, byte));
    const requests = [
      ...queries.map((query) => get(`/${query}`)),
      ...queries.map((query) => upgradeRequest(shell.port, `/events${query}`)),
      ...headerValues.map((value) => get('/', [['Authorization', Buffer.concat([Buffer.from('Bearer '), value])]])),
      ...headerValues.map((value) => get('/', [['Cookie', Buffer.concat([Buffer.from('fleetdeck-token='), value])]])),
      ...headerValues.map((value) => upgradeRequest(shell.port, '/events', [['Cookie', Buffer.concat([Buffer.from('fleetdeck-token='), value])]])),
    ];
    for (const bytes of requests) {
      expect(finalStatus(await exchange(shell.port, bytes))).toBe(401);
      await expectStillServing();
    }
  });

  it('answers a request target that is not a path with 400, and an odd path with 404', async () => {
    const auth: [string, string] = ['Authorization', `Bearer ${shell.token}`];
    for (const target of ['*', 'http://127.0.0.1/', `http://127.0.0.1:${shell.port}/?token=${shell.token}`]) {
      const answer = await exchange(shell.port, get(target, [auth]));
      expect(finalStatus(answer)).toBe(400);
      expect(answerBody(answer)).toContain('bad request');
      await expectStillServing();
    }
    for (const target of ['//[', '//[::1]/', '//%5B', '/\\\\[']) {
      expect(finalStatus(await exchange(shell.port, get(target, [auth])))).toBe(404);
      expect(finalStatus(await exchange(shell.port, get(target)))).toBe(401);
      expect(finalStatus(await exchange(shell.port, upgradeRequest(shell.port, target, [auth])))).toBe(404);
      await expectStillServing();
    }
  });

  it('answers bad percent-encoding in a path with 400', async () => {
    for (const target of ['/%E0%A4%A', '/%', '/%zz', '/%C0%AF', '/assets/%FF.js']) {
      const answer = await exchange(shell.port, get(target, [['Authorization', `Bearer ${shell.token}`]]));
      expect(finalStatus(answer)).toBe(400);
      expect(answerBody(answer)).toContain('percent-encoding');
      await expectStillServing();
    }
  });

  it('closes a WebSocket that sends a malformed frame with the frame\'s close code, and keeps serving', async () => {
    const events = `/events?token=${shell.token}`;
    const cases: [string, Buffer, number][] = [
      ['larger than a client may send', frame({ payload: Buffer.alloc(4096, 'a') }), 1009],
      ['declaring 4 GiB', frame({ length: 2 ** 32, payload: Buffer.alloc(16) }), 1009],
      ['declaring more than 2^53 bytes', frame({ length: 2 ** 63, payload: Buffer.alloc(16) }), 1009],
      ['not masked', frame({ payload: Buffer.from('hello'), mask: false }), 1002],
      ['invalid UTF-8 in a text frame', frame({ payload: Buffer.from([0xc3, 0x28, 0xff]) }), 1007],
      ['a reserved opcode', frame({ opcode: 0x3, payload: Buffer.from('x') }), 1002],
      ['reserved bits set', frame({ rsv: 0x4, payload: Buffer.from('x') }), 1002],
      ['a fragmented ping', frame({ opcode: 0x9, fin: false }), 1002],
    ];
    for (const [what, bad, code] of cases) {
      const answer = await exchange(shell.port, Buffer.concat([upgradeRequest(shell.port, events), bad]));
      expect(finalStatus(answer), what).toBe(101);
      expect(closeCode(answer), what).toBe(code);
      await expectStillServing();
    }
  });

  it('survives clients that reset the connection right after their request', async () => {
    for (let i = 0; i < 20; i++) {
      await exchange(shell.port, upgradeRequest(shell.port, '/events'), 'reset');
      await exchange(shell.port, upgradeRequest(shell.port, `/events?token=${shell.token}`), 'reset');
      await exchange(shell.port, get(`/?token=${shell.token}`), 'reset');
    }
    await expectStillServing();
  });
});
