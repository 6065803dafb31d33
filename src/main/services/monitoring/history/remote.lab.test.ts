// Remote read from the lab's Prometheus and remote write into a Prometheus ready for history, over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterByContext, urls } from '../../../../../lab/config.ts';
import { startPrometheus, type TestPrometheus } from '../../../../../test/prometheus.ts';
import { urlTarget } from '../endpoints.ts';
import { readSeries, writeSeries, type SeriesRun } from './remote.ts';

const lab = urls(clusterByContext('aks-lab')).prometheus;
let target: TestPrometheus;
beforeAll(async () => {
  target = await startPrometheus({ storage: { tsdb: { out_of_order_time_window: '31d' } } }, ['--web.enable-remote-write-receiver', '--storage.tsdb.retention.time=35d']);
}, 60_000);
afterAll(() => target?.stop());

const read = async (url: string, query: Parameters<typeof readSeries>[1]) => {
  const runs: SeriesRun[] = [];
  await readSeries(urlTarget(url, 'settings', 'Prometheus'), query, async (run) => void runs.push(run));
  return runs;
};
const labelsOf = (run: SeriesRun) => Object.fromEntries(run.labels.map((l) => [l.name, l.value]));

describe('remote read and remote write', () => {
  it("reads what the lab Prometheus's query API shows for the same range", async () => {
    const end = Date.now() - 60_000;
    const start = end - 3600_000;
    const runs = await read(lab, { start, end, matchers: [{ type: 'EQ', name: '__name__', value: 'up' }] });
    const answer = (await (await fetch(`${lab}/api/v1/query?query=${encodeURIComponent('up[1h]')}&time=${end / 1000}`)).json()) as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
    expect(runs.length).toBe(answer.data.result.length);
    for (const series of answer.data.result) {
      const run = runs.find((r) => labelsOf(r).instance === series.metric.instance)!;
      // remote read carries the external labels; the query API leaves out staleness markers
      expect(labelsOf(run)).toEqual({ ...series.metric, __name__: 'up', cluster: 'aks-lab' });
      const samples = run.timestamps.map((t, i) => [t, run.values[i]]).filter(([t, v]) => t > start && !Number.isNaN(v));
      expect(samples).toEqual(series.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]));
    }
  });

  it('writes 30-day-old samples into a Prometheus with a 31-day out-of-order window, and reads them back', async () => {
    const now = Date.now();
    const labels = [
      { name: '__name__', value: 'fleetdeck_test_history' },
      { name: 'namespace', value: 'shop' },
    ];
    const samples = Array.from({ length: 2880 }, (_, i) => ({ timestamp: now - 30 * 86_400_000 + i * 30_000, value: Math.sin(i / 50) * 100 }));
    const url = target.url;
    for (let i = 0; i < samples.length; i += 1000) await writeSeries(urlTarget(url, 'settings', 'Prometheus'), [{ labels, samples: samples.slice(i, i + 1000) }]);
    const runs = await read(url, { start: now - 31 * 86_400_000, end: now, matchers: [{ type: 'EQ', name: '__name__', value: 'fleetdeck_test_history' }] });
    expect(runs.map(labelsOf)).toEqual(runs.map(() => ({ __name__: 'fleetdeck_test_history', namespace: 'shop' })));
    expect(runs.flatMap((r) => r.timestamps.map((t, i) => ({ timestamp: t, value: r.values[i] })))).toEqual(samples);
  });

  it("passes on Prometheus's own refusal of a write", async () => {
    const prometheus = urlTarget(target.url, 'settings', 'Prometheus');
    const at = Date.now() - 86_400_000;
    const series = (name: string, timestamp: number, value: number) => [{ labels: [{ name: '__name__', value: name }], samples: [{ timestamp, value }] }];
    await writeSeries(prometheus, series('fleetdeck_test_twice', at, 1));
    await expect(writeSeries(prometheus, series('fleetdeck_test_twice', at, 2))).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/refused the remote write \(HTTP 400\): .*duplicate sample for timestamp/) });
    // the window is counted back from the newest sample the target holds (now a day old)
    await expect(writeSeries(prometheus, series('fleetdeck_test_too_old', at - 40 * 86_400_000, 1))).rejects.toThrow(/refused the remote write \(HTTP 5\d\d\): too old sample/);
  });
});
