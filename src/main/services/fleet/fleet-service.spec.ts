import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { KubeFleetService } from './fleet-service.ts';

describe('fleet requests built from cluster data', () => {
  const servers: http.Server[] = [];
  afterAll(() => servers.forEach((s) => (s.close(), s.closeAllConnections())));

  it("a pod's and its owners' names are path segments: a ? or # in them does not change the request", async () => {
    const pod = {
      metadata: { name: 'web?x#1', namespace: 'shop', uid: 'u1', resourceVersion: '1', ownerReferences: [{ kind: 'ReplicaSet', name: 'web-rs?#' }] },
      spec: { containers: [{ name: 'app' }] },
      status: { phase: 'Running' },
    };
    const replicaSet = { metadata: { name: 'web-rs?#', namespace: 'shop', ownerReferences: [{ kind: 'Deployment', name: 'web#dep' }] } };
    /** what the API server answers, by method and path as it arrives */
    const routes: Record<string, unknown> = {
      'GET /api/v1/pods': { metadata: { resourceVersion: '1' }, items: [pod] },
      'GET /apis/apps/v1/namespaces/shop/replicasets/web-rs%3F%23': replicaSet,
      'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews': { status: { allowed: true } },
      'GET /api/v1/namespaces/shop/pods/web%3Fx%231/log': 'the log',
      'DELETE /api/v1/namespaces/shop/pods/web%3Fx%231': {},
      'PATCH /apis/apps/v1/namespaces/shop/deployments/web%23dep': {},
    };
    const asked: string[] = [];
    const server = http.createServer((req, res) => {
      const [pathname, query = ''] = (req.url ?? '').split('?');
      const route = `${req.method} ${pathname}`;
      asked.push(route);
      // watches stay open and quiet; other lists are empty
      if (query.includes('watch=1')) return res.writeHead(200, { 'Content-Type': 'application/json' }).flushHeaders();
      if (route in routes) return res.end(typeof routes[route] === 'string' ? routes[route] : JSON.stringify(routes[route]));
      if (req.method === 'GET' && query.includes('limit=')) return res.end(JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }));
      res.writeHead(404).end('{"kind":"Status","message":"not found"}');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const kubeconfig = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-fleet-spec-')), 'kubeconfig');
    const apiServer = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    writeFileSync(kubeconfig, JSON.stringify({ clusters: [{ name: 'c', cluster: { server: apiServer } }], users: [{ name: 'u', user: {} }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }] }));

    const fleet = new KubeFleetService({ store: new KubeconfigStore([kubeconfig]) });
    try {
      await fleet.synced(10_000);
      const cause = await fleet.rootCause({ context: 'c', namespace: 'shop', pod: 'web?x#1' });
      expect(cause.ownerChain).toEqual([
        { kind: 'ReplicaSet', name: 'web-rs?#' },
        { kind: 'Deployment', name: 'web#dep' },
      ]);
      expect(cause.logs).toEqual({ available: true, container: 'app', text: 'the log' });
      expect(cause.actions.map((a) => [a.id, a.allowed])).toEqual([
        ['delete-pod', true],
        ['restart-workload', true],
      ]);
      expect((await fleet.runAction({ context: 'c', namespace: 'shop', pod: 'web?x#1', action: 'restart-workload' })).message).toMatch(/^restarted deployments\/web#dep at /);
      await fleet.runAction({ context: 'c', namespace: 'shop', pod: 'web?x#1', action: 'delete-pod' });
      expect(asked).toEqual(expect.arrayContaining(['DELETE /api/v1/namespaces/shop/pods/web%3Fx%231', 'PATCH /apis/apps/v1/namespaces/shop/deployments/web%23dep']));
    } finally {
      fleet.dispose();
    }
  }, 30_000);
});
