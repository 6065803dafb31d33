// Metrics history copy (issue 21) on throwaway Prometheus servers (test/prometheus.ts), not the
// lab's: a source given 30 days × 500 series at 30 s by lab/history.ts (OpenMetrics + promtool),
//   Fleetdeck's copyHistory (read, relabel, write, verify), in a child process of its own, with its peak RSS;
//   the limits on the same data: the remote read of the range alone (discarded) plus the remote
//   write of the same samples alone into a fresh target (goal: copy ≤ 1.3× their sum);
//   the same work done directly: that read and that write plus reading the written samples back
//   out of the fresh target (Fleetdeck's verification reads them back too, and a Prometheus reads
//   freshly written out-of-order samples far slower than its compacted blocks);
//   the block path: the same data exported as OpenMetrics (remote read) + `promtool tsdb
//   create-blocks-from openmetrics`;
//   the copy's peak RSS for 7 and for all days (it must not grow with the samples).
// It measures and prints; it does not assert. `npm run bench -- history [--series 500] [--days 30]`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { clusterByContext } from '../lab/config.ts';
import { createBlocks, giveHistory, historySeries, STEP_MS, valueAt } from '../lab/history.ts';
import { urlTarget } from '../src/main/services/monitoring/endpoints.ts';
import { retrying } from '../src/main/kube/retry.ts';
import { copyHistory } from '../src/main/services/monitoring/history/copy.ts';
import { readSeries, writeSeries } from '../src/main/services/monitoring/history/remote.ts';
import { selectorMatchers } from '../src/main/services/monitoring/history/selector.ts';
import { startPrometheus, type TestPrometheus } from '../test/prometheus.ts';
import { rowPrinter } from './report.ts';

const GOAL = 1.3;
const DAY_MS = 86_400_000;
/** as copy.ts batches its remote writes */
const BATCH_SAMPLES = 10_000;
const NAMESPACE = 'shop';
const log = (line: string) => console.error(`bench: ${line}`);
const row = rowPrinter(70, 12, 22);
const seconds = (since: number) => (performance.now() - since) / 1000;
const target = (p: TestPrometheus) => urlTarget(p.url, 'settings', 'Prometheus');
const receiver = ['--web.enable-remote-write-receiver', '--storage.tsdb.retention.time=35d'];
const ooo = { storage: { tsdb: { out_of_order_time_window: '31d' } } };

interface CopyRun {
  seconds: number;
  peakRssMiB: number;
  /** seconds spent in each of copyHistory's progress phases */
  phases: Record<string, number>;
  report: Awaited<ReturnType<typeof copyHistory>>;
}

// The child: one copy, its report and this process's peak RSS on stdout.
async function copyRunner(args: { source: string; target: string; selector: string; since: number; dir: string }) {
  const started = performance.now();
  const phases: Record<string, number> = {};
  let phase = { name: 'checks', since: started };
  const enter = (name: string) => {
    const now = performance.now();
    phases[phase.name] = (phases[phase.name] ?? 0) + (now - phase.since) / 1000;
    phase = { name, since: now };
  };
  const report = await copyHistory({
    source: urlTarget(args.source, 'settings', 'Prometheus'),
    target: urlTarget(args.target, 'settings', 'Prometheus'),
    targetCluster: 'bench-dst',
    selectors: [args.selector],
    sinceSeconds: args.since,
    namespaceMap: { [NAMESPACE]: `${NAMESPACE}-copy` },
    dryRun: false,
    dir: args.dir,
    onProgress: (p) => p.phase !== phase.name && enter(p.phase),
  });
  enter('');
  console.log(JSON.stringify({ seconds: seconds(started), peakRssMiB: process.resourceUsage().maxRSS / 1024, phases, report }));
}

