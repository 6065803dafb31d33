// Fleet view budgets on the lab scaled to 3 clusters × 5,000 pods (issue 4):
//   initial sync ≤ 5 s per cluster and no slower than `kubectl get pods -A -o json`, side by side;
//   main-process RSS ≤ 350 MB with all three watched (the web shell's own process, bundled as
//   Electron's main is); API change → renderer update (painted in Chromium) p95 ≤ 300 ms;
//   a 15,000-row problem table scrolled in Chromium, frame times measured.
// The whole fleet is "on fire" (bench-pods.ts): each of the 15,000 pods is a problem row. It
// measures and prints; it does not assert. The fleet view reads only the API servers: the lab's
// monitoring is stopped while it measures; the control planes, node simulators and the fault
// churn keep running.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { availableParallelism, loadavg } from 'node:os';
import { clusters, kubeconfigPath } from '../lab/config.ts';
import { LabApi } from '../lab/kube.ts';
import { createApiClient } from '../src/shared/contract/index.ts';
import { webTransport } from '../src/renderer/web-transport.ts';
import { startWebShell } from '../e2e/web-shell.ts';
import { serviceProcessNodeFlags } from '../src/main/web/node-flags.ts';
import { PODS, scaleLab, unscaleLab } from './bench-pods.ts';
import { median, quantile, rowPrinter } from './report.ts';

const root = path.resolve(import.meta.dirname, '..');
const NS = 'fleet-bench';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.error(`bench: ${line}`);
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function kubectlSeconds(context: string): number {
  const started = performance.now();
  const result = spawnSync(path.join(root, 'lab/bin/kubectl'), ['--kubeconfig', kubeconfigPath, '--context', context, 'get', 'pods', '-A', '-o', 'json'], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`kubectl failed: ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

function fleetSync(context: string): { syncMs: number; eventsMs: number; events: number } {
  const result = spawnSync(process.execPath, [...serviceProcessNodeFlags, path.join(root, 'bench/fleet-sync.ts'), kubeconfigPath, context], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`fleet sync failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { syncMs: number; eventsMs: number; events: number };
}

/** The web shell as shipped (the bundled services, its own process), once every cluster has listed. */
async function syncedShell() {
  const shell = await startWebShell(['--kubeconfig', kubeconfigPath]);
  const client = createApiClient(webTransport({ origin: shell.origin, token: new URL(shell.url).searchParams.get('token') }));
  while ((await client.fleet.summaries()).some((s) => s.state !== 'synced')) await sleep(500);
  return { shell, client };
}

/**
 * The peer: the same pod watched directly with `kubectl get --watch`, so each round also says how
 * long the API server itself took to deliver the change (the floor under any client).
 */
function rawWatch(context: string): { next(phase: string, after: number): Promise<number>; stop(): void } {
  const events: { at: number; phase: string }[] = [];
  const waiters: (() => void)[] = [];
  const child = spawn(path.join(root, 'lab/bin/kubectl'), ['--kubeconfig', kubeconfigPath, '--context', context, '-n', NS, 'get', 'pod', 'latency-probe', '--watch', '-o', 'jsonpath={.status.phase}{"\\n"}'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) events.push({ at: performance.now(), phase: line.trim() });
    waiters.splice(0).forEach((wake) => wake());
  });
  return {
    async next(phase, after) {
      for (;;) {
        const event = events.find((e) => e.at >= after && e.phase === phase);
        if (event) return event.at;
        await new Promise<void>((wake) => waiters.push(wake));
      }
    },
    stop: () => child.kill(),
  };
}

/**
 * API write → watch → cache → delta event → the cached page patched → the row painted (or gone)
 * in Chromium, through the real web shell, with the table filtered to the probe pod as a user
 * would search for it. Times are wall-clock (Date.now) on both sides: one machine, one clock.
 */
