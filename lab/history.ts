// Days of Prometheus history for a lab cluster, labelled like its seeded workloads: generated as
// OpenMetrics text (streamed to a file), turned into TSDB blocks by `promtool tsdb create-blocks-from
// openmetrics`, moved into the Prometheus's data directory and picked up by its once-a-minute block
// reload. `npm run lab -- history CTX --days 30 --series N [--namespace shop]`.
//
// Prometheus's rules this follows: blocks must not overlap the head (samples of the last 3 hours,
// or the head's own older ones), so the history ends before both; blocks that overlap other blocks
// are merged by vertical compaction (always allowed since 2.39). Values are a function of the
// series and the absolute time on a 30 s grid, so a history imported again holds the same samples
// where it overlaps the first (Prometheus merges identical samples); a run that finds the same
// history in place imports nothing.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { flavours } from './clouds.ts';
import type { LabCluster } from './config.ts';
import type { KubeObject } from './kube.ts';
import { waitFor } from './processes.ts';
import { workloads } from './seed.ts';

export const STEP_MS = 30_000;
const DAY_MS = 86_400_000;
/** the docs: "it is not safe to backfill data from the last 3 hours (the current head block)" */
const HEAD_MARGIN_MS = 3 * 3_600_000;
/** a history recorded this long before the newest end it could have is imported anew (a copy of it must stay within a 31-day out-of-order window) */
const FRESH_MS = 6 * 3_600_000;
/** promtool rounds it down to a compaction range (2h·3^n): 486h = 2h·3^5, a month in two or three blocks, one pass over the file each */
const MAX_BLOCK_DURATION = '486h';
const PROMTOOL = '/usr/bin/promtool';
/** the characters Kubernetes uses for generated name suffixes */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** counters count from here (a pod started then), so values depend on the time only */
const EPOCH_MS = Date.UTC(2026, 0, 1);

type Kind = 'cpu' | 'memory' | 'restarts' | 'ready';
const families: { name: string; family: string; type: 'counter' | 'gauge'; kind: Kind; job: 'kubelet' | 'kube-state-metrics' }[] = [
  { name: 'container_cpu_usage_seconds_total', family: 'container_cpu_usage_seconds', type: 'counter', kind: 'cpu', job: 'kubelet' },
  { name: 'container_memory_working_set_bytes', family: 'container_memory_working_set_bytes', type: 'gauge', kind: 'memory', job: 'kubelet' },
  { name: 'kube_pod_container_status_restarts_total', family: 'kube_pod_container_status_restarts', type: 'counter', kind: 'restarts', job: 'kube-state-metrics' },
  { name: 'kube_pod_container_status_ready', family: 'kube_pod_container_status_ready', type: 'gauge', kind: 'ready', job: 'kube-state-metrics' },
];

export interface HistorySeries {
  labels: Record<string, string>;
  kind: Kind;
  /** cores for cpu, bytes for memory */
  scale: number;
  seed: number;
}

export interface HistoryPlan {
  namespace: string;
  series: HistorySeries[];
  /** first sample (ms, on the 30 s grid) */
  start: number;
  /** after the last sample: samples at start, start + 30 s, … < end */
  end: number;
  /** a selector matching these series and no live one */
  selector: string;
}

export interface HistoryResult extends Omit<HistoryPlan, 'series'> {
  series: number;
  samples: number;
  /** the same history was in place already: nothing imported */
  unchanged: boolean;
  seconds: { generate: number; promtool: number; load: number };
}

function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const encode = (n: number, length: number) => Array.from({ length }, (_, i) => ALPHABET[Math.floor(n / ALPHABET.length ** i) % ALPHABET.length]).join('');
const cpuCores = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
const memoryBytes = (q: string) => Number(q.replace(/Mi$/, '')) * 1024 ** 2;
/** as node-sim reports a container's image: a short name is Docker Hub's */
const fullImage = (image: string) => (!image.includes('/') ? `docker.io/library/${image}` : image.split('/')[0].includes('.') ? image : `docker.io/${image}`);

/** The namespace's Deployments as lab/seed.ts makes them. */
function deploymentsOf(cluster: LabCluster, namespace: string) {
  type Deployment = KubeObject & { spec: { template: { spec: { containers: { name: string; image: string; resources: { requests: { cpu: string; memory: string } } }[] } } } };
  const found = (workloads(cluster) as Deployment[]).filter((o) => o.kind === 'Deployment' && o.metadata.namespace === namespace);
  if (!found.length) {
    const namespaces = [...new Set((workloads(cluster) as Deployment[]).filter((o) => o.kind === 'Deployment').map((o) => o.metadata.namespace))];
    throw new Error(`${cluster.context} has no seeded Deployment in namespace "${namespace}" (one of ${namespaces.join(', ')})`);
  }
  return found.map((d) => ({ name: d.metadata.name, container: d.spec.template.spec.containers[0] }));
}

/**
 * N series of the namespace's Deployments: pods of each in turn (a ReplicaSet hash of its own, so
 * no live pod shares a name), four series per pod. The first N of a larger N are the same series.
 */