async function copyInChild(source: TestPrometheus, to: TestPrometheus, selector: string, since: number, dir: string): Promise<CopyRun> {
  const child = spawn(process.execPath, [import.meta.filename, '--copy-runner', JSON.stringify({ source: source.url, target: to.url, selector, since, dir })], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the copy process exited with ${code}`);
  return JSON.parse(stdout) as CopyRun;
}

/** The remote read of the range alone: every sample decoded, then dropped. */
async function readAlone(source: TestPrometheus, selector: string, start: number, end: number): Promise<{ seconds: number; samples: number }> {
  const started = performance.now();
  let samples = 0;
  await readSeries(target(source), { start, end, matchers: selectorMatchers(selector) }, async (run) => void (samples += run.timestamps.length));
  return { seconds: seconds(started), samples };
}

/** The remote write of the same samples alone, as the copy sends them: a day at a time, batches of 10,000. */
async function writeAlone(to: TestPrometheus, cluster: ReturnType<typeof clusterByContext>, count: number, start: number, end: number): Promise<{ seconds: number; samples: number }> {
  const { series } = historySeries(cluster, NAMESPACE, count);
  const started = performance.now();
  let samples = 0;
  for (let from = start; from < end; from += DAY_MS) {
    const to_ = Math.min(end, from + DAY_MS);
    let batch: Parameters<typeof writeSeries>[1] = [];
    let batched = 0;
    for (const s of series) {
      const labels = Object.entries({ ...s.labels, namespace: `${NAMESPACE}-copy` }).map(([name, value]) => ({ name, value }));
      const points: { timestamp: number; value: number }[] = [];
      for (let t = from; t < to_; t += STEP_MS) points.push({ timestamp: t, value: valueAt(s, t) });
      batch.push({ labels, samples: points });
      batched += points.length;
      samples += points.length;
      if (batched >= BATCH_SAMPLES) {
        await writeSeries(target(to), batch);
        batch = [];
        batched = 0;
      }
    }
    if (batched) await writeSeries(target(to), batch);
  }
  return { seconds: seconds(started), samples };
}

/** The block path: the range read out of the source as OpenMetrics text, then promtool makes blocks of it. */
async function blockPath(source: TestPrometheus, selector: string, start: number, end: number, dir: string): Promise<{ exportSeconds: number; promtoolSeconds: number; bytes: number }> {
  const file = path.join(dir, 'export.om');
  const out = createWriteStream(file, { highWaterMark: 4 * 1024 * 1024 });
  let started = performance.now();
  await readSeries(target(source), { start, end, matchers: selectorMatchers(selector) }, async (run) => {
    const name = run.labels.find((l) => l.name === '__name__')?.value ?? '';
    const labels = run.labels
      .filter((l) => l.name !== '__name__')
      .map((l) => `${l.name}="${l.value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)
      .join(',');
    let text = '';
    for (let i = 0; i < run.timestamps.length; i++) text += `${name}{${labels}} ${run.values[i]} ${run.timestamps[i] / 1000}\n`;
    if (!out.write(text)) await once(out, 'drain');
  });
  out.end('# EOF\n');
  await once(out, 'finish');
  const exportSeconds = seconds(started);
  started = performance.now();
  createBlocks(file, path.join(dir, 'export-blocks'));
  const promtoolSeconds = seconds(started);
  const bytes = statSync(file).size;
  rmSync(file);
  return { exportSeconds, promtoolSeconds, bytes };
}

/** A copy's state and samples, and the series its verification found different, named. */
const outcome = (run: CopyRun) => `${run.report.state}: ${run.report.samples.toLocaleString('en')} samples in ${run.seconds.toFixed(1)} s${run.report.rewrittenSeries ? `; ${run.report.rewrittenSeries} series read back short and written again` : ''}${run.report.verification?.mismatches.length ? `; mismatches: ${run.report.verification.mismatches.join('; ')}` : ''}${run.report.error ? `; ${run.report.error}` : ''}`;