async function changeLatency(): Promise<{ ours: number[]; watch: number[] }> {
  const c = clusters[0];
  const api = new LabApi(c);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'latency-probe', namespace: NS } };
  // bound to a node nobody simulates, so only this benchmark writes its status; the node must
  // exist, or the pod garbage collector deletes the pod as orphaned
  await api.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'bench-unsimulated', labels: { 'fleetdeck.io/bench': 'true' } } });
  // no kubelet confirms a deletion on that node: a probe left by an earlier run must go at once
  const removeProbe = () => api.request('DELETE', `/api/v1/namespaces/${NS}/pods/latency-probe?gracePeriodSeconds=0`).catch(() => undefined);
  await removeProbe();
  await api.apply({ ...pod, spec: { nodeName: 'bench-unsimulated', containers: [{ name: 'probe', image: 'registry.example/probe:1' }] } });
  const running = { phase: 'Running', reason: null, message: null, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }] };
  await api.request('PATCH', `/api/v1/namespaces/${NS}/pods/latency-probe/status`, { status: running }, 'application/merge-patch+json');
  // once every cluster has listed, as kubectl's watch has: a change made while the fleet is still
  // being listed is the initial sync's time, measured above
  const { shell } = await syncedShell();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  const samples: number[] = [];
  const watchSamples: number[] = [];
  const watch = rawWatch(c.context);
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(shell.url);
    await page.getByLabel('Search the fleet').fill('latency-probe');
    await page.getByText('No broken pods.').waitFor({ timeout: 120_000 });
    // each time the probe's row appears or goes, the wall-clock time of the next frame
    await page.evaluate(() => {
      const w = window as unknown as { probeSeen: { present: boolean; at: number }[] };
      w.probeSeen = [];
      let present = false;
      new MutationObserver(() => {
        const now = !!document.querySelector('[aria-label="Pod problems"] [data-pod="latency-probe"]');
        if (now === present) return;
        present = now;
        requestAnimationFrame(() => w.probeSeen.push({ present: now, at: Date.now() }));
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    for (let i = 0; i < 30; i++) {
      const failed = i % 2 === 0;
      const status = failed ? { phase: 'Failed', reason: 'Evicted', message: `benchmark round ${i}` } : running;
      const seenBefore = await page.evaluate(() => (window as unknown as { probeSeen: unknown[] }).probeSeen.length);
      const startedWall = Date.now();
      const started = performance.now();
      const watched = watch.next(status.phase, started);
      await api.request('PATCH', `/api/v1/namespaces/${NS}/pods/latency-probe/status`, { status }, 'application/merge-patch+json');
      const seen = await page.waitForFunction(
        ([n, present]) => (window as unknown as { probeSeen: { present: boolean; at: number }[] }).probeSeen.slice(n as number).find((s) => s.present === present)?.at,
        [seenBefore, failed] as const,
        { timeout: 30_000, polling: 'raf' },
      );
      samples.push(((await seen.jsonValue()) as number) - startedWall);
      watchSamples.push((await watched) - started);
    }
  } finally {
    watch.stop();
    await browser.close();
    await shell.stop();
    await removeProbe();
  }
  return { ours: samples, watch: watchSamples };
}

/** Scrolls the problem table (every bench pod is a row) in Chromium and records frame times. */
async function scrollFrames(): Promise<{ rows: number; frames: number[] }> {
  const shell = await startWebShell(['--kubeconfig', kubeconfigPath]);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(shell.url);
    await page.waitForFunction((n) => Number(document.querySelector('[aria-label="Pod problems"]')?.getAttribute('aria-rowcount')) >= n, PODS * clusters.length, { timeout: 120_000, polling: 1000 });
    const rows = Number(await page.getAttribute('[aria-label="Pod problems"]', 'aria-rowcount'));
    const frames = await page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const scroller = document.querySelector('.problems-scroll') as HTMLElement;
          const deltas: number[] = [];
          let last = performance.now();
          const step = () => {
            const now = performance.now();
            deltas.push(now - last);
            last = now;
            scroller.scrollTop += 400;
            if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight || deltas.length > 600) resolve(deltas.slice(1));
            else requestAnimationFrame(step);
          };
          requestAnimationFrame(step);
        }),
    );
    await page.screenshot({ path: path.join(root, 'test-results/screenshots/bench-fleet-15k.png') });
    return { rows, frames };
  } finally {
    await browser.close();
    await shell.stop();
  }
}

