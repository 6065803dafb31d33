// The history copy between two real Prometheus servers started here: one holding days of history
// written through remote write, one ready to take it (or not).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterByContext, urls } from '../../../../../lab/config.ts';
import { labKubeconfig } from '../../../../../test/lab.ts';
import { startPrometheus, type TestPrometheus } from '../../../../../test/prometheus.ts';
import { urlTarget } from '../endpoints.ts';
import { copyHistory, type HistoryCopyInput } from './copy.ts';
import { STALE_NAN, type Label } from './prompb.ts';
import { readSeries, writeSeries, type SeriesRun } from './remote.ts';
import { namespacesSelector } from '../../../../shared/monitoring/history.ts';

const DAY = 86_400_000;
const ready = (cluster: string) => ({ global: { external_labels: { cluster } } });
const started: TestPrometheus[] = [];
const start = async (config: object, flags: string[]) => {
  const server = await startPrometheus(config, flags);
  started.push(server);
  return server;
};
afterAll(() => started.forEach((p) => p.stop()));

const readyFlags = ['--web.enable-remote-write-receiver', '--storage.tsdb.retention.time=35d'];
let source: TestPrometheus;
const now = Date.now();
/** 3 days at 60 s of three series of shop and one of another namespace */
const history = [
  { labels: { __name__: 'container_cpu_usage_seconds_total', namespace: 'shop', pod: 'web-0' }, value: (i: number) => i * 0.5 },
  { labels: { __name__: 'container_memory_working_set_bytes', namespace: 'shop', pod: 'web-0' }, value: (i: number) => 1e8 + Math.sin(i / 30) * 1e6 },
  { labels: { __name__: 'kube_pod_status_ready', namespace: 'shop', pod: 'db-0', condition: 'true' }, value: (i: number) => (i % 500 === 0 ? 0 : 1) },
  { labels: { __name__: 'kube_pod_status_ready', namespace: 'other', pod: 'x-0', condition: 'true' }, value: () => 1 },
];
const first = now - 3 * DAY;
const times = Array.from({ length: (3 * DAY) / 60_000 }, (_, i) => first + i * 60_000);
/** db-0 went away for a while once: Prometheus marked its readiness stale 30 s after the last scrape */
const gone = first + 1000 * 60_000 + 30_000;

beforeAll(async () => {
  // the source's own storage config: it takes this history through remote write as a target would
  source = await start({ ...ready('src-lab'), storage: { tsdb: { out_of_order_time_window: '31d' } } }, readyFlags);
  const target = urlTarget(source.url, 'settings', 'Prometheus');
  for (const s of history) {
    const labels = Object.entries(s.labels).map(([name, value]) => ({ name, value }));
    for (let i = 0; i < times.length; i += 2000) await writeSeries(target, [{ labels, samples: times.slice(i, i + 2000).map((t, j) => ({ timestamp: t, value: s.value(i + j) })) }]);
  }
  await writeSeries(target, [{ labels: Object.entries(history[2].labels).map(([name, value]) => ({ name, value })), samples: [{ timestamp: gone, value: STALE_NAN }] }]);
}, 120_000);

const readAll = async (url: string, name: string) => {
  const runs: SeriesRun[] = [];
  await readSeries(urlTarget(url, 'settings', 'Prometheus'), { start: now - 5 * DAY, end: Date.now(), matchers: [{ type: 'EQ', name: '__name__', value: name }] }, async (run) => void runs.push(run));
  return runs;
};
const labelsOf = (run: SeriesRun) => Object.fromEntries(run.labels.map((l) => [l.name, l.value]));

const input = (target: TestPrometheus, extra: Partial<HistoryCopyInput> = {}): HistoryCopyInput => ({
  source: urlTarget(source.url, 'settings', 'Prometheus'),
  target: urlTarget(target.url, 'settings', 'Prometheus'),
  targetCluster: 'dst-lab',
  selectors: [namespacesSelector(['shop'])],
  sinceSeconds: 4 * 86_400,
  namespaceMap: { shop: 'shop-eu' },
  dryRun: false,
  dir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-history-')),
  ...extra,
});

