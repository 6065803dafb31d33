// kubectl parity against the lab's real API servers: token files, impersonation, environment proxies.
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterByContext } from '../../../../lab/config.ts';
import { viewerToken } from '../../../../lab/kubeconfig.ts';
import { labKubeconfigWith, labUrls } from '../../../../test/lab.ts';
import { kubeOk, kubeRequest } from '../../kube/http.ts';
import { kubeConfigFor, loadKubeconfigs } from '../../kube/kubeconfig.ts';
import { probe } from '../../kube/probe.ts';

const review = { method: 'POST', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } };
type UserInfo = { username: string; groups: string[]; extra?: Record<string, string[]> };
/** A kubeconfig entry in the shape labKubeconfigWith hands out. */
const entry = (value: { name: string } & Record<string, unknown>) => value as Parameters<Parameters<typeof labKubeconfigWith>[0]>[0]['users'][number];
const whoAmI = async (kc: Parameters<typeof kubeOk>[0]) => (JSON.parse(await kubeOk(kc, '/apis/authentication.k8s.io/v1/selfsubjectreviews', review)) as { status: { userInfo: UserInfo } }).status.userInfo;

describe('credentials as kubectl sends them', () => {
  it('sends the token of a tokenFile, read again when it is rotated', async () => {
    const tokenFile = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-')), 'token');
    writeFileSync(tokenFile, `${viewerToken(clusterByContext('gke-lab'))}\n`, { mode: 0o600 });
    const file = labKubeconfigWith((config) => {
      config.users.push(entry({ name: 'from-file', user: { tokenFile } }));
      config.contexts.push(entry({ name: 'from-file', context: { cluster: 'gke-lab', user: 'from-file' } }));
    });
    const kc = kubeConfigFor(await loadKubeconfigs([file]), 'from-file');
    expect((await whoAmI(kc)).username).toBe('fleetdeck-lab-viewer');
    writeFileSync(tokenFile, 'a-token-the-server-does-not-know\n');
    await expect(whoAmI(kc)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('impersonates with as, as-groups and as-user-extra', async () => {
    const file = labKubeconfigWith((config) => {
      const admin = config.users.find((u) => u.name === 'fleetdeck-lab-admin')!;
      config.users.push(entry({ name: 'as-jane', user: { ...admin.user, as: 'jane', 'as-groups': ['devs', 'oncall'], 'as-user-extra': { 'reason/ticket': ['INC-7'] } } }));
      config.contexts.push(entry({ name: 'as-jane', context: { cluster: 'gke-lab', user: 'as-jane' } }));
    });
    const kc = kubeConfigFor(await loadKubeconfigs([file]), 'as-jane');
    expect(await whoAmI(kc)).toEqual({ username: 'jane', groups: ['devs', 'oncall', 'system:authenticated'], extra: { 'reason/ticket': ['INC-7'] } });
    // jane may do nothing: the request really runs as her
    expect((await kubeRequest(kc, '/api/v1/namespaces')).status).toBe(403);
  });
});

describe('proxies from the environment', () => {
  it('reaches the API server through HTTPS_PROXY by a name only the proxy resolves, and goes direct for NO_PROXY', async () => {
    const asked: string[] = [];
    const proxy = http.createServer((_, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
      asked.push(req.url!);
      // the certificate names the API server "kubernetes": only this proxy knows where that is
      const upstream = net.connect(Number(req.url!.split(':').pop()), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client).on('error', () => client.destroy());
        client.pipe(upstream).on('error', () => upstream.destroy());
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    try {
      const port = new URL(labUrls('gke-lab').apiserver).port;
      const file = labKubeconfigWith((config) => (config.clusters.find((c) => c.name === 'gke-lab')!.cluster.server = `https://kubernetes:${port}`));
      const config = await loadKubeconfigs([file]);
      const kc = kubeConfigFor(config, 'gke-lab', { HTTPS_PROXY: proxyUrl });
      expect(await probe(kc)).toMatchObject({ state: 'connected', user: 'fleetdeck-lab-admin' });
      expect(new Set(asked)).toEqual(new Set([`kubernetes:${port}`]));
      const direct = kubeConfigFor(config, 'gke-lab', { HTTPS_PROXY: proxyUrl, NO_PROXY: 'example.com,kubernetes' });
      expect(await probe(direct, 3_000)).toMatchObject({ state: 'failed', reason: 'unreachable', message: expect.stringMatching(/^cannot reach https:\/\/kubernetes:\d+: /) });
    } finally {
      proxy.close();
    }
  });
});
