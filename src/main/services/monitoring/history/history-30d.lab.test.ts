// Thirty days of a namespace's history, given to gke-lab's Prometheus as blocks (lab/history.ts),
// copied into eks-lab's under another namespace: interrupted, resumed, verified, and the raw
// samples of the 30 days the same on both sides.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterByContext, urls } from '../../../../../lab/config.ts';
import { giveHistory, labHistoryTarget, STEP_MS } from '../../../../../lab/history.ts';
import { urlTarget } from '../endpoints.ts';
import { copyHistory, type HistoryCopyInput } from './copy.ts';

const SOURCE = 'gke-lab';
const TARGET = 'eks-lab';
const NAMESPACE = 'payments';
const SERIES = 8;
const DAYS = 30;
// a namespace of its own on eks-lab, new each run: the target holds nothing of it
const renamed = `payments-30d-${Date.now().toString(36)}`;
const prometheus = (context: string) => urls(clusterByContext(context)).prometheus;

type Sample = [number, string];
/** Every raw sample of the selected series in (end − range, end], by series (labels without the namespace), as Prometheus answers a range selector. */
async function rawSamples(context: string, selector: string, end: number, rangeSeconds: number): Promise<Map<string, Sample[]>> {
  const params = new URLSearchParams({ query: `${selector}[${rangeSeconds}s]`, time: String(end / 1000) });
  const res = await fetch(`${prometheus(context)}/api/v1/query?${params}`);
  const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: { metric: Record<string, string>; values: Sample[] }[] } };
  if (body.status !== 'success') throw new Error(`${context}: ${body.error}`);
  expect(body.data.resultType).toBe('matrix');
  return new Map(body.data.result.map(({ metric, values }) => [JSON.stringify(Object.entries({ ...metric, namespace: '' }).sort()), values]));
}

describe('30 days of a namespace’s history copied gke-lab → eks-lab', () => {
  it('copies them under another namespace, interrupted and resumed, verified, with the same raw samples on both sides', async () => {
    const source = clusterByContext(SOURCE);
    const history = await giveHistory(source, labHistoryTarget(source), { namespace: NAMESPACE, days: DAYS, series: SERIES });
    const perSeries = (DAYS * 86_400_000) / STEP_MS;
    expect(history).toMatchObject({ series: SERIES, samples: SERIES * perSeries });
    // given again, it is found in place: nothing imported, the same range (the raw samples below are counted once)
    expect(await giveHistory(source, labHistoryTarget(source), { namespace: NAMESPACE, days: DAYS, series: SERIES })).toMatchObject({ unchanged: true, start: history.start, end: history.end });

    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-history-30d-'));
    // the range starts at the history's first sample, not before: the lab's Prometheus may keep an earlier giving of the same series a minute older
    const until = Date.now();
    const since = Math.ceil((until - history.start) / 1000);
    const input: HistoryCopyInput = {
      source: urlTarget(prometheus(SOURCE), 'settings', 'Prometheus'),
      target: urlTarget(prometheus(TARGET), 'settings', 'Prometheus'),
      targetCluster: TARGET,
      selectors: [history.selector],
      sinceSeconds: since,
      until,
      namespaceMap: { [NAMESPACE]: renamed },
      dryRun: false,
      dir,
    };
    const stop = new AbortController();
    const interrupted = await copyHistory({ ...input, signal: stop.signal, onProgress: (p) => p.phase === 'copying' && p.done === 12 && stop.abort() }).catch((e: Error) => e);
    expect(interrupted).toBeInstanceOf(Error);

    const report = await copyHistory(input);
    expect(report).toMatchObject({ state: 'Completed', series: SERIES, samples: history.samples, resumedDays: 12, skipped: { series: 0, samples: 0 }, verification: { series: SERIES, samplesMatched: history.samples, mismatches: [] } });

    // [start, end − step]: Prometheus 2's range selectors include both ends, and a sample a step before start may be an earlier giving's
    const rangeSeconds = (history.end - STEP_MS - history.start) / 1000;
    const [before, after] = await Promise.all([
      rawSamples(SOURCE, history.selector, history.end - STEP_MS, rangeSeconds),
      rawSamples(TARGET, history.selector.replace(`namespace="${NAMESPACE}"`, `namespace="${renamed}"`), history.end - STEP_MS, rangeSeconds),
    ]);
    expect(before.size).toBe(SERIES);
    for (const samples of before.values()) {
      expect(samples).toHaveLength(perSeries);
      expect(samples[0][0] * 1000).toBe(history.start);
    }
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, samples] of before) expect(after.get(key), key).toEqual(samples);
  }, 600_000);
});
