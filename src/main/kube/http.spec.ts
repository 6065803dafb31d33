import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeConfigFor, loadKubeconfigs } from './kubeconfig.ts';
import { kubeRequest, kubeStream, MAX_BODY_BYTES, MAX_WATCH_LINE_BYTES } from './http.ts';
import { probe } from './probe.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-http-'));
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

async function listen(server: http.Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => (server.close(), (server as http.Server).closeAllConnections?.()));
  return (server.address() as net.AddressInfo).port;
}

/** A local API server; records the requests it got. */
async function apiServer(handle: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_, res) => res.end('{}')) {
  const requests: http.IncomingMessage[] = [];
  const port = await listen(http.createServer((req, res) => (requests.push(req), handle(req, res))));
  return { url: `http://127.0.0.1:${port}`, port, requests };
}

/** A context for this server and user, through kubeConfigFor as every service builds it. */
async function contextFor(cluster: Record<string, unknown>, user: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) {
  const text = stringify({ clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }] });
  return kubeConfigFor(await loadKubeconfigs([], [{ source: 'test', baseDir: dir, text }]), 'c', env);
}

describe('the request function', () => {
  it('talks plain HTTP to an http:// server, under the path of its URL, and a probe says connected', async () => {
    const api = await apiServer((req, res) => res.end(JSON.stringify(req.url === '/rancher/k8s/version' ? { gitVersion: 'v1.37.0' } : { status: { userInfo: { username: 'me' } } })));
    const connection = await probe(await contextFor({ server: `${api.url}/rancher/k8s` }));
    expect(connection).toMatchObject({ state: 'connected', version: 'v1.37.0', user: 'me' });
    expect(api.requests.map((r) => r.url)).toEqual(['/rancher/k8s/version', '/rancher/k8s/apis/authentication.k8s.io/v1/selfsubjectreviews', '/rancher/k8s/api/v1/namespaces?limit=1']);
  });

  it('never quotes an answer that echoes the credentials: a parser excerpt would cut the token where no mask finds it', async () => {
    const api = await apiServer((req, res) => res.end(req.url === '/version' ? '{"gitVersion":"v1.37.0"}' : `{"authorization": ${req.headers.authorization}}`));
    const connection = await probe(await contextFor({ server: api.url }, { token: 'Tk9-echoed-token' }));
    expect(connection).toMatchObject({ state: 'connected', version: 'v1.37.0', user: undefined });
    expect(JSON.stringify(connection)).not.toContain('Tk9');
  });

  it('refuses an answer larger than the cap while it streams in', async () => {
    const chunk = Buffer.alloc(1 << 20, 'x');
    const api = await apiServer((_, res) => {
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    await expect(kubeRequest(await contextFor({ server: api.url }), '/api/v1/secrets?limit=500')).rejects.toMatchObject({
      code: 'too-large',
      message: `the answer to GET /api/v1/secrets?limit=500 from ${api.url} is larger than ${MAX_BODY_BYTES / 2 ** 20} MiB`,
    });
  });

  it('hands over watch lines whole however they are cut, and refuses an endless line', async () => {
    const api = await apiServer((req, res) => {
      if (req.url === '/split') {
        res.write('{"a":');
        res.write('1}\n{"b"');
        res.end(':2}\n\n{"c":3}\n');
        return;
      }
      res.write('{"type":"ADDED","object":"');
      const chunk = Buffer.alloc(1 << 20, 'y');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const kc = await contextFor({ server: api.url });
    const lines: string[] = [];
    await kubeStream(kc, '/split', { onLine: (line) => lines.push(line), signal: new AbortController().signal });
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    await expect(kubeStream(kc, '/endless', { onLine: () => undefined, signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'too-large',
      message: `a line of watch /endless from ${api.url} is larger than ${MAX_WATCH_LINE_BYTES / 2 ** 20} MiB`,
    });
  });

  it('ends a watch with the error its line handler throws, instead of throwing it out of a stream event', async () => {
    const api = await apiServer((_, res) => res.write('not json\n'));
    const kc = await contextFor({ server: api.url });
    const onLine = (line: string) => JSON.parse(line) as unknown;
    await expect(kubeStream(kc, '/watch', { onLine, signal: new AbortController().signal })).rejects.toBeInstanceOf(SyntaxError);
  });

  it('sends the token of a tokenFile, read again when the file changes, and refuses a FIFO or a device without blocking', async () => {
    const api = await apiServer();
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'first-token\n');
    const kc = await contextFor({ server: api.url }, { token: 'ignored-when-the-file-is-read', tokenFile: 'token' });
    await kubeRequest(kc, '/version');
    writeFileSync(tokenFile, 'second-token-rotated\n');
    await kubeRequest(kc, '/version');
    expect(api.requests.map((r) => r.headers.authorization)).toEqual(['Bearer first-token', 'Bearer second-token-rotated']);

    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const file of [fifo, '/dev/zero', dir]) {
      await expect(kubeRequest(await contextFor({ server: api.url }, { tokenFile: file }), '/version')).rejects.toMatchObject({
        code: 'context-invalid',
        message: `context "c": tokenFile ${file} is not a regular file`,
      });
    }
    await expect(kubeRequest(await contextFor({ server: api.url }, { tokenFile: 'missing' }), '/version')).rejects.toMatchObject({
      code: 'context-invalid',
      message: `context "c": tokenFile ${path.join(dir, 'missing')} not found`,
    });
    expect(api.requests).toHaveLength(2);
  });

  it('impersonates as kubectl does: as, as-uid, one header per group, escaped extra keys', async () => {
    const api = await apiServer();
    const user = { token: 't0ken', as: 'jane', 'as-uid': '42', 'as-groups': ['devs', 'oncall'], 'as-user-extra': { 'reason/why it': ['incident 7'], scopes: ['a', 'b'] } };
    await kubeRequest(await contextFor({ server: api.url }, user), '/version');
    const [{ headersDistinct: headers }] = api.requests;
    expect(headers['impersonate-user']).toEqual(['jane']);
    expect(headers['impersonate-uid']).toEqual(['42']);
    expect(headers['impersonate-group']).toEqual(['devs', 'oncall']);
    expect(headers['impersonate-extra-reason%2fwhy%20it']).toEqual(['incident 7']);
    expect(headers['impersonate-extra-scopes']).toEqual(['a', 'b']);
  });

  it('refuses a credential that would break out of its header, before anything is sent', async () => {
    const api = await apiServer();
    for (const user of [{ token: 'abc\r\nX-Injected: 1' }, { token: 't', as: 'x\ny' }, { token: 't', as: 'x', 'as-groups': ['ok', 'bad\u0000'] }]) {
      await expect(kubeRequest(await contextFor({ server: api.url }, user), '/version')).rejects.toMatchObject({ code: 'context-invalid' });
    }
    expect(api.requests).toHaveLength(0);
  });

  it('refuses a path with a dot segment, however spelled, which URL parsing would resolve to another resource', async () => {
    const api = await apiServer();
    const kc = await contextFor({ server: `${api.url}/prefix` });
    for (const traversal of ['..', '.', '%2e%2E', '.%2e', '.\n.', '..\\..']) {
      await expect(kubeRequest(kc, `/api/v1/namespaces/${traversal}/secrets`)).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/^not an API path \(a \. or \.\. segment\)/) });
    }
    await kubeRequest(kc, '/api/v1/namespaces/a..b/configmaps/.x?q=..');
    expect(api.requests.map((r) => r.url)).toEqual(['/prefix/api/v1/namespaces/a..b/configmaps/.x?q=..']);
  });
});

