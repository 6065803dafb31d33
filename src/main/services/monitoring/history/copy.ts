// Copies the history of the selected series from one Prometheus into another through their HTTP
// APIs: remote read out of the source, relabelled, remote write into the target, a day at a time,
// journaled per day so that an interrupted copy goes on where it stopped, then verified by reading
// the target back (a series that reads back short is written again). Memory holds one streamed
// frame and two write batches (one in flight), whatever the range.
import path from 'node:path';
import { parse } from 'yaml';
import type { HistoryReport } from '../../../../shared/monitoring/history.ts';
import { parseDuration } from '../../../../shared/monitoring/promql.ts';
import { Journal, runKey } from '../../../base/journal.ts';
import { inParallel } from '../../../base/parallel.ts';
import { retrying } from '../../../kube/retry.ts';
import { prometheusApi } from '../clients.ts';
import type { Target } from '../endpoints.ts';
import { STALE_NAN, type Label, type LabelMatcher } from './prompb.ts';
import { countSamples, readSeries, seriesName, writeSeries, type SeriesRun } from './remote.ts';
import { selectorMatchers } from './selector.ts';
import { checkHistoryTarget, prometheusStatus } from './target-check.ts';

export interface HistoryCopyInput {
  source: Target;
  target: Target;
  /** what a `cluster` label the series carry themselves becomes (an external label is never copied) */
  targetCluster: string;
  selectors: string[];
  /** how far back; at most the source's retention */
  sinceSeconds: number;
  /** the copy's end (ms since the epoch), now by default: a migration copies up to the moment of its move */
  until?: number;
  namespaceMap: Record<string, string>;
  dryRun: boolean;
  /** Fleetdeck's data dir: the journals */
  dir: string;
  onProgress?: (progress: { phase: string; done: number; total?: number; detail?: string }) => void;
  signal?: AbortSignal;
}

const DAY_MS = 86_400_000;
/** samples per remote-write request: Prometheus's own default is 2,000 per shard; larger batches mean fewer round trips */
const BATCH_SAMPLES = 10_000;
const MAX_MISMATCHES_NAMED = 10;
/** series read from the target at once: Prometheus answers each on a core of its own */
const READS_AT_ONCE = 4;
/** how long a read of the target that broke off is tried again */
const READ_RETRY_MS = 120_000;
/**
 * Prometheus 2.42 can lose whole out-of-order chunks (32 samples) it accepted: in the history
 * benchmark a few series in 500 read back short, alike by remote read and PromQL, minutes later.
 * A series that reads back short is written again (the samples the target holds are identical
 * duplicates, which it drops) and read back again, this many times, before it counts as a mismatch.
 */
const REWRITES = 2;

/** A series' sample count and an order-independent checksum of its (timestamp, value) pairs, comparable across days and runs. */
type Tally = [count: number, a: number, b: number];

const mix = new DataView(new ArrayBuffer(16));
function addSample(tally: Tally, timestamp: number, value: number): void {
  mix.setFloat64(0, timestamp);
  mix.setFloat64(8, value);
  // two 32-bit FNV-1a hashes of the 16 bytes, summed modulo 2^32: the sum does not depend on order
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < 16; i++) {
    const byte = mix.getUint8(i);
    a = Math.imul(a ^ byte, 0x01000193);
    b = Math.imul(b ^ byte, 0x5bd1e995);
  }
  tally[0]++;
  tally[1] = (tally[1] + (a >>> 0)) % 2 ** 32;
  tally[2] = (tally[2] + (b >>> 0)) % 2 ** 32;
}

