import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWireError } from '../../../shared/errors.ts';
import { grafanaExploreUrl } from '../../../shared/monitoring/dashboards.ts';
import { isGrafanaLink } from '../../desktop.ts';
import { MAX_BODY_BYTES } from '../../kube/http.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { MonitoringSettings } from './endpoints.ts';
import { KubeMonitoringService } from './monitoring-service.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-monitoring-spec-'));
const servers: http.Server[] = [];
afterAll(() => servers.forEach((s) => (s.close(), s.closeAllConnections())));

async function listen(handle: http.RequestListener): Promise<number> {
  const server = http.createServer(handle);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Answers without end: more than any cap. */
function endless(res: http.ServerResponse): void {
  const chunk = Buffer.alloc(1 << 20, 'x');
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

const USER = 'mon-user';
const PASSWORD = 's3cret';
const TOKEN = 'abc123tok';
const FRAGMENT = 'fr4gment';
const secrets = [USER, PASSWORD, TOKEN, FRAGMENT, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];
/** A monitoring URL as a kubeconfig might hold it: credentials, a token in the query, a fragment. */
const secretUrl = (port: number, base: string) => `http://${USER}:${PASSWORD}@127.0.0.1:${port}${base}?token=${TOKEN}#${FRAGMENT}`;

/** Whether anything of a result or error, as it would cross to the renderer, repeats a secret. */
const leaks = (value: unknown) => {
  const text = JSON.stringify(value instanceof Error ? toWireError(value) : value);
  return secrets.filter((s) => text.includes(s));
};

/** The requests a fake Prometheus and Alertmanager got (one server, under /mon). */
const seen: { url: string; authorization?: string }[] = [];

/** Prometheus and Alertmanager behind basic auth, as a reverse proxy would put them. */
function monitoringServer(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
  const json = (status: number, body: unknown) => void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  if (req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`) return json(401, 'unauthorized');
  const route = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;
  switch (route) {
    case 'GET /mon/api/v1/query':
      return json(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'apiserver' }, value: [1, '1'] }] } });
    case 'GET /mon/api/v1/query_range':
      return json(200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: { __name__: 'up' }, values: [[1, '1'], [2, '1']] }] } });
    case 'GET /mon/api/v1/status/config':
      return json(200, { status: 'success', data: { yaml: 'global:\n  external_labels: {cluster: good}\n' } });
    case 'GET /mon/api/v2/alerts':
      return json(200, [{ labels: { alertname: 'Up' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-02T00:00:00Z', fingerprint: 'f', status: { state: 'active', silencedBy: [], inhibitedBy: [] }, receivers: [{ name: 'default' }] }]);
    case 'GET /mon/api/v2/silences':
      return json(200, [{ id: '11111111-2222', matchers: [{ name: 'alertname', value: 'Up', isRegex: false, isEqual: true }], startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-02T00:00:00Z', createdBy: 'me', comment: 'x', status: { state: 'active' } }]);
    case 'POST /mon/api/v2/silences':
      return json(200, { silenceID: '11111111-3333' });
    case 'GET /mon/api/v2/silence/11111111-3333':
      return json(200, { id: '11111111-3333', matchers: [{ name: 'alertname', value: 'Up', isRegex: false, isEqual: true }], startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-02T00:00:00Z', createdBy: 'me', comment: 'test', status: { state: 'active' } });
    case 'DELETE /mon/api/v2/silence/11111111-3333':
      return void res.end();
    case 'GET /mon/api/v2/status':
      return json(200, { config: { original: 'route: {receiver: default}\nreceivers: [{name: default}]\n' } });
    default:
      return json(404, 'not found');
  }
}

describe('monitoring URLs with credentials', () => {
  let kubeconfig: string;
  let monPort: number;
  let grafanaPort: number;

  beforeAll(async () => {
    monPort = await listen(monitoringServer);
    grafanaPort = await closedPort();
    const apiPort = await listen((_, res) => res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"kind":"Status","message":"the server could not find the requested resource"}'));
    const down = await closedPort();
    const contexts = {
      good: { prometheus: secretUrl(monPort, '/mon'), alertmanager: secretUrl(monPort, '/mon/'), grafana: secretUrl(grafanaPort, '/grafana') },
      down: { prometheus: secretUrl(down, '/mon'), alertmanager: secretUrl(down, '/mon'), grafana: secretUrl(down, '/') },
      malformed: {
        prometheus: `ftp://${USER}:${PASSWORD}@127.0.0.1:${monPort}/mon?token=${TOKEN}`,
        alertmanager: `http://${USER}:${PASSWORD}%zz@127.0.0.1:${monPort}/mon?token=${TOKEN}`,
        grafana: `http://${USER}:${PASSWORD}@${'g'.repeat(300)}.example/?token=${TOKEN}`,
      },
    };
    kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        clusters: [{ name: 'api', cluster: { server: `http://127.0.0.1:${apiPort}` } }],
        users: [{ name: 'nobody', user: {} }],
        contexts: Object.entries(contexts).map(([name, urls]) => ({ name, context: { cluster: 'api', user: 'nobody', extensions: [{ name: 'fleetdeck.io/monitoring', extension: urls }] } })),
        'current-context': 'good',
      }),
    );
  });

  const service = (dataDir = mkdtempSync(path.join(dir, 'data-'))) => new KubeMonitoringService({ store: new KubeconfigStore([kubeconfig]), dataDir });

  it('no result and no error of any method repeats the user, password, query or fragment of a URL', async () => {
    const monitoring = service();
    const contexts = ['good', 'down', 'malformed'];
    const calls = {
      endpoints: monitoring.endpoints({ contexts }),
      query: monitoring.query({ query: 'up', contexts }),
      range: monitoring.query({ query: 'up', contexts, range: { start: 1, end: 61 } }),
      alerts: monitoring.alerts({ contexts }),
      silences: monitoring.silences({ contexts }),
      createSilence: monitoring.createSilence({ contexts, matchers: [{ name: 'alertname', value: 'Up', isRegex: false, isEqual: true }], durationMinutes: 5, createdBy: 'me', comment: 'test' }),
      expire: monitoring.expireSilence({ context: 'good', id: '11111111-3333' }),
      expireDown: monitoring.expireSilence({ context: 'down', id: '11111111-3333' }),
      expireMalformed: monitoring.expireSilence({ context: 'malformed', id: '11111111-3333' }),
      routing: monitoring.routing({ contexts }),
      rulePack: monitoring.deployRulePack({ context: 'good', dryRun: true }),
      setGrafana: monitoring.setEndpoints({ context: 'down', grafana: `https://${USER}:${PASSWORD}@grafana.example/g?token=${TOKEN}#${FRAGMENT}` }),
      setMalformed: monitoring.setEndpoints({ context: 'down', prometheus: `http://${USER}:${PASSWORD}%zz@127.0.0.1/?token=${TOKEN}` }),
      setPlainText: monitoring.setEndpoints({ context: 'down', alertmanager: `http://${USER}:${PASSWORD}@am.example:9093/?token=${TOKEN}` }),
      setPlainGrafana: monitoring.setEndpoints({ context: 'good', grafana: `http://${USER}:${PASSWORD}@grafana.example/g` }),
    };
    const settled = Object.fromEntries(await Promise.all(Object.entries(calls).map(async ([name, call]) => [name, await call.then((value) => ({ value }), (error: unknown) => ({ error }))] as const)));
    for (const [name, outcome] of Object.entries(settled)) expect(leaks(outcome), name).toEqual([]);

    // the URLs were used, with their credentials, and are shown without them
    const endpoints = (settled.endpoints as { value: Awaited<typeof calls.endpoints> }).value;
    expect(endpoints.find((e) => e.context === 'good')).toEqual({
      context: 'good',
      cloud: expect.any(String),
      prometheus: { location: `http://127.0.0.1:${monPort}/mon`, source: 'kubeconfig' },
      alertmanager: { location: `http://127.0.0.1:${monPort}/mon/`, source: 'kubeconfig' },
      grafana: `http://127.0.0.1:${grafanaPort}/grafana`,
    });
    expect(endpoints.find((e) => e.context === 'malformed')?.problem?.split('; ')).toEqual([
      expect.stringMatching(/^the grafana URL of context "malformed" in the kubeconfig's fleetdeck\.io\/monitoring extension is not an http:\/\/ or https:\/\/ URL: http:\/\/g+…$/),
      expect.stringMatching(/^the prometheus URL of context "malformed" .* URL: ftp:\/\/127\.0\.0\.1:\d+\/mon$/),
      expect.stringMatching(/^the alertmanager URL of context "malformed" .* URL: http:\/\/127\.0\.0\.1:\d+\/mon$/),
    ]);
    const query = (settled.query as { value: Awaited<typeof calls.query> }).value;
    expect(query.answered).toEqual(['good']);
    expect(query.series.map((s) => s.metric)).toEqual([{ __name__: 'up', job: 'apiserver', cluster: 'good' }]);
    expect(query.errors).toEqual([
      { cluster: 'down', message: expect.stringMatching(new RegExp(`^cannot reach http://127\\.0\\.0\\.1:\\d+/mon: `)) },
      { cluster: 'malformed', message: expect.stringMatching(/^the grafana URL .*; the prometheus URL .*; the alertmanager URL .*$/) },
    ]);
    expect((settled.alerts as { value: Awaited<typeof calls.alerts> }).value.answered).toEqual(['good']);
    expect((settled.expire as { value: unknown }).value).toEqual({ cluster: 'good', id: '11111111-3333' });
    expect((settled.setGrafana as { value: Awaited<typeof calls.setGrafana> }).value.grafana).toBe('https://grafana.example/g');
    expect((settled.setMalformed as { error: unknown }).error).toMatchObject({ code: 'invalid-input', message: 'the prometheus URL is not an http:// or https:// URL: http://127.0.0.1' });
    expect((settled.setPlainText as { error: unknown }).error).toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/^the alertmanager URL would send its user and password unencrypted to http:\/\/am\.example:9093\/?: use an https:\/\/ URL$/) });
    expect((settled.setPlainGrafana as { value: Awaited<typeof calls.setPlainGrafana> }).value.grafana).toBe('http://grafana.example/g');
    const requests = seen.filter((r) => r.url.startsWith('/mon/'));
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.every((r) => r.authorization === `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` && !r.url.includes(TOKEN))).toBe(true);
  }, 30_000);

  it('the Grafana link built from the URL shown is one main opens', async () => {
    const [good] = await service().endpoints({ contexts: ['good'] });
    expect(isGrafanaLink(grafanaExploreUrl(good.grafana!, 'up', '1h'), [good.grafana!])).toBe(true);
  });

  it('a monitoring.json that is not JSON is named without quoting it', async () => {
    const data = mkdtempSync(path.join(dir, 'data-'));
    writeFileSync(path.join(data, 'monitoring.json'), `{"good": {"prometheus": "http://127.0.0.1/", "token": ${PASSWORD}}}`);
    const error = await service(data).endpoints({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid-input', message: `${path.join(data, 'monitoring.json')} is not a JSON object of monitoring URLs per context` });
    expect(leaks(error)).toEqual([]);
  });

  it('URLs set for several contexts at once are all kept (one change at a time, each written whole)', async () => {
    const data = mkdtempSync(path.join(dir, 'data-'));
    const settings = new MonitoringSettings(data);
    const contexts = Array.from({ length: 12 }, (_, i) => `ctx-${i}`);
    await Promise.all(contexts.map((context, i) => settings.update(context, { prometheus: `https://prom-${i}.example/` })));
    const saved = await settings.read();
    expect(contexts.map((context) => saved[context]?.prometheus)).toEqual(contexts.map((_, i) => `https://prom-${i}.example/`));
  });

  it('silences are listed from the Alertmanagers that answered, the others named', async () => {
    const monitoring = service();
    // an Alertmanager that refuses connections is retried for a few seconds: both at once
    const [none, some] = await Promise.all([monitoring.silences({ contexts: ['down'] }), monitoring.silences({ contexts: ['good', 'down'] })]);
    expect(none).toEqual({ silences: [], answered: [], errors: [{ cluster: 'down', message: expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/mon: /) }] });
    expect(some).toMatchObject({ silences: [{ cluster: 'good', id: '11111111-2222' }], answered: ['good'], errors: [{ cluster: 'down' }] });
  }, 30_000);
});