export function historySeries(cluster: LabCluster, namespace: string, count: number): { series: HistorySeries[]; selector: string } {
  const deployments = deploymentsOf(cluster, namespace);
  const hash = (name: string) => encode(fnv(`${namespace}/${name}/history`) * 1000 + (fnv(`${name}/history`) % 1000), 10);
  const nodes = [0, 1, 2].map((i) => flavours[cluster.cloud].nodeName(i));
  const series: HistorySeries[] = [];
  for (let i = 0; i < count; i++) {
    const podIndex = Math.floor(i / families.length);
    const { name, container } = deployments[podIndex % deployments.length];
    const replica = Math.floor(podIndex / deployments.length);
    // 7919 is prime to 27: distinct replicas get distinct suffixes
    const pod = `${name}-${hash(name)}-${encode((replica * 7919 + 4242) % ALPHABET.length ** 5, 5)}`;
    const f = families[i % families.length];
    const common = { container: container.name, job: f.job, namespace, pod };
    const labels =
      f.job === 'kubelet'
        ? { __name__: f.name, ...common, image: fullImage(container.image), instance: `127.0.0.1:${cluster.ports.nodeSim}`, node: nodes[podIndex % nodes.length] }
        : { __name__: f.name, ...common, instance: `127.0.0.1:${cluster.ports.ksm}`, uid: uidOf(pod) };
    const requests = container.resources.requests;
    series.push({ labels, kind: f.kind, scale: f.kind === 'cpu' ? cpuCores(requests.cpu) : memoryBytes(requests.memory), seed: fnv(JSON.stringify(labels)) });
  }
  const pods = deployments.map((d) => `${d.name}-${hash(d.name)}`).join('|');
  return { series, selector: `{namespace="${namespace}",pod=~"(${pods})-[${ALPHABET}]{5}"}` };
}

const uidOf = (pod: string) => {
  const hex = [1, 2, 3, 4].map((i) => fnv(`${pod}/${i}`).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** The series' value at time t (ms): counters only grow, gauges wander with the day and the week. */
export function valueAt(s: HistorySeries, t: number): number {
  const sec = (t - EPOCH_MS) / 1000;
  const phase = (s.seed % 1000) / 1000 * 2 * Math.PI;
  const daily = (2 * Math.PI) / 86_400;
  // a restart every 2 to 9 days, at a time of its own
  const period = (2 + (s.seed % 8)) * 86_400 + (s.seed % 3_600);
  switch (s.kind) {
    case 'cpu': {
      // busy in the day: the rate swings by half around 30–70 % of the request, never below zero
      const rate = s.scale * (0.3 + ((s.seed >>> 8) % 400) / 1000);
      return rate * sec + ((0.5 * rate) / daily) * Math.sin(daily * sec + phase);
    }
    case 'memory': {
      const base = s.scale * (0.5 + ((s.seed >>> 8) % 300) / 1000);
      return Math.round(base * (1 + 0.12 * Math.sin(daily * sec + phase) + 0.05 * Math.sin((daily / 7) * sec + 2 * phase) + 0.02 * Math.sin(sec / 557 + phase)));
    }
    case 'restarts':
      return Math.floor(sec / period);
    case 'ready':
      return sec % period < 90 ? 0 : 1;
  }
}

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .filter(([name]) => name !== '__name__')
    .map(([name, value]) => `${name}="${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)
    .join(',');

/** Writes the plan's samples as OpenMetrics text, family by family and series by series in time order, streamed. */
export async function writeOpenMetrics(plan: HistoryPlan, file: string): Promise<{ samples: number; bytes: number }> {
  const out = createWriteStream(file, { highWaterMark: 4 * 1024 * 1024 });
  let samples = 0;
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const perChunk = 2_880;
  for (const f of families) {
    const members = plan.series.filter((s) => s.labels.__name__ === f.name);
    if (!members.length) continue;
    await write(`# TYPE ${f.family} ${f.type}\n`);
    for (const s of members) {
      const prefix = `${f.name}{${labelText(s.labels)}} `;
      for (let from = plan.start; from < plan.end; from += perChunk * STEP_MS) {
        let text = '';
        for (let t = from; t < Math.min(plan.end, from + perChunk * STEP_MS); t += STEP_MS) {
          text += `${prefix}${valueAt(s, t)} ${t / 1000}\n`;
          samples++;
        }
        await write(text);
      }
    }
  }
  out.end('# EOF\n');
  await once(out, 'finish');
  return { samples, bytes: out.bytesWritten };
}

/** `promtool tsdb create-blocks-from openmetrics` into outDir; the blocks it made. */
export function createBlocks(file: string, outDir: string): string[] {
  if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} is missing: it comes with Debian's prometheus package (apt-get install prometheus)`);
  mkdirSync(outDir, { recursive: true });
  const result = spawnSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', `--max-block-duration=${MAX_BLOCK_DURATION}`, '--quiet', file, outDir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`promtool tsdb create-blocks-from openmetrics failed: ${(result.stderr || result.stdout).trim()}`);
  return readdirSync(outDir).filter((name) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(name));
}

