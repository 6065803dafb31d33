import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostAddress, lab, labApi, labKubeconfig, labKubeconfigWith, labUrls, prometheusBehindServiceProxy } from '../../../../test/lab.ts';
import type { AlertmanagerAlert } from '../../../shared/monitoring/alerts.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { KubeMonitoringService } from './monitoring-service.ts';

const root = path.resolve(import.meta.dirname, '../../../..');
const clusters = ['aks-lab', 'eks-lab', 'gke-lab'];
const service = (kubeconfig = labKubeconfig) => new KubeMonitoringService({ store: new KubeconfigStore([kubeconfig]), dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-monitoring-')) });

function cli(...args: string[]): { status: number; json: unknown; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(root, 'bin/fleetdeck.js'), ...args, '--kubeconfig', labKubeconfig, '--output', 'json'], { encoding: 'utf8', env: { ...process.env, FLEETDECK_HOME: mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-')) } });
  return { status: result.status ?? 1, json: result.stdout.trim() ? JSON.parse(result.stdout) : undefined, stderr: result.stderr };
}

const alertmanager = async <T>(context: string, relative: string): Promise<T> => (await fetch(`${labUrls(context).alertmanager}/api/v2/${relative}`)).json() as Promise<T>;

describe('federated PromQL against the lab Prometheus servers', () => {
  const monitoring = service();

  it('finds each cluster Prometheus and Alertmanager from the kubeconfig extension', async () => {
    const endpoints = await monitoring.endpoints({ contexts: clusters });
    for (const e of endpoints) {
      expect(e.prometheus).toEqual({ location: labUrls(e.context).prometheus, source: 'kubeconfig' });
      expect(e.alertmanager).toEqual({ location: labUrls(e.context).alertmanager, source: 'kubeconfig' });
      expect(e.problem).toBeUndefined();
    }
  });

  it('a URL set in the app wins over the kubeconfig, and a Prometheus external cluster label is kept', async () => {
    const own = service();
    // aks-lab pointed at gke-lab's Prometheus, whose external label says cluster="gke-lab"
    const set = await own.setEndpoints({ context: 'aks-lab', prometheus: labUrls('gke-lab').prometheus });
    expect(set.prometheus).toEqual({ location: labUrls('gke-lab').prometheus, source: 'settings' });
    // a Prometheus the lab has just (re)started has no sample until its first scrape
    const labelled = async () => (await own.query({ query: 'up{job="apiserver"}', contexts: ['aks-lab'] })).series.map((s) => [s.cluster, s.metric.cluster]);
    await expect.poll(labelled, { timeout: 60_000, interval: 2_000 }).toEqual([['aks-lab', 'gke-lab']]);
    const reset = await own.setEndpoints({ context: 'aks-lab', prometheus: null });
    expect(reset.prometheus?.source).toBe('kubeconfig');
    await expect(own.setEndpoints({ context: 'nope', prometheus: null })).rejects.toThrow(/context "nope" not found/);
  });

  it("`up` returns every cluster's series labelled by cluster, once per Prometheus (viewer contexts share them)", async () => {
    // an API server stopped by an earlier lab test reads 0 until its next scrape
    const apiserversUp = async () => (await monitoring.query({ query: 'up{job="apiserver"}' })).series.map((s) => s.value?.[1]);
    await expect.poll(apiserversUp, { timeout: 60_000, interval: 2_000 }).toEqual(['1', '1', '1']);
    const result = await monitoring.query({ query: 'up' });
    expect(result.errors).toEqual([]);
    expect(result.answered.sort()).toEqual(clusters);
    expect([...new Set(result.series.map((s) => s.metric.cluster))].sort()).toEqual(clusters);
    expect(result.series.every((s) => s.metric.cluster === s.cluster)).toBe(true);
    expect(result.series.filter((s) => s.metric.job === 'apiserver').map((s) => s.value?.[1])).toEqual(['1', '1', '1']);
    // the CLI form of the same
    const { status, json } = cli('query', 'up');
    expect(status).toBe(0);
    const out = json as { series: { cluster: string; metric: Record<string, string>; value: [number, string] }[]; errors: unknown[] };
    expect(out.errors).toEqual([]);
    expect([...new Set(out.series.map((s) => s.cluster))].sort()).toEqual(clusters);
    expect(out.series.find((s) => s.metric.job === 'apiserver')?.value[1]).toBe('1');
  });

  it('a range query gets a step that keeps series under 11,000 points and values per cluster', async () => {
    const end = Date.now() / 1000;
    const result = await monitoring.query({ query: 'up{job="prometheus"}', contexts: clusters, range: { start: end - 600, end, step: 0.01 } });
    expect(result.step).toBeGreaterThanOrEqual(600 / 10_999);
    expect(result.series).toHaveLength(3);
    expect(result.series.every((s) => (s.values?.length ?? 0) > 1 && s.values!.length <= 11_000)).toBe(true);
    const { json } = cli('query', 'up{job="prometheus"}', '--range', '10m', '--step', '60', '--context', 'gke-lab');
    const out = json as { series: { cluster: string; values: [number, string][] }[] };
    expect(out.series.map((s) => s.cluster)).toEqual(['gke-lab']);
    expect(out.series[0].values.length).toBeGreaterThan(1);
  });

  it("invalid PromQL reports Prometheus's own message for each cluster", async () => {
    const result = await monitoring.query({ query: 'rate(up[5m]', contexts: clusters });
    expect(result.series).toEqual([]);
    expect(result.errors.map((e) => e.cluster)).toEqual(clusters);
    expect(result.errors[0].message).toMatch(/parse error: unclosed left parenthesis/);
    const { status, stderr } = cli('query', 'rate(up[5m]');
    expect(status).toBe(1);
    expect(stderr).toMatch(/aks-lab: .*unclosed left parenthesis/);
  });

  it('one Prometheus stopped: that cluster is reported, the others still answer', async () => {
    expect(lab('fault', 'prometheus-stop', 'eks-lab').status).toBe(0);
    try {
      const result = await monitoring.query({ query: 'up{job="apiserver"}', contexts: clusters });
      expect(result.answered.sort()).toEqual(['aks-lab', 'gke-lab']);
      expect(result.errors).toEqual([{ cluster: 'eks-lab', message: expect.stringMatching(/cannot reach .*127\.0\.0\.1/) }]);
      expect(result.series.map((s) => s.cluster).sort()).toEqual(['aks-lab', 'gke-lab']);
      const { status, json } = cli('query', 'up{job="apiserver"}');
      expect(status).toBe(0);
      expect((json as { errors: { cluster: string }[] }).errors.map((e) => e.cluster)).toEqual(['eks-lab']);
    } finally {
      expect(lab('fault', 'prometheus-start', 'eks-lab').status).toBe(0);
    }
  });

  it('identical queries in flight share one request; a superseded panel query is cancelled', async () => {
    const query = { query: 'count(up)', contexts: ['gke-lab'] };
    const [a, b] = await Promise.all([monitoring.query(query), monitoring.query(query)]);
    expect(a.series).toEqual(b.series);
    const slow = monitoring.query({ query: 'count_over_time(up[30d])', contexts: clusters, panel: 'p1' });
    const fresh = await monitoring.query({ query: 'count(up)', contexts: clusters, panel: 'p1' });
    expect((await slow).cancelled).toBe(true);
    expect(fresh.series).toHaveLength(3);
  });
});

describe('monitoring URLs that carry credentials, against the lab servers', () => {
  it('are used (user and password as basic auth) and never shown: no result or error repeats the user, password or query token', async () => {
    const secrets = ['mon-user', 's3cret', 'abc123tok'];
    const withSecrets = (url: string) => url.replace('://', '://mon-user:s3cret@') + '/?token=abc123tok#abc123tok';
    const kubeconfig = labKubeconfigWith((config) =>
      config.contexts.forEach((c) => {
        const urls = labUrls(c.name);
        c.context.extensions = [{ name: 'fleetdeck.io/monitoring', extension: { prometheus: withSecrets(urls.prometheus), alertmanager: withSecrets(urls.alertmanager), grafana: withSecrets('http://127.0.0.1:1/grafana') } }];
      }),
    );
    expect(lab('fault', 'alertmanager-stop', 'eks-lab').status).toBe(0);
    try {
      const monitoring = service(kubeconfig);
      const results = {
        endpoints: await monitoring.endpoints({ contexts: clusters }),
        query: await monitoring.query({ query: 'up{job="apiserver"}', contexts: clusters }),
        alerts: await monitoring.alerts({ contexts: clusters }),
        silences: await monitoring.silences({ contexts: clusters }),
        routing: await monitoring.routing({ contexts: clusters }),
        expired: await monitoring.expireSilence({ context: 'eks-lab', id: '00000000-0000-0000-0000-000000000000' }).catch((error: Error) => ({ message: error.message })),
      };
      for (const [name, result] of Object.entries(results)) expect(secrets.filter((s) => JSON.stringify(result).includes(s)), name).toEqual([]);
      expect(results.endpoints.map((e) => [e.context, e.prometheus?.location, e.grafana]).sort()).toEqual(clusters.map((c) => [c, labUrls(c).prometheus, 'http://127.0.0.1:1/grafana/']));
      expect(results.query.answered.sort()).toEqual(clusters);
      expect(results.silences.answered).toEqual(['aks-lab', 'gke-lab']);
      expect(results.silences.errors).toEqual([{ cluster: 'eks-lab', message: expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/) }]);
    } finally {
      expect(lab('fault', 'alertmanager-start', 'eks-lab').status).toBe(0);
    }
  });
});

describe('merged alerts and silences against the lab Alertmanagers', () => {
  const monitoring = service();
  afterAll(() => lab('fault', 'clear', 'eks-lab'));

  it('a crashloop in one cluster shows KubePodCrashLooping once, with that cluster; a silence through Fleetdeck silences it in that Alertmanager only', async () => {
    expect(lab('fault', 'crashloop', 'eks-lab', 'payments/ledger').status).toBe(0);
    // other lab tests crash-loop payments in other clusters; their alerts fire on for minutes after
    const crashAlerts = async () => (await monitoring.alerts({})).alerts.filter((a) => a.labels.alertname === 'KubePodCrashLooping' && a.labels.namespace === 'payments' && a.clusters.includes('eks-lab'));
    await expect.poll(async () => (await crashAlerts()).length, { timeout: 180_000, interval: 3_000 }).toBeGreaterThan(0);
    const [alert] = await crashAlerts();
    expect(alert.clusters).toEqual(['eks-lab']);
    expect(alert.state).toBe('active');
    expect(alert.labels.cluster).toBeUndefined();
    expect(alert.annotations.runbook).toMatch(/kubectl/);

    const { status, json } = cli('alerts');
    expect(status).toBe(0);
    const fromCli = (json as { alerts: { clusters: string[]; labels: Record<string, string>; state: string }[] }).alerts.filter((a) => a.labels.alertname === 'KubePodCrashLooping' && a.labels.namespace === 'payments' && a.clusters.includes('eks-lab'));
    expect(fromCli.map((a) => a.clusters)).toEqual([['eks-lab']]);

    // a silence with no matchers is refused before any Alertmanager sees it
    await expect(monitoring.createSilence({ contexts: ['eks-lab'], matchers: [], durationMinutes: 10, createdBy: 'test', comment: 'x' })).rejects.toThrow(/at least one matcher/);

    const matchers = [
      { name: 'alertname', value: 'KubePodCrashLooping', isRegex: false, isEqual: true },
      { name: 'namespace', value: 'payments', isRegex: false, isEqual: true },
    ];
    const created = await monitoring.createSilence({ contexts: ['eks-lab'], matchers, durationMinutes: 30, createdBy: 'fleetdeck-test', comment: 'lab test' });
    expect(created.errors).toEqual([]);
    expect(created.created.map((c) => c.cluster)).toEqual(['eks-lab']);
    const id = created.created[0].id;
    try {
      await expect.poll(async () => (await crashAlerts())[0]?.state, { timeout: 30_000 }).toBe('silenced');
      const raw = await alertmanager<AlertmanagerAlert[]>('eks-lab', 'alerts?filter=alertname%3D%22KubePodCrashLooping%22');
      expect(raw.some((a) => a.status.silencedBy.includes(id))).toBe(true);
      for (const other of ['aks-lab', 'gke-lab']) {
        const silences = await alertmanager<{ id: string }[]>(other, 'silences');
        expect(silences.map((s) => s.id)).not.toContain(id);
      }
      const listed = await monitoring.silences({ contexts: clusters });
      expect(listed.silences.find((s) => s.id === id)).toMatchObject({ cluster: 'eks-lab', state: 'active', createdBy: 'fleetdeck-test' });
    } finally {
      await monitoring.expireSilence({ context: 'eks-lab', id });
    }
    const after = await alertmanager<{ id: string; status: { state: string } }[]>('eks-lab', 'silences');
    expect(after.find((s) => s.id === id)?.status.state).toBe('expired');
    await expect(monitoring.expireSilence({ context: 'eks-lab', id: '00000000-0000-0000-0000-000000000000' })).rejects.toThrow(/not found/);
  });

  it('a refresh with the version the caller has answers "unchanged" without the alerts', async () => {
    // alerts of the earlier tests may still be changing: two answers in a row with nothing changed in between
    await expect
      .poll(async () => {
        const first = await monitoring.alerts({ contexts: clusters });
        const again = await monitoring.alerts({ contexts: clusters, unlessVersion: first.version });
        return again.unchanged && again.version === first.version && again.alerts.length === 0;
      }, { timeout: 60_000, interval: 2_000 })
      .toBe(true);
    const stale = await monitoring.alerts({ contexts: clusters, unlessVersion: 'stale' });
    expect(stale.unchanged).toBeUndefined();
    expect(stale.answered).toEqual(clusters);
  });

  it('the routing view reads each Alertmanager configuration: which receiver gets which alerts', async () => {
    const routing = await monitoring.routing({ contexts: clusters });
    expect(routing.map((r) => r.cluster)).toEqual(clusters);
    for (const r of routing) {
      expect(r.receivers.sort()).toEqual(['apps', 'default', 'platform']);
      expect(r.route?.receiver).toBe('default');
      expect(r.route?.routes.map((x) => x.receiver)).toEqual(['platform', 'apps']);
    }
  });

  it('an Alertmanager that restarts is retried with backoff, not reported', async () => {
    expect(lab('fault', 'alertmanager-stop', 'gke-lab').status).toBe(0);
    const pending = monitoring.alerts({ contexts: ['gke-lab'] });
    const restarted = new Promise((resolve) => setTimeout(() => resolve(lab('fault', 'alertmanager-start', 'gke-lab')), 300));
    const [result] = await Promise.all([pending, restarted]);
    expect(result.errors).toEqual([]);
    expect(result.answered).toEqual(['gke-lab']);
  });
});

describe.skipIf(!hostAddress)('discovery through the API server service proxy', () => {
  it('finds prometheus-operated in the monitoring namespace when the kubeconfig names no URL, and queries through the proxy', async () => {
    const takeDown = await prometheusBehindServiceProxy('gke-lab');
    try {
      // the lab kubeconfig without the monitoring extension
      const bare = labKubeconfigWith((config) => config.contexts.forEach((c) => delete c.context.extensions));
      const monitoring = service(bare);
      // the API server's EndpointSlice cache may take a moment to see the new slice
      await expect.poll(async () => (await monitoring.endpoints({ contexts: ['gke-lab'], refresh: true }))[0].prometheus?.source, { timeout: 15_000 }).toBe('discovered');
      const [gke] = await monitoring.endpoints({ contexts: ['gke-lab'] });
      expect(gke.prometheus).toEqual({ location: 'monitoring/prometheus-operated:web via the API server', source: 'discovered' });
      expect(gke.problem).toMatch(/no alertmanager configured, and none found/);
      const result = await monitoring.query({ query: 'up{job="apiserver"}', contexts: ['gke-lab', 'aks-lab'] });
      expect(result.series.map((s) => s.metric.cluster)).toEqual(['gke-lab']);
      expect(result.errors).toEqual([{ cluster: 'aks-lab', message: expect.stringMatching(/no prometheus configured, and none found in the monitoring or prometheus namespaces/) }]);
    } finally {
      await takeDown();
    }
  });
});

describe('alert-rule pack deployment', () => {
  const monitoring = service();
  afterAll(() => labApi('aks-lab').request('DELETE', '/apis/monitoring.coreos.com/v1/namespaces/default/prometheusrules/fleetdeck-rules').catch(() => undefined));

  it('applies the PrometheusRule by server-side apply after a dry run, and explains a cluster without the CRD', async () => {
    const path = '/apis/monitoring.coreos.com/v1/namespaces/default/prometheusrules/fleetdeck-rules';
    const dry = await monitoring.deployRulePack({ context: 'aks-lab', namespace: 'default', dryRun: true });
    expect(dry).toMatchObject({ result: 'created', dryRun: true, namespace: 'default', name: 'fleetdeck-rules' });
    expect(dry.rules).toEqual(expect.arrayContaining(['KubePodCrashLooping', 'KubeNodeNotReady', 'NodeFilesystemSpaceFillingUp']));
    await expect(labApi('aks-lab').request('GET', path)).rejects.toThrow();
    expect((await monitoring.deployRulePack({ context: 'aks-lab', namespace: 'default', dryRun: false })).result).toBe('created');
    const live = await labApi('aks-lab').request<{ spec: { groups: { rules: { alert?: string; record?: string; annotations?: Record<string, string> }[] }[] } }>('GET', path);
    const rules = live.spec.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert ?? r.record)).toEqual(dry.rules);
    expect(rules.filter((r) => r.alert).every((r) => r.annotations?.runbook)).toBe(true);
    expect((await monitoring.deployRulePack({ context: 'aks-lab', namespace: 'default', dryRun: false })).result).toBe('unchanged');
    await expect(monitoring.deployRulePack({ context: 'gke-lab', dryRun: true })).rejects.toThrow(/gke-lab does not serve monitoring.coreos.com\/v1 PrometheusRule: install prometheus-operator/);
  });
});