describe('requests built from cluster data', () => {
  it("a discovered Service's namespace and name are path segments: a ? or # in them does not change the request", async () => {
    const paths: string[] = [];
    const hostile = { metadata: { name: 'prom?x#y', namespace: 'monitoring', labels: { app: 'prometheus' } }, spec: { ports: [{ name: 'web', port: 9090 }] } };
    const proxy = '/api/v1/namespaces/monitoring/services/http:prom%3Fx%23y:web/proxy';
    const apiPort = await listen((req, res) => {
      paths.push(req.url ?? '');
      const pathname = (req.url ?? '').split('?')[0];
      if (pathname === '/api/v1/namespaces/monitoring/services') return res.end(JSON.stringify({ items: [hostile] }));
      if (pathname === `${proxy}/api/v1/query`) return res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
      res.writeHead(404).end('{}');
    });
    const kubeconfig = path.join(mkdtempSync(path.join(dir, 'discovery-')), 'kubeconfig');
    writeFileSync(kubeconfig, JSON.stringify({ clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${apiPort}` } }], users: [{ name: 'u', user: {} }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }] }));
    const monitoring = new KubeMonitoringService({ store: new KubeconfigStore([kubeconfig]), dataDir: mkdtempSync(path.join(dir, 'data-')) });
    const [endpoint] = await monitoring.endpoints({ contexts: ['c'] });
    expect(endpoint.prometheus).toEqual({ location: 'monitoring/prom?x#y:web via the API server', source: 'discovered' });
    expect((await monitoring.query({ query: 'up', contexts: ['c'] })).answered).toEqual(['c']);
    expect(paths).toContain(`${proxy}/api/v1/query?query=up`);
  });
});

describe('answers of a monitoring URL', () => {
  it('are refused once larger than the cap, while they stream in, naming the URL without credentials; Alertmanager is not asked again', async () => {
    let alertmanagerAsked = 0;
    const port = await listen((req, res) => {
      if (req.url?.startsWith('/big/api/v2/')) alertmanagerAsked++;
      endless(res);
    });
    const kubeconfig = path.join(mkdtempSync(path.join(dir, 'big-')), 'kubeconfig');
    const extension = { prometheus: secretUrl(port, '/big'), alertmanager: secretUrl(port, '/big') };
    writeFileSync(kubeconfig, JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }], users: [{ name: 'u', user: {} }], contexts: [{ name: 'big', context: { cluster: 'c', user: 'u', extensions: [{ name: 'fleetdeck.io/monitoring', extension }] } }] }));
    const monitoring = new KubeMonitoringService({ store: new KubeconfigStore([kubeconfig]), dataDir: mkdtempSync(path.join(dir, 'data-')) });
    const limit = `${MAX_BODY_BYTES / 2 ** 20} MiB`;
    expect((await monitoring.query({ query: 'up' })).errors).toEqual([{ cluster: 'big', message: `the answer to GET /api/v1/query?query=up from http://127.0.0.1:${port}/big is larger than ${limit}` }]);
    expect((await monitoring.alerts({})).errors).toEqual([{ cluster: 'big', message: `the answer to GET /api/v2/alerts from http://127.0.0.1:${port}/big is larger than ${limit}` }]);
    expect(alertmanagerAsked).toBe(1);
  }, 60_000);
});