async function main() {
  const { values } = parseArgs({ allowPositionals: true, options: { series: { type: 'string', default: '500' }, days: { type: 'string', default: '30' } } });
  const count = Number(values.series);
  const days = Number(values.days);
  const shortDays = Math.max(1, Math.round(days / 4));
  const cluster = clusterByContext('gke-lab');
  const started: TestPrometheus[] = [];
  const start = async (config: object) => {
    const p = await startPrometheus(config, receiver);
    started.push(p);
    return p;
  };
  const work = mkdtempSync(path.join(tmpdir(), 'fleetdeck-bench-history-'));
  try {
    const source = await start({ global: { external_labels: { cluster: 'bench-src' } } });
    log(`source ${source.url}: ${days} days × ${count} series at 30 s…`);
    const history = await giveHistory(cluster, { url: source.url, dataDir: source.dataDir, recordFile: path.join(work, 'history.json') }, { namespace: NAMESPACE, days, series: count }, log);
    const since = (at: number) => Math.ceil((Date.now() - at) / 1000) + 60;

    log('the remote read of the range alone…');
    const read = await readAlone(source, history.selector, history.start, history.end);
    log(`read ${read.samples.toLocaleString('en')} samples in ${read.seconds.toFixed(1)} s; the remote write of the same samples alone…`);
    const written = await start(ooo);
    const write = await writeAlone(written, cluster, count, history.start, history.end);
    log(`wrote ${write.samples.toLocaleString('en')} samples in ${write.seconds.toFixed(1)} s; read back…`);
    // Prometheus 2.42 may break a read of samples just written off while it compacts them: read again, as the copy's verification does, and count the whole time
    const readBackStarted = performance.now();
    const readBack = { ...(await retrying(() => readAlone(written, `{namespace="${NAMESPACE}-copy"}`, history.start, history.end), { retryForMs: 120_000 })), seconds: seconds(readBackStarted) };
    log(`read back ${readBack.samples.toLocaleString('en')} samples in ${readBack.seconds.toFixed(1)} s; Fleetdeck's copy of ${shortDays} days…`);
    const short = await copyInChild(source, await start(ooo), history.selector, since(history.end - shortDays * DAY_MS), work);
    log(`${outcome(short)}; Fleetdeck's copy of ${days} days…`);
    const full = await copyInChild(source, await start(ooo), history.selector, since(history.start), work);
    log(`${outcome(full)}; the block path…`);
    const blocks = await blockPath(source, history.selector, history.start, history.end, work);

    const ratio = full.seconds / (read.seconds + write.seconds);
    const perSecond = (samples: number, s: number) => `${Math.round(samples / s).toLocaleString('en')}/s`;
    console.log(`\nmetrics history: ${count} series × ${days} days at 30 s = ${history.samples.toLocaleString('en')} samples (Prometheus 2.42, throwaway servers)`);
    row('measure', 'ours', 'limit / peer', 'ratio');
    row(`Fleetdeck copyHistory, ${days} days (read, write, verify)`, `${full.seconds.toFixed(1)} s`, '', perSecond(full.report.samples, full.seconds));
    for (const [name, s] of Object.entries(full.phases)) row(`  of which ${name}`, `${s.toFixed(1)} s`);
    for (const [run, what] of [[full, `${days} days`], [short, `${shortDays} days`]] as const) row(`  state, verification of the ${what}`, run.report.state, `${run.report.verification?.samplesMatched.toLocaleString('en')} matched`, `${run.report.verification?.mismatches.length ? 'MISMATCHES' : ''}${run.report.rewrittenSeries ? ` ${run.report.rewrittenSeries} series written again` : ''}`);
    row('remote read of the range alone', '', `${read.seconds.toFixed(1)} s`, perSecond(read.samples, read.seconds));
    row('remote write of the same samples alone', '', `${write.seconds.toFixed(1)} s`, perSecond(write.samples, write.seconds));
    row(`copy / (read + write), goal ≤ ${GOAL}×`, `${full.seconds.toFixed(1)} s`, `${(read.seconds + write.seconds).toFixed(1)} s`, `${ratio.toFixed(2)}×${ratio > GOAL ? ' (over the goal)' : ''}`);
    row('read back of the written samples alone (out of order, fresh)', '', `${readBack.seconds.toFixed(1)} s`, perSecond(readBack.samples, readBack.seconds));
    const direct = read.seconds + write.seconds + readBack.seconds;
    row('copy / (read + write + read back): the same work done directly', `${full.seconds.toFixed(1)} s`, `${direct.toFixed(1)} s`, `${(full.seconds / direct).toFixed(2)}×`);
    row(`block path: export as OpenMetrics (${(blocks.bytes / 1024 ** 3).toFixed(2)} GiB)`, '', `${blocks.exportSeconds.toFixed(1)} s`);
    row('block path: promtool tsdb create-blocks-from openmetrics', '', `${blocks.promtoolSeconds.toFixed(1)} s`);
    row('copy vs block path (export + promtool; moving blocks not counted)', `${full.seconds.toFixed(1)} s`, `${(blocks.exportSeconds + blocks.promtoolSeconds).toFixed(1)} s`, `${(full.seconds / (blocks.exportSeconds + blocks.promtoolSeconds)).toFixed(2)}×`);
    row(`(lab/history.ts: generate ${history.seconds.generate.toFixed(1)} s + promtool ${history.seconds.promtool.toFixed(1)} s)`, '', '');
    row(`copy peak RSS: ${days} days vs ${shortDays} days`, `${full.peakRssMiB.toFixed(0)} MiB`, `${short.peakRssMiB.toFixed(0)} MiB`, `${(full.peakRssMiB / short.peakRssMiB).toFixed(2)}× for ${(full.report.samples / short.report.samples).toFixed(1)}× the samples (flat is 1.00×)`);
  } finally {
    for (const p of started) p.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

const runner = process.argv.indexOf('--copy-runner');
await (runner >= 0 ? copyRunner(JSON.parse(process.argv[runner + 1]) as Parameters<typeof copyRunner>[0]) : main());