describe('metrics history copied between two Prometheus servers', () => {
  it('plans, then copies the namespace’s series relabelled, verified sample for sample', async () => {
    const target = await start({ ...ready('dst-lab'), storage: { tsdb: { out_of_order_time_window: '31d' } } }, readyFlags);
    const plan = await copyHistory(input(target, { dryRun: true }));
    expect(plan).toMatchObject({ state: 'Completed', dryRun: true, series: 3, samples: 0, target: { problems: [] } });
    // the samples in the source's chunks: what is copied below, and the staleness marker
    expect(plan.estimatedSamples).toBe(3 * times.length + 1);
    expect(await readAll(target.url, 'container_cpu_usage_seconds_total')).toEqual([]);

    const report = await copyHistory(input(target));
    expect(report).toMatchObject({ state: 'Completed', series: 3, samples: 3 * times.length, skipped: { series: 0, samples: 0 }, verification: { series: 3, samplesMatched: 3 * times.length, mismatches: [] } });
    const [cpu] = await readAll(target.url, 'container_cpu_usage_seconds_total');
    // the source's external cluster label is not copied; the target adds its own on reading
    expect(labelsOf(cpu)).toEqual({ __name__: 'container_cpu_usage_seconds_total', namespace: 'shop-eu', pod: 'web-0', cluster: 'dst-lab' });
    expect(cpu.timestamps).toEqual(times);
    expect(cpu.values).toEqual(times.map((_, i) => i * 0.5));
    const [podReady] = await readAll(target.url, 'kube_pod_status_ready');
    expect(labelsOf(podReady).namespace).toBe('shop-eu');
    // the source's staleness marker is copied; each series ends at the end of the range, so it is not shown 5 minutes past it
    const ended = Date.parse(report.range.end) + 1;
    expect(podReady.stale).toEqual([gone, ended]);
    expect(cpu.stale).toEqual([ended]);
    expect(report.staleMarkers).toBe(4);
    const shown = (await (await fetch(`${target.url}/api/v1/query?query=container_cpu_usage_seconds_total&time=${(ended + 60_000) / 1000}`)).json()) as { data: { result: unknown[] } };
    expect(shown.data.result).toEqual([]);
  }, 120_000);

  it("keeps the target's own samples where they begin, copying only what comes before", async () => {
    const target = await start({ ...ready('dst-lab'), storage: { tsdb: { out_of_order_time_window: '31d' } } }, readyFlags);
    // the migrated workload already runs on the target: its own samples from a day ago on
    const own = times.filter((t) => t >= now - DAY);
    await writeSeries(urlTarget(target.url, 'settings', 'Prometheus'), [{ labels: [{ name: '__name__', value: 'container_cpu_usage_seconds_total' }, { name: 'namespace', value: 'shop-eu' }, { name: 'pod', value: 'web-0' }], samples: own.map((t) => ({ timestamp: t, value: -1 })) }]);
    const report = await copyHistory(input(target));
    expect(report).toMatchObject({ state: 'Completed', skipped: { series: 1, samples: own.length }, verification: { mismatches: [] } });
    const [cpu] = await readAll(target.url, 'container_cpu_usage_seconds_total');
    expect(cpu.timestamps).toEqual(times);
    expect(cpu.values.filter((v) => v === -1)).toHaveLength(own.length);
  }, 120_000);

  it('goes on from its journal after an interruption', async () => {
    const target = await start({ ...ready('dst-lab'), storage: { tsdb: { out_of_order_time_window: '31d' } } }, readyFlags);
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-history-'));
    const stop = new AbortController();
    const interrupted = await copyHistory(input(target, { dir, signal: stop.signal, onProgress: (p) => p.phase === 'copying' && p.done === 2 && stop.abort() })).catch((e: Error) => e);
    expect(interrupted).toBeInstanceOf(Error);
    const report = await copyHistory(input(target, { dir }));
    expect(report).toMatchObject({ state: 'Completed', resumedDays: 2, samples: 3 * times.length, verification: { samplesMatched: 3 * times.length, mismatches: [] } });
  }, 120_000);

  /** A copy stopped as it verifies, and a day of one copied series lost on the target (here deleted through its admin API) before the resumed run verifies. */
  async function losingADay(target: TestPrometheus, dir: string): Promise<{ lost: number[]; labels: Label[] }> {
    const stop = new AbortController();
    const interrupted = await copyHistory(input(target, { dir, signal: stop.signal, onProgress: (p) => p.phase === 'verifying' && stop.abort() })).catch((e: Error) => e);
    expect(interrupted).toBeInstanceOf(Error);
    const lost = times.filter((t) => t >= first + DAY && t < first + 2 * DAY);
    const params = new URLSearchParams({ 'match[]': 'container_memory_working_set_bytes{namespace="shop-eu"}', start: String(lost[0] / 1000), end: String(lost.at(-1)! / 1000) });
    expect((await fetch(`${target.url}/api/v1/admin/tsdb/delete_series?${params}`, { method: 'POST' })).status).toBe(204);
    return { lost, labels: [{ name: '__name__', value: 'container_memory_working_set_bytes' }, { name: 'namespace', value: 'shop-eu' }, { name: 'pod', value: 'web-0' }] };
  }

  it('writes a series the target lost samples of again, and verifies it', async () => {
    const target = await start({ ...ready('dst-lab'), storage: { tsdb: { out_of_order_time_window: '31d' } } }, [...readyFlags, '--web.enable-admin-api']);
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-history-'));
    await losingADay(target, dir);
    const report = await copyHistory(input(target, { dir }));
    expect(report).toMatchObject({ state: 'Completed', resumedDays: 4, rewrittenSeries: 1, verification: { series: 3, samplesMatched: 3 * times.length, mismatches: [] } });
  }, 120_000);

  it('names the series the target holds other values of when it verifies, and ends PartiallyFailed', async () => {
    const target = await start({ ...ready('dst-lab'), storage: { tsdb: { out_of_order_time_window: '31d' } } }, [...readyFlags, '--web.enable-admin-api']);
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-history-'));
    // the lost day written anew with other values: a write of the copied ones would be refused, so none is tried
    const { lost, labels } = await losingADay(target, dir);
    await writeSeries(urlTarget(target.url, 'settings', 'Prometheus'), [{ labels, samples: lost.map((t) => ({ timestamp: t, value: -1 })) }]);
    const report = await copyHistory(input(target, { dir }));
    expect(report.rewrittenSeries).toBeUndefined();
    expect(report).toMatchObject({
      state: 'PartiallyFailed',
      resumedDays: 4,
      verification: { series: 3, samplesMatched: 2 * times.length, mismatches: [`container_memory_working_set_bytes{namespace="shop-eu", pod="web-0"}: ${times.length} samples copied, ${times.length} read back with other values`] },
    });
  }, 120_000);

  it('refuses a target that cannot take the history, saying what to set, and writes nothing; passes on a wrong selector in Prometheus’s words', async () => {
    const plain = await start({}, []);
    const report = await copyHistory(input(plain));
    expect(report).toMatchObject({ state: 'Failed', samples: 0, error: expect.stringMatching(/cannot take this history, so nothing was written: its remote-write receiver is off .* --web.enable-remote-write-receiver; with prometheus-operator, set spec.enableRemoteWriteReceiver: true/) });
    await expect(copyHistory(input(plain, { selectors: ['{namespace=~"("}'] }))).rejects.toThrow(/missing closing \)|error parsing regexp/);
  }, 120_000);
});

