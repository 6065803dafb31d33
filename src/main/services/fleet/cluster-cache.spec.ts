import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeConfigFor, loadKubeconfigs } from '../../kube/kubeconfig.ts';
import { ClusterCache } from './cluster-cache.ts';

describe('ClusterCache', () => {
  it('says the events are still being listed when their first list has not come back in time', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const server = `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const text = stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'silent', cluster: { server, 'insecure-skip-tls-verify': true } }], users: [{ name: 'silent', user: { token: 'x' } }], contexts: [{ name: 'silent', context: { cluster: 'silent', user: 'silent' } }] });
    const cache = new ClusterCache('silent', 'other', kubeConfigFor(await loadKubeconfigs([], [{ source: 'test', baseDir: '/', text }]), 'silent'));
    try {
      void cache.start();
      expect(await cache.eventsNote(200)).toBe("the cluster's events are still being listed; open the panel again in a moment");
      expect(cache.state().state).toBe('connecting');
    } finally {
      cache.stop();
      silent.close();
    }
  });
});
