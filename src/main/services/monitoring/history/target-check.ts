// Whether a Prometheus can take copied history through remote write, before anything is written:
// its remote-write receiver, an out-of-order window that reaches the oldest sample (remote write
// drops samples older than the head's window otherwise), and a retention that keeps them.
import { parse } from 'yaml';
import { parseDuration } from '../../../../shared/monitoring/promql.ts';
import type { TargetProblem, TargetReadiness } from '../../../../shared/monitoring/history.ts';
import { prometheusApi } from '../clients.ts';
import type { Target } from '../endpoints.ts';

const DAY = 86_400;
/** A duration as Prometheus and prometheus-operator write it: whole days when it is. */
const promDuration = (seconds: number) => (seconds % DAY === 0 ? `${seconds / DAY}d` : `${Math.ceil(seconds / 3600)}h`);
/** An age as a person says it: hours up to two days, then days. */
const age = (seconds: number) => (seconds < 2 * DAY ? `${Math.ceil(seconds / 3600)} hours` : `${Math.round(seconds / DAY)} days`);

/** A Prometheus's /api/v1/status/<what> data (flags, config). */
export const prometheusStatus = <T>(target: Target, what: 'flags' | 'config'): Promise<T> => prometheusApi<T>(target, `api/v1/status/${what}`, { timeoutMs: 15_000 });

/**
 * What the target needs to keep samples as old as `oldestSeconds` (seconds before now): each
 * problem with the setting that fixes it. An empty list: it can take them.
 */
export async function checkHistoryTarget(target: Target, oldestSeconds: number): Promise<TargetReadiness> {
  const flags = await prometheusStatus<Record<string, string>>(target, 'flags');
  const config = (parse((await prometheusStatus<{ yaml: string }>(target, 'config')).yaml) ?? {}) as { storage?: { tsdb?: { out_of_order_time_window?: string } } };
  const receiver = flags['web.enable-remote-write-receiver'] === 'true';
  const outOfOrderWindowSeconds = parseDuration(config.storage?.tsdb?.out_of_order_time_window ?? '') ?? 0;
  // retention.time wins; the older flag storage.tsdb.retention is its alias; 0s is "no limit set" (15d by default, unless a size limit is set)
  const setRetention = [flags['storage.tsdb.retention.time'], flags['storage.tsdb.retention']].map((v) => parseDuration(v ?? '')).find((v) => v !== undefined);
  const sizeOnly = !setRetention && flags['storage.tsdb.retention.size'] && flags['storage.tsdb.retention.size'] !== '0B';
  const retentionSeconds = setRetention ?? (sizeOnly ? undefined : 15 * DAY);
  // a day more than the copy reaches back: it takes time, and the head moves on meanwhile
  const wanted = Math.ceil(oldestSeconds / DAY) * DAY + DAY;
  const problems: TargetProblem[] = [];
  if (!receiver) {
    problems.push({
      problem: 'its remote-write receiver is off (web.enable-remote-write-receiver is false)',
      prometheus: 'start it with --web.enable-remote-write-receiver',
      operator: 'set spec.enableRemoteWriteReceiver: true in the Prometheus resource',
    });
  }
  if (outOfOrderWindowSeconds < oldestSeconds) {
    problems.push({
      problem: `its out-of-order window (storage.tsdb.out_of_order_time_window) is ${outOfOrderWindowSeconds ? promDuration(outOfOrderWindowSeconds) : 'not set'}, and the oldest sample to copy is ${age(oldestSeconds)} old: remote write would drop the older ones`,
      prometheus: `set storage: { tsdb: { out_of_order_time_window: ${promDuration(wanted)} } } in prometheus.yml`,
      operator: `set spec.tsdb.outOfOrderTimeWindow: ${promDuration(wanted)} in the Prometheus resource`,
    });
  }
  if (retentionSeconds !== undefined && retentionSeconds < oldestSeconds) {
    problems.push({
      problem: `its retention is ${promDuration(retentionSeconds)}: it would delete the copied samples older than that at its next compaction`,
      prometheus: `start it with --storage.tsdb.retention.time=${promDuration(wanted)}`,
      operator: `set spec.retention: ${promDuration(wanted)} in the Prometheus resource`,
    });
  }
  return { receiver, outOfOrderWindowSeconds, ...(retentionSeconds !== undefined ? { retentionSeconds } : {}), problems };
}