describe('fleetdeck metrics copy between lab clusters', () => {
  const cli = path.resolve(import.meta.dirname, '../../../../../bin/fleetdeck.js');
  const env = { ...process.env, FLEETDECK_HOME: mkdtempSync(path.join(tmpdir(), 'fleetdeck-history-cli-')) };
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'metrics', 'copy', '--kubeconfig', labKubeconfig, ...args], { env, encoding: 'utf8', timeout: 300_000 });
  const renamed = `hist-${Date.now().toString(36)}`;
  const common = ['--from-context', 'gke-lab', '--to-context', 'eks-lab', '--selector', '{namespace="shop"}', '--since', '10m', '--namespace-map', `shop=${renamed}`, '--output', 'json'];

  it("copies the last 10 minutes of gke-lab's shop into eks-lab under another namespace, verified", async () => {
    const plan = run(...common, '--dry-run');
    expect(plan.status, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as { state: string; series: number; estimatedSamples: number; target: { problems: unknown[] } };
    expect(planned).toMatchObject({ state: 'Completed', dryRun: true, samples: 0, target: { problems: [] } });
    expect(planned.series).toBeGreaterThan(10);

    const copy = run(...common);
    expect(copy.status, copy.stderr).toBe(0);
    const report = JSON.parse(copy.stdout) as { state: string; series: number; samples: number; seconds: number; verification: { series: number; samplesMatched: number; mismatches: string[] } };
    expect(report.state).toBe('Completed');
    expect(report.samples).toBeGreaterThan(planned.series);
    expect(report.verification).toEqual({ series: expect.any(Number), samplesMatched: report.samples, mismatches: [] });
    expect(copy.stderr).toMatch(/fleetdeck: copying 0\/1/);
    // the copied series on eks-lab, under the new namespace (a series that ended minutes ago is not in an instant query)
    const listed = (await (await fetch(`${urls(clusterByContext('eks-lab')).prometheus}/api/v1/series?${new URLSearchParams({ 'match[]': `{namespace="${renamed}"}`, start: String(Date.now() / 1000 - 900) })}`)).json()) as { data: unknown[] };
    expect(listed.data).toHaveLength(report.verification.series);
  }, 600_000);

  it("passes on Prometheus's own error for a wrong selector, and refuses one context twice", () => {
    const wrong = run('--from-context', 'gke-lab', '--to-context', 'eks-lab', '--selector', '{namespace=~"("}', '--since', '10m');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/error parsing regexp|missing closing \)/);
    const same = run('--from-context', 'gke-lab', '--to-context', 'gke-lab', '--selector', 'up');
    expect(same.status).toBe(1);
    expect(same.stderr).toContain('two different contexts');
  });
});

