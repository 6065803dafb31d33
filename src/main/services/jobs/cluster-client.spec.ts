import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeConfigFor, loadKubeconfigs } from '../../kube/kubeconfig.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import type { KeyStore } from '../../kube/vault.ts';
import { ClusterClient } from '../../kube/cluster-client.ts';
import { JobRunner } from './job-runner.ts';

/** A client for the API server at url, which records why it waits. */
async function clientFor(url: string): Promise<{ client: ClusterClient; waits: string[] }> {
  const text = stringify({ clusters: [{ name: 'c', cluster: { server: url } }], users: [{ name: 'u', user: { token: 't' } }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }] });
  const waits: string[] = [];
  const client = new ClusterClient(kubeConfigFor(await loadKubeconfigs([], [{ source: 'test', baseDir: tmpdir(), text }]), 'c'), 'c', { retryForMs: 2_000, onWaiting: (message) => waits.push(message) });
  return { client, waits };
}

describe('a job client and an unreachable cluster', () => {
  it('fails at once when the cluster has never answered: there is no restart to wait out', async () => {
    const { client, waits } = await clientFor('https://127.0.0.1:1');
    await expect(client.request('GET', '/apis')).rejects.toMatchObject({ code: 'unreachable', message: expect.stringMatching(/^cannot reach https:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/) });
    expect(waits).toEqual([]);
    client.close();
  });

  it('waits for a cluster that answered and then went away, as while its API server restarts', async () => {
    let requests = 0;
    // the second request's connection is cut, as a restarting API server's are
    const server = http.createServer((req, res) => (++requests === 2 ? req.socket.destroy() : res.end('{"ok":true}')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { client, waits } = await clientFor(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
      expect((await client.request('GET', '/version')).body).toEqual({ ok: true });
      expect(await client.request('GET', '/version')).toMatchObject({ status: 200, body: { ok: true }, resent: true });
      expect(waits).toEqual([expect.stringMatching(/^c: cannot reach http:\/\/127\.0\.0\.1:\d+: .*; retrying$/)]);
      client.close();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("a job's connection to a cluster", () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => void process.on('unhandledRejection', record));
  afterEach(() => void process.off('unhandledRejection', record));

  it('refuses a malformed proxy-url as context-invalid, naming it without credentials, and leaves no rejection unhandled', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-job-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      stringify({
        clusters: [{ name: 'prod', cluster: { server: 'https://10.0.0.1', 'proxy-url': 'socks5://user:hunter22@[bad', extensions: [{ name: 'fleetdeck.io/cloud', extension: { cloud: 'aks' } }] } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'u' } }],
      }),
    );
    const keys = { key: async () => Buffer.alloc(32, 1) } as KeyStore;
    const runner = new JobRunner({ store: new KubeconfigStore([kubeconfig]), keys, dir });
    const failure = runner.backup({ context: 'prod', namespaces: ['shop'], out: path.join(dir, 'prod.tar.gz') });
    // the kubeconfig check's sentence as it is, naming the context once
    await expect(failure).rejects.toMatchObject({ code: 'context-invalid', message: 'context "prod": cluster "prod" has a proxy-url that is not an http://, https://, socks4:// or socks5:// URL: socks5://(malformed URL)' });
    await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining('hunter22') });
    // a rejection nobody handles is reported after the microtasks of this one
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});
