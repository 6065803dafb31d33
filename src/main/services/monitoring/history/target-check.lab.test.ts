// The target check against real Prometheus servers started here with the settings under test.
import { afterAll, describe, expect, it } from 'vitest';
import { clusterByContext, urls } from '../../../../../lab/config.ts';
import { startPrometheus, type TestPrometheus } from '../../../../../test/prometheus.ts';
import { urlTarget } from '../endpoints.ts';
import { checkHistoryTarget } from './target-check.ts';

const started: TestPrometheus[] = [];
afterAll(() => started.forEach((p) => p.stop()));

/** A Prometheus with this storage config and these flags, as a target. */
async function prometheus(storage: object | undefined, flags: string[]) {
  const server = await startPrometheus(storage ? { storage } : {}, flags);
  started.push(server);
  return urlTarget(server.url, 'settings', 'Prometheus');
}

const DAY = 86_400;

describe('whether a Prometheus can take 30 days of copied history', () => {
  it('refuses a default Prometheus, naming each setting for a plain Prometheus and for prometheus-operator', async () => {
    const readiness = await checkHistoryTarget(await prometheus(undefined, []), 30 * DAY);
    expect(readiness).toMatchObject({ receiver: false, outOfOrderWindowSeconds: 0, retentionSeconds: 15 * DAY });
    expect(readiness.problems).toEqual([
      { problem: expect.stringContaining('remote-write receiver is off'), prometheus: 'start it with --web.enable-remote-write-receiver', operator: 'set spec.enableRemoteWriteReceiver: true in the Prometheus resource' },
      { problem: expect.stringMatching(/out-of-order window .* is not set, and the oldest sample to copy is 30 days old/), prometheus: 'set storage: { tsdb: { out_of_order_time_window: 31d } } in prometheus.yml', operator: 'set spec.tsdb.outOfOrderTimeWindow: 31d in the Prometheus resource' },
      { problem: expect.stringContaining('its retention is 15d'), prometheus: 'start it with --storage.tsdb.retention.time=31d', operator: 'set spec.retention: 31d in the Prometheus resource' },
    ]);
  }, 60_000);

  it('refuses an out-of-order window shorter than the history, and takes one that reaches it', async () => {
    const short = await checkHistoryTarget(await prometheus({ tsdb: { out_of_order_time_window: '7d' } }, ['--web.enable-remote-write-receiver', '--storage.tsdb.retention.time=35d']), 30 * DAY);
    expect(short.problems.map((p) => p.problem)).toEqual([expect.stringContaining('out-of-order window (storage.tsdb.out_of_order_time_window) is 7d')]);
    const ready = await checkHistoryTarget(await prometheus({ tsdb: { out_of_order_time_window: '31d' } }, ['--web.enable-remote-write-receiver', '--storage.tsdb.retention.time=35d']), 30 * DAY);
    expect(ready).toEqual({ receiver: true, outOfOrderWindowSeconds: 31 * DAY, retentionSeconds: 35 * DAY, problems: [] });
  }, 60_000);

  it("takes each lab cluster's Prometheus (receiver on, a 31-day window, 35 days kept)", async () => {
    for (const context of ['aks-lab', 'gke-lab', 'eks-lab']) {
      const readiness = await checkHistoryTarget(urlTarget(urls(clusterByContext(context)).prometheus, 'settings', 'Prometheus'), 30 * DAY);
      expect(readiness, context).toEqual({ receiver: true, outOfOrderWindowSeconds: 31 * DAY, retentionSeconds: 35 * DAY, problems: [] });
    }
  });
});