await scaleLab(NS);

const row = rowPrinter(78, 10, 26);
/** BENCH_PHASES=sync,rss,latency,scroll picks phases (default all). */
const phases = process.env.BENCH_PHASES?.split(',');
/** Runs one phase; a phase that fails is reported as such and the others still run. */
async function phase(name: string, run: () => Promise<void> | void) {
  if (phases && !phases.some((p) => name.startsWith(p))) return;
  log(`${name}: load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`);
  try {
    await run();
  } catch (error) {
    row(name, 'FAILED', (error as Error).message.split('\n')[0].slice(0, 60));
  }
}

try {
  row('measure', 'ours', 'peer / budget', 'ratio');
  for (const c of clusters) {
    await phase(`sync ${c.context}`, () => {
      // alternated, so that both see the same moments of the lab's load
      const runs = [0, 1, 2].map(() => ({ ours: fleetSync(c.context), kubectl: kubectlSeconds(c.context) }));
      const ours = median(runs.map((r) => r.ours.syncMs / 1000));
      const events = median(runs.map((r) => r.ours.eventsMs / 1000));
      const kubectl = median(runs.map((r) => r.kubectl));
      row(`initial sync ${c.context} (7 overview collections) vs kubectl get pods -A -o json`, `${ours.toFixed(2)} s`, `${kubectl.toFixed(2)} s (budget 5 s)`, (ours / kubectl).toFixed(2));
      row(`  …and its ${runs[0].ours.events} events, listed behind them`, `${events.toFixed(2)} s`, `${kubectl.toFixed(2)} s`, (events / kubectl).toFixed(2));
    });
  }
  await phase('rss', async () => {
    const { shell, client } = await syncedShell();
    try {
      const pods = (await client.fleet.summaries()).reduce((sum, s) => sum + s.pods.running + s.pods.pending + s.pods.failed + s.pods.succeeded + s.pods.unknown, 0);
      await sleep(10_000);
      const rssMb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${shell.process.pid}/status`, 'utf8'))![1]) / 1024;
      row(`web shell process RSS, ${pods} pods in ${clusters.length} clusters watched`, `${rssMb.toFixed(0)} MB`, '350 MB', (rssMb / 350).toFixed(2));
    } finally {
      await shell.stop();
    }
  });
  await phase('latency', async () => {
    const { ours, watch } = await changeLatency();
    row('API change → renderer update p50 vs the change seen by kubectl --watch', `${median(ours).toFixed(0)} ms`, `${median(watch).toFixed(0)} ms`, (median(ours) / median(watch)).toFixed(2));
    row('API change → renderer update p95 vs the change seen by kubectl --watch', `${quantile(ours, 0.95).toFixed(0)} ms`, `${quantile(watch, 0.95).toFixed(0)} ms (budget 300 ms)`, (quantile(ours, 0.95) / quantile(watch, 0.95)).toFixed(2));
  });
  await phase('scroll', async () => {
    const scroll = await scrollFrames();
    row(`problem table scroll, ${scroll.rows} rows: frame p50`, `${median(scroll.frames).toFixed(1)} ms`, '16.7 ms', (median(scroll.frames) / 16.7).toFixed(2));
    row(`problem table scroll, ${scroll.rows} rows: frame p95`, `${quantile(scroll.frames, 0.95).toFixed(1)} ms`, '16.7 ms', (quantile(scroll.frames, 0.95) / 16.7).toFixed(2));
    row('problem table scroll: frames over 50 ms', `${scroll.frames.filter((f) => f > 50).length} of ${scroll.frames.length}`);
  });
} finally {
  await unscaleLab(NS);
}
