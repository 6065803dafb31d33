import net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { kubeConfigFor, loadKubeconfigs } from '../../kube/kubeconfig.ts';
import type { Emitter } from '../../../shared/emitter.ts';
import type { ListedObject } from '../../../shared/kube-object.ts';
import type { Change } from '../../kube/reflector.ts';
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

describe('ClusterCache problem rows', () => {
  const text = stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }], users: [{ name: 'c', user: { token: 'x' } }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'c' } }] });
  const at = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00Z`;
  const pod = (name: string, minute: number, state: object = { waiting: { reason: 'ImagePullBackOff' } }): ListedObject => ({
    metadata: { name, namespace: 'shop', uid: name, creationTimestamp: at(minute) },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
    status: { phase: 'Pending', startTime: at(minute), containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state }] },
  });
  const healthy = (name: string): ListedObject => ({
    metadata: { name, namespace: 'shop', uid: name, creationTimestamp: at(0) },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
    status: { phase: 'Running', startTime: at(0), conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: at(0) } } }] },
  });
  const cacheOf = async (objects: ListedObject[]) => {
    const cache = new ClusterCache('c', 'other', kubeConfigFor(await loadKubeconfigs([], [{ source: 'test', baseDir: '/', text }]), 'c'));
    const pods = cache.reflectors.pods;
    // the changes a reflector fires when it lists and watches
    const fire = (change: Change<ListedObject>) => (pods as unknown as { changes: Emitter<Change<ListedObject>> }).changes.fire(change);
    for (const object of objects) pods.store.set(`shop/${object.metadata.name}`, object);
    fire({ type: 'resync' });
    const watched = (type: 'upsert' | 'delete', object: ListedObject) => {
      if (type === 'upsert') pods.store.set(`shop/${object.metadata.name}`, object);
      else pods.store.delete(`shop/${object.metadata.name}`);
      fire({ type, object });
    };
    return { cache, watched };
  };

  it('keeps its rows in the table order as pods change one by one, in a new array each time a row changes', async () => {
    const { cache, watched } = await cacheOf(Array.from({ length: 20 }, (_, i) => pod(`p${i}`, 59 - i)));
    const first = cache.problems();
    expect(first).toHaveLength(20);

    watched('upsert', pod('p3', 59 - 3)); // a status write that leaves the row as it was
    expect(cache.problems()).toBe(first);
    watched('upsert', pod('p3', 1, { waiting: { reason: 'ErrImagePull' } })); // changed, and older: moves up
    watched('upsert', pod('new', 30));
    watched('upsert', healthy('p7'));
    watched('delete', pod('p0', 59));
    const now = cache.problems();

    const { cache: listed } = await cacheOf([...Array.from({ length: 20 }, (_, i) => pod(`p${i}`, 59 - i)).filter((p) => !['p0', 'p3', 'p7'].includes(p.metadata.name)), pod('p3', 1, { waiting: { reason: 'ErrImagePull' } }), pod('new', 30)]);
    expect(now).toEqual(listed.problems()); // as a full classification and sort orders them
    expect(now.map((r) => r.pod).slice(0, 1)).toEqual(['p3']);
    expect(first).toHaveLength(20); // the array handed out before is left as it was
  });

  it('tells a change of what the cards and browse levels show from a change of problem rows alone, and says nothing of events', async () => {
    const { cache, watched } = await cacheOf([pod('p1', 10), healthy('h1')]);
    cache.problems();
    const told: string[] = [];
    cache.onDidChange(() => told.push('shown'));
    cache.onDidChangeProblems(() => told.push('problems'));
    const says = (change: () => void) => {
      told.length = 0;
      change();
      return [...told];
    };
    expect(says(() => watched('upsert', pod('p1', 10)))).toEqual([]); // a status write that changes no row
    expect(says(() => watched('upsert', pod('p1', 10, { waiting: { reason: 'ErrImagePull', message: 'not found' } })))).toEqual(['problems']);
    expect(says(() => watched('upsert', healthy('p1')))).toEqual(['shown']); // a row gone: the problem counts
    expect(says(() => watched('upsert', pod('h1', 5)))).toEqual(['shown']); // another phase
    expect(says(() => watched('upsert', pod('new', 20)))).toEqual(['shown']);
    expect(says(() => watched('delete', pod('new', 20)))).toEqual(['shown']);
    const events = cache.reflectors.events as unknown as { changes: Emitter<Change<ListedObject>> };
    expect(says(() => events.changes.fire({ type: 'upsert', object: { metadata: { name: 'e1', namespace: 'shop' } } }))).toEqual([]);
  });

  it('classifies every pod again after 15 s, keeping the rows (and their array) that did not change', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { cache } = await cacheOf(Array.from({ length: 5 }, (_, i) => pod(`p${i}`, 59 - i)));
      const first = cache.problems();
      vi.setSystemTime(Date.now() + 16_000);
      expect(cache.problems()).toBe(first);

      // a change the watch did not report (as grace periods running out are not reported)
      cache.reflectors.pods.store.set('shop/p2', pod('p2', 59 - 2, { waiting: { reason: 'ErrImagePull', message: 'not found' } }));
      vi.setSystemTime(Date.now() + 16_000);
      const next = cache.problems();
      expect(next.find((r) => r.pod === 'p2')?.message).toBe('not found');
      expect(next.filter((r) => r.pod !== 'p2')).toEqual(first.filter((r) => r.pod !== 'p2'));
      expect(next.filter((r) => r.pod !== 'p2').every((r) => first.includes(r))).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
