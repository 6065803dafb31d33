import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { labKubeconfigWith } from '../../../test/lab.ts';
import { run } from './index.ts';

// accepts connections and never answers, as a firewall that drops packets does
let blackhole: net.Server;
const sockets = new Set<net.Socket>();
beforeAll(async () => {
  blackhole = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
});
afterAll(() => {
  sockets.forEach((s) => s.destroy());
  blackhole.close();
});
beforeEach(async () => {
  vi.stubEnv('FLEETDECK_HOME', await mkdtemp(path.join(tmpdir(), 'fleetdeck-home-')));
  vi.stubEnv('KUBECONFIG', '');
  return () => vi.unstubAllEnvs();
});

/** The lab kubeconfig plus contexts `refused` (nothing listens) and `silent` (never answers), with the lab's admin credentials. */
const withDeadClusters = () =>
  labKubeconfigWith((lab) => {
    const config = lab as unknown as { clusters: object[]; contexts: { name: string; context: { cluster: string; user: string } }[] };
    const { user } = config.contexts.find((c) => c.name === 'aks-lab')!.context;
    const dead = { refused: 'https://127.0.0.1:1', silent: `https://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}` };
    for (const [name, server] of Object.entries(dead)) {
      config.clusters.push({ name, cluster: { server } });
      config.contexts.push({ name, context: { cluster: name, user } });
    }
  });

describe('fleetdeck against a fleet where some clusters are down', () => {
  it('pods --problems shows the clusters that answered, names the failed ones on stderr and exits 0', async () => {
    const file = withDeadClusters();
    const result = await run(['pods', '--problems', '--kubeconfig', file, '--context', 'aks-lab', '--context', 'refused', '--context', 'silent', '--timeout', '15', '--output', 'json']);
    expect(Array.isArray(JSON.parse(result.output as string))).toBe(true);
    expect(result.errors.sort()).toEqual([expect.stringMatching(/^refused: cannot reach https:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/), 'silent: not listed within 15 s (--timeout SECONDS waits longer)']);
    expect(result.exitCode).toBe(0);
  });

  it('the real process ends once its answer is out, though a request to the silent cluster is still open', async () => {
    const file = withDeadClusters();
    const cli = spawn(process.execPath, [path.resolve(import.meta.dirname, '../../../bin/fleetdeck.js'), 'pods', '--problems', '--kubeconfig', file, '--context', 'gke-lab', '--context', 'silent', '--timeout', '10'], {
      // well below the 60 s a list request waits for an answer
      timeout: 45_000,
    });
    let stderr = '';
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const [code, signal] = (await new Promise((resolve) => cli.on('close', (...outcome) => resolve(outcome)))) as [number | null, string | null];
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: 'fleetdeck: silent: not listed within 10 s (--timeout SECONDS waits longer)\n' });
  });

  it('silence list shows the Alertmanagers that answered, names the failed cluster and exits 0', async () => {
    const result = await run(['silence', 'list', '--kubeconfig', withDeadClusters(), '--context', 'aks-lab', '--context', 'refused', '--output', 'json']);
    expect(JSON.parse(result.output as string)).toMatchObject({ answered: ['aks-lab'], errors: [{ cluster: 'refused' }] });
    expect(result).toMatchObject({ exitCode: 0, errors: [expect.stringMatching(/^refused: /)] });
  });

  it('clusters --connect exits 2 when some clusters failed', async () => {
    const file = withDeadClusters();
    const result = await run(['clusters', '--connect', '--kubeconfig', file, '--output', 'json']);
    const entries = JSON.parse(result.output as string) as { context: string; connection: { state: string; reason?: string } }[];
    const outcome = Object.fromEntries(entries.map((e) => [e.context, e.connection.reason ?? e.connection.state]));
    expect(outcome).toMatchObject({ 'aks-lab': 'connected', 'gke-lab': 'connected', 'eks-lab': 'connected', refused: 'unreachable', silent: 'timeout' });
    expect(result.exitCode).toBe(2);
  });
});
