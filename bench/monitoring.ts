// Monitoring budgets (issue 6), side by side on the lab's real Prometheus and Alertmanager servers:
//   a federated query over the three Prometheus servers takes ≤ 1.2× the slowest single server
//   queried alone (directly over HTTP, the peer);
//   10,000 merged alerts render and filter in Chromium without dropped frames (frame times printed).
// It measures and prints; it does not assert.
import { mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { clusters, kubeconfigPath, urls } from '../lab/config.ts';
import { KubeconfigStore } from '../src/main/kube/kubeconfig-store.ts';
import { KubeMonitoringService } from '../src/main/services/monitoring/monitoring-service.ts';
import { startWebShell } from '../e2e/web-shell.ts';
import { median, quantile, rowPrinter } from './report.ts';

const root = path.resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const ALERTS = Number(process.env.BENCH_ALERTS ?? 10_000);
const row = rowPrinter(70, 12, 26);
const log = (line: string) => console.error(`bench: ${line}`);

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** The peer: one Prometheus asked directly, as Grafana or curl would. */
async function direct(prometheus: string, query: string, range?: { start: number; end: number; step: number }) {
  const params = new URLSearchParams({ query, ...(range ? { start: String(range.start), end: String(range.end), step: String(range.step) } : {}) });
  const res = await fetch(`${prometheus}/api/v1/${range ? 'query_range' : 'query'}?${params}`);
  if (!res.ok) throw new Error(`${prometheus}: HTTP ${res.status}`);
  await res.json();
}

async function federation() {
  const monitoring = new KubeMonitoringService({ store: new KubeconfigStore([kubeconfigPath]), dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-bench-monitoring-')) });
  const contexts = clusters.map((c) => c.context);
  await monitoring.query({ query: 'up', contexts }); // endpoints resolved once, as in a running app
  const end = Math.floor(Date.now() / 1000);
  const cases = [
    { name: 'instant: up', query: 'up' },
    { name: 'range 1h: sum by (namespace) (kube_pod_info)', query: 'sum by (namespace) (kube_pod_info)', range: { start: end - 3600, end, step: 15 } },
    { name: 'range 24h: rate(apiserver_request_total[5m]) by verb', query: 'sum by (verb) (rate(apiserver_request_total[5m]))', range: { start: end - 86400, end, step: 300 } },
  ];
  for (const c of cases) {
    const singles = clusters.map(() => [] as number[]);
    const parallel: number[] = [];
    const federated: number[] = [];
    // interleaved rounds, so load on the machine hits both sides alike
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, cluster] of clusters.entries()) singles[i].push(await timed(() => direct(urls(cluster).prometheus, c.query, c.range)));
      parallel.push(await timed(() => Promise.all(clusters.map((cluster) => direct(urls(cluster).prometheus, c.query, c.range)))));
      federated.push(await timed(() => monitoring.query({ query: c.query, contexts, ...(c.range ? { range: c.range } : {}) })));
    }
    const slowest = Math.max(...singles.map(median));
    const ours = median(federated);
    row(`federated ${c.name} (median of ${ROUNDS})`, `${ours.toFixed(1)} ms`, `${slowest.toFixed(1)} ms slowest single`, `${(ours / slowest).toFixed(2)} (≤ 1.2)`);
    row(`  the three asked directly at once, no Fleetdeck (what sharing 2 cores costs)`, `${median(parallel).toFixed(1)} ms`, '', `${(median(parallel) / slowest).toFixed(2)}`);
  }
}

interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

/** Synthetic alerts posted to the real Alertmanagers: a third of them fire in every cluster, so merging has work to do. */
function syntheticAlerts(count: number, endsAt: Date): Map<string, PostableAlert[]> {
  const perCluster = new Map<string, PostableAlert[]>(clusters.map((c) => [c.context, []]));
  const names = ['KubePodCrashLooping', 'KubePodNotReady', 'KubeContainerWaiting', 'KubeDeploymentReplicasMismatch', 'CPUThrottlingHigh', 'KubeJobFailed'];
  let made = 0;
  for (let i = 0; made < count; i++) {
    const labels = { alertname: names[i % names.length], namespace: `bench-ns-${i % 40}`, pod: `bench-pod-${i}`, severity: i % 7 === 0 ? 'critical' : 'warning', team: i % 2 ? 'apps' : 'platform', bench: 'monitoring' };
    const alert = { labels, annotations: { summary: `synthetic alert ${i}`, description: `bench alert ${i} for ${labels.pod}` }, startsAt: new Date(Date.now() - (60 + (i % 3600)) * 1000).toISOString(), endsAt: endsAt.toISOString() };
    const targets = i % 3 === 0 ? clusters : [clusters[i % clusters.length]];
    for (const c of targets) perCluster.get(c.context)!.push({ ...alert, labels: { ...labels, cluster: c.context } });
    made++;
  }
  return perCluster;
}

