// `fleetdeck migrate --with-metrics` between lab clusters: the namespace's history from gke-lab's
// Prometheus copied into eks-lab's up to the move, then eks-lab's own samples; and a target
// Prometheus that cannot take it refuses the whole migration before anything is written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobReport } from '../../../shared/migration/report.ts';
import { labApi, labKubeconfig, promQuery } from '../../../../test/lab.ts';
import { startPrometheus, type TestPrometheus } from '../../../../test/prometheus.ts';

const cli = path.resolve(import.meta.dirname, '../../../../bin/fleetdeck.js');
const suffix = Date.now().toString(36);
const ns = `hist-${suffix}`;
const moved = `${ns}-eks`;
const gke = labApi('gke-lab');
const eks = labApi('eks-lab');

function migrate(home: string, ...args: string[]): { status: number; report: JobReport; stderr: string } {
  const result = spawnSync(process.execPath, [cli, 'migrate', '--from-context', 'gke-lab', '--to-context', 'eks-lab', '--namespace', ns, '--namespace-map', `${ns}=${moved}`, '--verify-timeout', '0', '--kubeconfig', labKubeconfig, '--output', 'json', ...args], { encoding: 'utf8', env: { ...process.env, FLEETDECK_HOME: home }, timeout: 300_000 });
  try {
    return { status: result.status ?? 1, report: JSON.parse(result.stdout) as JobReport, stderr: result.stderr };
  } catch {
    throw new Error(`fleetdeck migrate printed no report (exit ${result.status}): ${result.stderr}${result.stdout}`);
  }
}
const home = () => mkdtempSync(path.join(tmpdir(), 'fleetdeck-migrate-metrics-'));
const exists = (p: string) => eks.request('GET', p).then(() => true, () => false);
/**
 * kube-state-metrics' replicas of the namespace's Deployment as one context's Prometheus has them
 * over the 20 minutes before `at` (default now): every series' raw samples (the copy keeps the source's instance label,
 * so the source's and the target's kube-state-metrics are two series of one line)
 */
async function replicaSamples(context: string, namespace: string, at?: number): Promise<[number, string][]> {
  const series = (await promQuery(context, `kube_deployment_spec_replicas{namespace="${namespace}",deployment="web"}[20m]${at ? ` @ ${at}` : ''}`)) as unknown as { values: [number, string][] }[];
  return series.flatMap((s) => s.values).sort(([a], [b]) => a - b);
}

let plain: TestPrometheus | undefined;
beforeAll(async () => {
  const labels = { app: 'web' };
  await gke.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await gke.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } } });
});
afterAll(async () => {
  plain?.stop();
  await gke.request('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
  await eks.request('DELETE', `/api/v1/namespaces/${moved}`).catch(() => undefined);
});

describe('migrate --with-metrics', () => {
  it('refuses the whole migration when the target Prometheus cannot take the history, saying what to set', async () => {
    plain = await startPrometheus({}, []);
    const refusedHome = home();
    // eks-lab's Prometheus as set in the app: one without the receiver or an out-of-order window
    writeFileSync(path.join(refusedHome, 'monitoring.json'), JSON.stringify({ 'eks-lab': { prometheus: plain.url } }));
    const { status, report } = migrate(refusedHome, '--with-metrics', '--metrics-since', '10m');
    expect(status).toBe(1);
    expect(report.state).toBe('Failed');
    expect(report.error).toMatch(/cannot take this history, so nothing was written: its remote-write receiver is off .*--web.enable-remote-write-receiver; with prometheus-operator, set spec.enableRemoteWriteReceiver: true/);
    expect(report.metrics?.target.problems.length).toBeGreaterThanOrEqual(2);
    expect(report.items).toEqual([]);
    await expect(exists(`/api/v1/namespaces/${moved}`)).resolves.toBe(false);
  }, 300_000);

  it("plans the namespace's history, then carries it into eks-lab up to the move, verified, with eks-lab's own samples after", async () => {
    // a minute of gke-lab's scrapes (every 10 s) of the namespace's objects
    await expect.poll(async () => (await replicaSamples('gke-lab', ns)).length, { timeout: 120_000, interval: 5_000 }).toBeGreaterThanOrEqual(6);
    const dir = home();
    const dry = migrate(dir, '--with-metrics', '--metrics-since', '15m', '--dry-run');
    expect(dry.status, dry.report.error).toBe(0);
    expect(dry.report.metrics).toMatchObject({ state: 'Completed', dryRun: true, samples: 0, target: { receiver: true, problems: [] } });
    expect(dry.report.metrics!.series).toBeGreaterThan(2);
    expect(dry.report.metrics!.estimatedSamples).toBeGreaterThan(dry.report.metrics!.series);
    await expect(exists(`/api/v1/namespaces/${moved}`)).resolves.toBe(false);

    const { status, report, stderr } = migrate(dir, '--with-metrics', '--metrics-since', '15m');
    expect(status, report.error ?? report.metrics?.error).toBe(0);
    expect(stderr).toMatch(/metrics history: copying/);
    const metrics = report.metrics!;
    expect(metrics).toMatchObject({ state: 'Completed', namespaces: [moved], verification: { mismatches: [] } });
    expect(metrics.samples).toBeGreaterThan(metrics.series);
    expect(metrics.verification!.samplesMatched).toBe(metrics.samples);
    const move = Date.parse(metrics.range.end) / 1000;

    // one line on eks-lab: gke-lab's samples up to the move, then eks-lab's own once its kube-state-metrics sees the Deployment
    const source = (await replicaSamples('gke-lab', ns, move)).filter(([t]) => t < move);
    await expect.poll(async () => (await replicaSamples('eks-lab', moved)).filter(([t]) => t > move).length, { timeout: 60_000, interval: 5_000 }).toBeGreaterThan(0);
    expect((await replicaSamples('eks-lab', moved, move)).filter(([t]) => t < move)).toEqual(source);
    expect(source.length).toBeGreaterThanOrEqual(6);
  }, 600_000);
});