const keyOf = (labels: Label[]) => JSON.stringify(labels.map((l) => [l.name, l.value]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const labelsOfKey = (key: string): Label[] => (JSON.parse(key) as [string, string][]).map(([name, value]) => ({ name, value }));

interface Step {
  /** the range the first run fixed, so that a resumed run copies the same one */
  range?: { start: number; end: number };
  /** per target series, the time of the first sample the target held of it before anything was written */
  first?: Record<string, number>;
  /** a day done: per target series, its tally */
  tallies?: Record<string, Tally>;
  skipped?: number;
  stale?: number;
  /** series whose last sample that day was not followed by a staleness marker, and series whose was */
  open?: string[];
  closed?: string[];
}

/** The series the selectors match on the source, as Prometheus lists them; an invalid selector gets Prometheus's own error. */
async function sourceSeries(source: Target, selectors: string[], start: number, end: number): Promise<Label[][]> {
  const params = new URLSearchParams({ start: String(start / 1000), end: String(end / 1000) });
  for (const s of selectors) params.append('match[]', s);
  const series = await prometheusApi<Record<string, string>[]>(source, `api/v1/series?${params}`, { timeoutMs: 120_000 });
  return series.map((metric) => Object.entries(metric).map(([name, value]) => ({ name, value })));
}

/** The copy's relabelling: the source's external labels dropped, the namespace map applied, a `cluster` label the series carry made the target's. */
function relabeller(externalLabels: string[], namespaceMap: Record<string, string>, targetCluster: string): (labels: Label[]) => Label[] {
  const external = new Set(externalLabels);
  return (labels) =>
    labels
      .filter((l) => !external.has(l.name))
      .map((l) => (l.name === 'namespace' ? { name: l.name, value: namespaceMap[l.value] ?? l.value } : l.name === 'cluster' ? { name: l.name, value: targetCluster } : l));
}

const exactly = (labels: Label[]): LabelMatcher[] => labels.map((l) => ({ type: 'EQ', name: l.name, value: l.value }));

/**
 * Per target series, what the target holds before `until` (its first copied-over sample, else the
 * end): the first sample's time (its own samples from then on win over the copy) and the tally of
 * the samples before it (verification).
 */
async function onTarget(target: Target, series: Label[][], start: number, end: number, externalLabels: string[], signal: AbortSignal | undefined, until?: Map<string, number>): Promise<Map<string, { first: number; tally: Tally }>> {
  const found = new Map<string, { first: number; tally: Tally }>();
  const external = new Set(externalLabels);
  await inParallel(series, READS_AT_ONCE, async (labels) => {
    const key = keyOf(labels);
    const last = until?.get(key) ?? end;
    // Prometheus (2.42) may break a remote read off mid-stream while it compacts the out-of-order samples just written: the series is read again
    await retrying(async () => {
      found.delete(key);
      await readSeries(
        target,
        { start, end: last, matchers: exactly(labels) },
        async (run) => {
          // the target adds its external labels to a series that lacks them; one with more labels of its own is another series
          if (keyOf(run.labels) !== key && keyOf(run.labels.filter((l) => !external.has(l.name))) !== key) return;
          const entry = found.get(key) ?? { first: Infinity, tally: [0, 0, 0] as Tally };
          for (let j = 0; j < run.timestamps.length && run.timestamps[j] < last; j++) {
            entry.first = Math.min(entry.first, run.timestamps[j]);
            addSample(entry.tally, run.timestamps[j], run.values[j]);
          }
          found.set(key, entry);
        },
        signal,
      );
    }, { retryForMs: READ_RETRY_MS });
  });
  return found;
}

type WrittenSeries = { labels: Label[]; samples: { value: number; timestamp: number }[] };

/**
 * Remote writes in batches of BATCH_SAMPLES, one in flight while the next is read and built (the
 * source and the target work at once); close() waits for the last and throws what any of them threw.
 */
function batchWriter(target: Target, signal: AbortSignal | undefined) {
  let batch: WrittenSeries[] = [];
  let batched = 0;
  let sending: Promise<unknown> = Promise.resolve();
  let failed = undefined as { error: unknown } | undefined;
  const flush = async () => {
    if (!batched) return;
    const full = batch;
    batch = [];
    batched = 0;
    await sending;
    if (failed) throw failed.error;
    sending = writeSeries(target, full, signal).catch((error: unknown) => (failed = { error }));
  };
  return {
    async add(series: WrittenSeries): Promise<void> {
      batch.push(series);
      batched += series.samples.length;
      if (batched >= BATCH_SAMPLES) await flush();
    },
    async close(): Promise<void> {
      await flush();
      await sending;
      if (failed) throw failed.error;
    },
  };
}

/** Copies the selected history, or with dryRun plans it; refuses before writing anything when the target cannot take it. */
export async function copyHistory(input: HistoryCopyInput): Promise<HistoryReport> {
  const begun = Date.now();
  const progress = input.onProgress ?? (() => undefined);
  const { source, target, signal } = input;
  progress({ phase: 'reading the source', done: 0 });
  const flags = await prometheusStatus<Record<string, string>>(source, 'flags');
  const externalLabels = async (of: Target) => Object.keys(((parse((await prometheusStatus<{ yaml: string }>(of, 'config')).yaml) ?? {}) as { global?: { external_labels?: Record<string, string> } }).global?.external_labels ?? {});
  const sourceExternal = await externalLabels(source);
  const retention = parseDuration(flags['storage.tsdb.retention.time'] ?? '') ?? parseDuration(flags['storage.tsdb.retention'] ?? '');
  const since = Math.min(input.sinceSeconds, retention ?? input.sinceSeconds);
  let writing = false;
  const journal = input.dryRun ? undefined : new Journal<Step>(path.join(input.dir, 'jobs', 'journals'), runKey({ history: [source.location, target.location], selectors: input.selectors, since, namespaceMap: input.namespaceMap, cluster: input.targetCluster }));
  try {
    const fixed = journal?.get('range')?.range;
    // an earlier run wrote already: its journal is kept whatever happens now
    writing = fixed !== undefined;
    const end = fixed?.end ?? input.until ?? Date.now();
    const start = fixed?.start ?? end - since * 1000;
    const range = { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
    // Prometheus judges the selectors first: a wrong one gets its own error
    const series = await sourceSeries(source, input.selectors, start, end);
    const matchers = input.selectors.map(selectorMatchers);
    const readiness = await checkHistoryTarget(target, (Date.now() - start) / 1000);
    const base = { series: series.length, range, target: readiness, skipped: { series: 0, samples: 0 }, staleMarkers: 0 };
    if (readiness.problems.length) {
      if (writing) journal?.close();
      else journal?.discard();
      const fixes = readiness.problems.map((p) => `${p.problem} — ${p.prometheus}; with prometheus-operator, ${p.operator}`).join('; ');
      return { ...base, state: 'Failed', ...(input.dryRun ? { dryRun: true } : {}), samples: 0, seconds: (Date.now() - begun) / 1000, error: `${target.location} cannot take this history, so nothing was written: ${fixes}` };
    }
    if (input.dryRun) {
      let estimatedSamples = 0;
      for (const query of matchers) estimatedSamples += await countSamples(source, { start, end, matchers: query }, signal);
      return { ...base, state: 'Completed', dryRun: true, samples: 0, estimatedSamples, seconds: (Date.now() - begun) / 1000 };
    }

    const relabel = relabeller(sourceExternal, input.namespaceMap, input.targetCluster);
    const targetExternal = await externalLabels(target);
    /** per target series, the source series it is copied from */
    const sourceOf = new Map(series.map((labels) => [keyOf(relabel(labels)), labels]));
    const targetSeries = new Map([...sourceOf.keys()].map((key) => [key, labelsOfKey(key)]));
    progress({ phase: "reading the target's own samples", done: 0, total: targetSeries.size });
    // the target's own samples of a series win from its first one on (asked once, before anything is written)
    const journaledFirst = journal?.get('target')?.first;
    const first = journaledFirst
      ? new Map(Object.entries(journaledFirst))
      : new Map([...(await onTarget(target, [...targetSeries.values()], start, end + 1, targetExternal, signal))].filter(([, v]) => Number.isFinite(v.first)).map(([k, v]) => [k, v.first]));
    // from here on the target is written: a run that stops goes on from the journal, with the same range
    writing = true;
    if (!fixed) journal?.record('range', { range: { start, end } });
    if (!journaledFirst) journal?.record('target', { first: Object.fromEntries(first) });

    const tallies = new Map<string, Tally>();
    let skipped = 0;
    let stale = 0;
    let resumedDays = 0;
    // the copied series still going at the day's end, that is at the move: they get a staleness marker there
    const open = new Set<string>();
    const endDay = (record: Step) => {
      for (const key of record.closed ?? []) open.delete(key);
      for (const key of record.open ?? []) open.add(key);
    };
    const days = Math.ceil((end - start) / DAY_MS);
    const dayWindow = (day: number) => ({ from: start + day * DAY_MS, to: Math.min(end, start + (day + 1) * DAY_MS - 1) });
    for (let day = 0; day < days; day++) {
      const { from, to } = dayWindow(day);
      const done = journal?.get(`day ${day}`);
      if (done?.tallies) {
        resumedDays++;
        for (const [key, t] of Object.entries(done.tallies)) addTally(tallies, key, t);
        skipped += done.skipped ?? 0;
        stale += done.stale ?? 0;
        endDay(done);
        continue;
      }
      progress({ phase: 'copying', done: day, total: days, detail: new Date(from).toISOString().slice(0, 10) });
      const today = new Map<string, Tally>();
      const writer = batchWriter(target, signal);
      let daySkipped = 0;
      let dayStale = 0;
      /** per series, its last sample or staleness marker of the day */
      const last = new Map<string, { t: number; stale: boolean }>();
      for (const query of matchers) {
        // a series an earlier selector matched is copied once; a long series comes in several runs of one query
        const earlier = new Set(today.keys());
        await readSeries(
          source,
          { start: from, end: to, matchers: query },
          async (run: SeriesRun) => {
            const labels = relabel(run.labels);
            const key = keyOf(labels);
            if (earlier.has(key)) return;
            const limit = first.get(key) ?? Infinity;
            const tally = today.get(key) ?? [0, 0, 0];
            const samples: { value: number; timestamp: number }[] = [];
            for (let i = 0; i < run.timestamps.length; i++) {
              if (run.timestamps[i] >= limit) {
                daySkipped++;
                continue;
              }
              samples.push({ timestamp: run.timestamps[i], value: run.values[i] });
              addSample(tally, run.timestamps[i], run.values[i]);
            }
            const markers = run.stale.filter((t) => t < limit);
            if (markers.length) {
              dayStale += markers.length;
              for (const t of markers) samples.push({ timestamp: t, value: STALE_NAN });
              samples.sort((a, b) => a.timestamp - b.timestamp);
            }
            today.set(key, tally);
            if (!samples.length) return;
            const newest = samples[samples.length - 1];
            if (newest.timestamp >= (last.get(key)?.t ?? -Infinity)) last.set(key, { t: newest.timestamp, stale: markers.at(-1) === newest.timestamp });
            await writer.add({ labels, samples });
          },
          signal,
        );
      }
      await writer.close();
      const record: Step = { tallies: Object.fromEntries(today), skipped: daySkipped, stale: dayStale, open: [...last].filter(([, e]) => !e.stale).map(([key]) => key), closed: [...last].filter(([, e]) => e.stale).map(([key]) => key) };
      journal?.record(`day ${day}`, record);
      for (const [key, t] of today) addTally(tallies, key, t);
      skipped += daySkipped;
      stale += dayStale;
      endDay(record);
    }

    /** Writes these source series' samples before their target's own again, over the copy's days. */
    const rewrite = async (sources: Label[][]) => {
      const writer = batchWriter(target, signal);
      for (let day = 0; day < days; day++) {
        const { from, to } = dayWindow(day);
        for (const labels of sources) {
          await readSeries(
            source,
            { start: from, end: to, matchers: exactly(labels) },
            async (run) => {
              const relabelled = relabel(run.labels);
              const limit = first.get(keyOf(relabelled)) ?? Infinity;
              const samples = run.timestamps.flatMap((timestamp, i) => (timestamp < limit ? [{ timestamp, value: run.values[i] }] : []));
              if (samples.length) await writer.add({ labels: relabelled, samples });
            },
            signal,
          );
        }
      }
      await writer.close();
    };

    // a series the target does not go on with ends at the move, as a scrape that stopped finding it would end it
    const ending = [...open].filter((key) => !first.has(key));
    for (let i = 0; i < ending.length; i += BATCH_SAMPLES) {
      progress({ phase: 'ending the copied series', done: i, total: ending.length });
      await writeSeries(target, ending.slice(i, i + BATCH_SAMPLES).map((key) => ({ labels: labelsOfKey(key), samples: [{ timestamp: end + 1, value: STALE_NAN }] })), signal);
    }
    stale += ending.length;

    progress({ phase: 'verifying', done: 0, total: tallies.size });
    const copied = [...tallies].filter(([, t]) => t[0] > 0);
    const readBack = (keys: string[]) => onTarget(target, keys.map(labelsOfKey), start, end + 1, targetExternal, signal, first);
    const back = await readBack(copied.map(([key]) => key));
    const found = (key: string): Tally => back.get(key)?.tally ?? [0, 0, 0];
    const same = ([key, t]: [string, Tally]) => found(key).every((v, i) => v === t[i]);
    /** series the target holds fewer samples of than were copied (one with other values would be refused, not repaired, by a write) */
    const short = () => copied.filter(([key, t]) => found(key)[0] < t[0]);
    let rewritten = 0;
    for (let round = 0, again = short(); again.length && round < REWRITES; round++, again = short()) {
      progress({ phase: 'writing short series again', done: round, total: REWRITES, detail: `${again.length} series` });
      rewritten += again.length;
      await rewrite(again.map(([key]) => sourceOf.get(key)!));
      const reread = await readBack(again.map(([key]) => key));
      for (const [key] of again) {
        const entry = reread.get(key);
        if (entry) back.set(key, entry);
        else back.delete(key);
      }
    }
    const mismatches = copied.filter((entry) => !same(entry)).map(([key, t]) => `${seriesName(labelsOfKey(key))}: ${t[0]} samples copied, ${found(key)[0]} read back${found(key)[0] === t[0] ? ' with other values' : ''}`);
    const matched = copied.filter(same).reduce((n, [, t]) => n + t[0], 0);
    const skippedSeries = [...first.values()].filter((t) => t < end).length;
    const report: HistoryReport = {
      ...base,
      state: mismatches.length ? 'PartiallyFailed' : 'Completed',
      samples: copied.reduce((n, [, t]) => n + t[0], 0),
      seconds: (Date.now() - begun) / 1000,
      skipped: { series: skippedSeries, samples: skipped },
      staleMarkers: stale,
      verification: { series: copied.length, samplesMatched: matched, mismatches: mismatches.slice(0, MAX_MISMATCHES_NAMED) },
      ...(resumedDays ? { resumedDays } : {}),
      ...(rewritten ? { rewrittenSeries: rewritten } : {}),
    };
    if (!mismatches.length) journal?.discard();
    else journal?.close();
    return report;
  } catch (error) {
    // nothing written yet: the next run starts afresh
    if (writing) journal?.close();
    else journal?.discard();
    throw error;
  }
}

function addTally(tallies: Map<string, Tally>, key: string, t: Tally): void {
  const sum = tallies.get(key) ?? [0, 0, 0];
  tallies.set(key, [sum[0] + t[0], (sum[1] + t[1]) % 2 ** 32, (sum[2] + t[2]) % 2 ** 32]);
}