async function prometheusApi<T>(url: string, api: string): Promise<T> {
  const res = await fetch(`${url}/api/v1/${api}`, { signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${url}: ${body.error ?? `HTTP ${res.status}`}`);
  return body.data;
}

/** How many of the selected series have a sample in the 5 minutes up to time t (ms). */
const seriesAt = async (url: string, selector: string, t: number) =>
  Number((await prometheusApi<{ result: { value: [number, string] }[] }>(url, `query?${new URLSearchParams({ query: `count(${selector})`, time: String(t / 1000) })}`)).result[0]?.value[1] ?? 0);

/** The range to generate: `days` ending before the head (its oldest sample, and the last 3 hours), on the 30 s grid. */
async function historyRange(url: string, days: number): Promise<{ start: number; end: number }> {
  const { headStats } = await prometheusApi<{ headStats: { minTime: number } }>(url, 'status/tsdb');
  // an empty head reports the largest time there is
  const head = headStats.minTime > 0 && headStats.minTime < Date.now() ? headStats.minTime : Date.now();
  const end = Math.floor(Math.min(head, Date.now() - HEAD_MARGIN_MS) / STEP_MS) * STEP_MS;
  return { start: end - days * DAY_MS, end };
}

export interface HistoryTarget {
  /** the Prometheus's URL */
  url: string;
  /** its --storage.tsdb.path */
  dataDir: string;
  /** where the histories given to it are recorded, per namespace */
  recordFile: string;
}

/**
 * Gives a Prometheus `days` of history of `series` series of the cluster's namespace, and waits
 * until a query sees its first and last samples. Nothing is imported when the same history is there.
 */
export async function giveHistory(cluster: LabCluster, target: HistoryTarget, options: { namespace: string; days: number; series: number }, log: (line: string) => void = () => undefined): Promise<HistoryResult> {
  if (!(options.series > 0) || !(options.days > 0)) throw new Error('--series and --days must be positive numbers');
  const { series, selector } = historySeries(cluster, options.namespace, options.series);
  const records = existsSync(target.recordFile) ? (JSON.parse(readFileSync(target.recordFile, 'utf8')) as Record<string, Omit<HistoryResult, 'unchanged' | 'seconds'>>) : {};
  const range = await historyRange(target.url, options.days);
  const seconds = { generate: 0, promtool: 0, load: 0 };
  const last = records[options.namespace];
  if (last && last.series === options.series && last.end - last.start === options.days * DAY_MS && last.end >= range.end - FRESH_MS) {
    const [first, newest] = await Promise.all([seriesAt(target.url, selector, last.start), seriesAt(target.url, selector, last.end - STEP_MS)]);
    if (first === options.series && newest === options.series) {
      log(`${cluster.context} holds this history already (${new Date(last.start).toISOString()} → ${new Date(last.end).toISOString()})`);
      return { ...last, unchanged: true, seconds };
    }
  }
  const plan: HistoryPlan = { namespace: options.namespace, series, selector, ...range };
  // beside the data directory, on its file system: the blocks move in by a rename
  const staging = path.join(path.dirname(target.dataDir), `history-staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    let begun = performance.now();
    const file = path.join(staging, 'history.om');
    const written = await writeOpenMetrics(plan, file);
    seconds.generate = (performance.now() - begun) / 1000;
    log(`${written.samples.toLocaleString('en')} samples of ${series.length} series (${(written.bytes / 1024 ** 2).toFixed(0)} MiB of OpenMetrics) in ${seconds.generate.toFixed(1)} s`);
    begun = performance.now();
    const blocks = createBlocks(file, path.join(staging, 'blocks'));
    seconds.promtool = (performance.now() - begun) / 1000;
    log(`promtool made ${blocks.length} block(s) in ${seconds.promtool.toFixed(1)} s`);
    begun = performance.now();
    for (const block of blocks) renameSync(path.join(staging, 'blocks', block), path.join(target.dataDir, block));
    // Prometheus reloads its blocks once a minute; a compaction running then delays it
    await waitFor(
      `${target.url} to load the history blocks`,
      async () => (await seriesAt(target.url, selector, plan.start)) === series.length && (await seriesAt(target.url, selector, plan.end - STEP_MS)) === series.length,
      300_000,
    );
    seconds.load = (performance.now() - begun) / 1000;
    log(`loaded by Prometheus in ${seconds.load.toFixed(1)} s`);
    const result = { namespace: plan.namespace, selector, start: plan.start, end: plan.end, series: series.length, samples: written.samples };
    writeFileSync(target.recordFile, JSON.stringify({ ...records, [options.namespace]: result }, null, 2));
    return { ...result, unchanged: false, seconds };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The lab cluster's Prometheus as a history target. */
export const labHistoryTarget = (cluster: LabCluster): HistoryTarget => ({
  url: `http://127.0.0.1:${cluster.ports.prometheus}`,
  dataDir: path.join(cluster.dir, 'prometheus-data'),
  recordFile: path.join(cluster.dir, 'history.json'),
});