async function postAlerts(perCluster: Map<string, PostableAlert[]>) {
  for (const c of clusters) {
    const alerts = perCluster.get(c.context)!;
    for (let i = 0; i < alerts.length; i += 1000) {
      const res = await fetch(`${urls(c).alertmanager}/api/v2/alerts`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(alerts.slice(i, i + 1000)) });
      if (!res.ok) throw new Error(`${c.context} Alertmanager refused alerts: HTTP ${res.status} ${await res.text()}`);
    }
  }
}

/** rAF deltas while something happens in the page. */
const recordFrames = `(until) => new Promise((resolve) => {
  const deltas = []; let last = performance.now();
  const step = () => { const now = performance.now(); deltas.push(now - last); last = now; if (until(deltas.length)) resolve(deltas.slice(1)); else requestAnimationFrame(step); };
  requestAnimationFrame(step);
})`;

async function alertView() {
  const perCluster = syntheticAlerts(ALERTS, new Date(Date.now() + 15 * 60_000));
  log(`posting ${ALERTS} synthetic alerts (${[...perCluster.values()].reduce((n, a) => n + a.length, 0)} across the Alertmanagers)…`);
  await postAlerts(perCluster);
  const monitoring = new KubeMonitoringService({ store: new KubeconfigStore([kubeconfigPath]), dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-bench-monitoring-')) });
  const fetches = [];
  for (let i = 0; i < 5; i++) fetches.push(await timed(() => monitoring.alerts({})));
  row(`merged alerts from 3 Alertmanagers (${ALERTS} alerts): fetch + merge in main`, `${median(fetches).toFixed(0)} ms`);
  const shell = await startWebShell(['--kubeconfig', kubeconfigPath]);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(shell.url);
    await page.getByRole('button', { name: 'Alerts' }).click();
    const started = performance.now();
    await page.waitForFunction((n) => Number(document.querySelector('[aria-label="Alerts"][role="grid"]')?.getAttribute('aria-rowcount')) >= n, ALERTS, { timeout: 120_000, polling: 200 });
    row(`alert view: first render of ${ALERTS} merged alerts (fetch + merge + render)`, `${((performance.now() - started) / 1000).toFixed(2)} s`);
    const scroll = (await page.evaluate(`(${recordFrames})((n) => { const s = document.querySelector('.alert-scroll'); s.scrollTop += 500; return n > 400 || s.scrollTop + s.clientHeight >= s.scrollHeight; })`)) as number[];
    row(`alert view scroll, ${ALERTS} alerts: frame p50 / p95`, `${median(scroll).toFixed(1)} ms`, `${quantile(scroll, 0.95).toFixed(1)} ms p95`, `${scroll.filter((f) => f > 50).length} of ${scroll.length} frames > 50 ms`);
    // typing a matcher filter, one character per frame, as fast as a user could
    const filter = 'namespace="bench-ns-7"';
    await page.getByRole('searchbox', { name: 'Filter alerts by label matchers' }).focus();
    const framesPromise = page.evaluate(`(${recordFrames})((n) => n > 120)`) as Promise<number[]>;
    for (const ch of filter) await page.keyboard.type(ch);
    const typing = await framesPromise;
    row(`alert view filter while typing, ${ALERTS} alerts: frame p50 / p95`, `${median(typing).toFixed(1)} ms`, `${quantile(typing, 0.95).toFixed(1)} ms p95`, `${typing.filter((f) => f > 50).length} of ${typing.length} frames > 50 ms`);
    await page.screenshot({ path: path.join(root, 'test-results/screenshots/bench-alerts-10k.png') });
  } finally {
    await browser.close();
    await shell.stop();
    // resolve them again: an alert posted with endsAt in the past is resolved at once
    await postAlerts(syntheticAlerts(ALERTS, new Date(Date.now() - 1000)));
  }
}

spawnSync(process.execPath, [path.join(root, 'lab/lab.ts'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
row('measure', 'ours', 'peer / budget', 'ratio');
await federation();
await alertView();
