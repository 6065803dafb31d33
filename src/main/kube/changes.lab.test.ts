import { afterAll, describe, expect, it } from 'vitest';
import { labApi, labKubeconfig } from '../../../test/lab.ts';
import { within } from '../base/clock.ts';
import { watchChanges } from './changes.ts';
import { ClusterClient } from './cluster-client.ts';
import { kubeConfigFor, loadKubeconfigs } from './kubeconfig.ts';

const context = 'gke-lab';
const namespace = `changes-${Date.now().toString(36)}`;
const client = async () => new ClusterClient(kubeConfigFor(await loadKubeconfigs([labKubeconfig]), context), context);
const configMap = (name: string, watched: string, data: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { watched } }, data });

afterAll(() => labApi(context).request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined));

describe('waiting on changes', () => {
  it('wakes the waiter when the API server reports a change in a watched collection, not for one outside it', async () => {
    const api = labApi(context);
    await api.namespace(namespace);
    const changes = watchChanges(await client(), [`/api/v1/namespaces/${namespace}/configmaps?labelSelector=watched%3Dyes`]);
    try {
      // time for the watch to open: an empty collection sends nothing, the wait ends by its timer
      await changes.wait(1_000);
      const waited = changes.wait(60_000);
      await api.apply(configMap('other', 'no'));
      expect(await within(waited, 2_000)).toBe('late');
      await api.apply(configMap('seen', 'yes'));
      expect(await within(waited, 20_000)).toBeUndefined();
      // a change that came while nobody waited ends the next wait at once
      await api.apply(configMap('seen', 'yes', { a: '1' }));
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await within(changes.wait(60_000), 2_000)).toBeUndefined();
    } finally {
      changes.close();
    }
  });

  it('falls back to its timer when the watch cannot be opened', async () => {
    const changes = watchChanges(await client(), ['/api/v1/namespaces/x/nosuchresource']);
    try {
      expect(await within(changes.wait(300), 10_000)).toBeUndefined();
    } finally {
      changes.close();
    }
  });
});
