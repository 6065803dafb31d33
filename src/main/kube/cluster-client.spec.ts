import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ClusterClient } from './cluster-client.ts';
import { kubeConfigFor, loadKubeconfigs } from './kubeconfig.ts';

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