describe('proxies from the environment', () => {
  /** An HTTP proxy that forwards plain requests and tunnels CONNECT, to 127.0.0.1 whatever host is asked for. */
  async function proxy() {
    const asked: string[] = [];
    const server = http.createServer((req, res) => {
      const target = new URL(req.url!);
      asked.push(target.host);
      const upstream = http.request({ host: '127.0.0.1', port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    server.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
      asked.push(req.url!);
      const upstream = net.connect(Number(req.url!.split(':').pop()), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client).on('error', () => client.destroy());
        client.pipe(upstream).on('error', () => upstream.destroy());
      });
    });
    return { url: `http://127.0.0.1:${await listen(server)}`, asked };
  }

  let cert: { key: string; cert: string };
  beforeAll(() => {
    const key = path.join(dir, 'tls.key');
    const crt = path.join(dir, 'tls.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=api.fleet.test', '-addext', 'subjectAltName=DNS:api.fleet.test', '-keyout', key, '-out', crt], { stdio: 'ignore' });
    cert = { key: readFileSync(key, 'utf8'), cert: readFileSync(crt, 'utf8') };
  });

  it('sends https:// requests through HTTPS_PROXY with CONNECT, and plain ones through HTTP_PROXY', async () => {
    const secure = https.createServer(cert, (_, res) => res.end('{"gitVersion":"v1.37.0"}'));
    const securePort = await listen(secure);
    const plain = await apiServer((_, res) => res.end('{"gitVersion":"v1.36.0"}'));
    const via = await proxy();
    const ca = Buffer.from(cert.cert).toString('base64');
    const httpsContext = await contextFor({ server: `https://api.fleet.test:${securePort}`, 'certificate-authority-data': ca }, {}, { HTTPS_PROXY: via.url, HTTP_PROXY: 'http://127.0.0.1:1' });
    expect(httpsContext.endpoint).toBe(`https://api.fleet.test:${securePort} (through the proxy ${via.url} from HTTPS_PROXY)`);
    expect(JSON.parse((await kubeRequest(httpsContext, '/version')).body)).toEqual({ gitVersion: 'v1.37.0' });
    const httpContext = await contextFor({ server: `http://api.fleet.test:${plain.port}` }, {}, { https_proxy: 'http://127.0.0.1:1', http_proxy: via.url.replace('http://', '') });
    expect(JSON.parse((await kubeRequest(httpContext, '/version')).body)).toEqual({ gitVersion: 'v1.36.0' });
    expect(via.asked).toEqual([`api.fleet.test:${securePort}`, `api.fleet.test:${plain.port}`]);
  });

  it('goes direct to hosts NO_PROXY names and to loopback addresses; the cluster proxy-url comes first', async () => {
    const api = await apiServer();
    const via = await proxy();
    const env = { HTTP_PROXY: via.url, NO_PROXY: 'example.com, .fleet.test' };
    expect((await contextFor({ server: 'http://api.fleet.test' }, {}, env)).endpoint).toBe('http://api.fleet.test');
    expect((await contextFor({ server: api.url }, {}, env)).endpoint).toBe(api.url);
    expect((await contextFor({ server: 'http://other.test' }, {}, env)).endpoint).toBe(`http://other.test (through the proxy ${via.url} from HTTP_PROXY)`);
    expect((await contextFor({ server: 'http://other.test', 'proxy-url': 'socks5://10.0.0.9:1080' }, {}, env)).endpoint).toBe('http://other.test (through the proxy socks5://10.0.0.9:1080)');
    await kubeRequest(await contextFor({ server: api.url }, {}, env), '/version');
    expect(api.requests).toHaveLength(1);
    expect(via.asked).toEqual([]);
  });

  it('refuses a server name TLS cannot carry, which would crash the process inside Node\'s TLS client', async () => {
    const port = await listen(https.createServer(cert, (_, res) => res.end('{}')));
    const huge = 'x'.repeat(70_000);
    await expect(contextFor({ server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true, 'tls-server-name': huge })).rejects.toMatchObject({
      code: 'context-invalid',
      message: 'context "c": cluster "c" has a tls-server-name that is not a host name',
    });
    await expect(contextFor({ server: `https://${huge}.test:${port}` })).rejects.toMatchObject({ code: 'context-invalid', message: expect.stringContaining('has a server that is not an https:// or http:// URL') });
    await expect(contextFor({ server: `https://api.fleet.test:${port}`, 'proxy-url': `https://${huge}:3128` })).rejects.toMatchObject({ code: 'context-invalid', message: expect.stringContaining('has a proxy-url that is not') });
  });

  it('flags a context whose environment proxy is not a URL, naming it without credentials', async () => {
    await expect(contextFor({ server: 'https://api.fleet.test' }, {}, { HTTPS_PROXY: 'http://user:pa55@[oops' })).rejects.toMatchObject({
      code: 'context-invalid',
      message: 'context "c": the HTTPS_PROXY environment variable is not a proxy URL: http://(malformed URL)',
    });
  });
});
