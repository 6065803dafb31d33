import http from 'node:http';
import type net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { FleetdeckError } from '../../shared/errors.ts';
import { kubeConfigFor, loadKubeconfigs } from './kubeconfig.ts';
import { MAX_WATCH_LINE_BYTES } from './http.ts';
import { listWatch, parseListPage, parseWatchLine } from './list-watch.ts';
import { Reflector, type ListerWatcher, type ListPage, type ReflectorState, type WatchEvent } from './reflector.ts';
import type { Clock } from '../base/clock.ts';

describe('parseWatchLine', () => {
  it('turns a 410 ERROR (history compacted) into "gone", which makes the reflector relist', () => {
    const event = parseWatchLine(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (1511)' } }), '/api/v1/pods');
    expect(event).toMatchObject({ type: 'ERROR', error: { code: 'gone', message: 'too old resource version: 1 (1511)' } });
  });

  it('keeps other ERROR codes as what they are', () => {
    const event = parseWatchLine(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 403, message: 'pods is forbidden' } }), '/api/v1/pods');
    expect(event).toMatchObject({ type: 'ERROR', error: { code: 'forbidden', message: 'watch /api/v1/pods: HTTP 403: pods is forbidden' } });
  });

  it('reads bookmarks and object events', () => {
    expect(parseWatchLine(JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '42' } } }), 'x')).toEqual({ type: 'BOOKMARK', resourceVersion: '42' });
    expect(parseWatchLine(JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'p', namespace: 'n' } } }), 'x')).toMatchObject({ type: 'DELETED', object: { metadata: { name: 'p' } } });
  });
});

describe('parseWatchLine with lines that are no watch event', () => {
  it.each(['not json', 'null', '[]', '"ADDED"', '{"type":"ADDED"}', '{"type":"ADDED","object":{"metadata":{}}}', '{"type":"ADDED","object":null}', '{"type":"SOMETHING","object":{"metadata":{"name":"p"}}}', '{"type":"BOOKMARK","object":{}}'])(
    '%s is an error that ends the watch',
    (line) => {
      expect(() => parseWatchLine(line, '/api/v1/pods')).toThrow(new FleetdeckError('internal', 'watch /api/v1/pods: the server sent a line that is not a watch event'));
    },
  );
});

describe('parseListPage', () => {
  it('reads items, the continue token and the resourceVersion', () => {
    const body = JSON.stringify({ items: [{ metadata: { name: 'p', namespace: 'n' } }], metadata: { continue: 'c1', resourceVersion: '7' } });
    expect(parseListPage(body, '/api/v1/pods')).toEqual({ items: [{ metadata: { name: 'p', namespace: 'n' } }], continue: 'c1', resourceVersion: '7' });
  });

  it.each(['not json', 'null', '[]', '{"items":[]}', '{"metadata":{}}', '{"items":{},"metadata":{}}', '{"items":[null],"metadata":{}}', '{"items":[{"metadata":{}}],"metadata":{}}', '{"items":[],"metadata":[]}'])(
    '%s is an error naming the collection',
    (body) => {
      expect(() => parseListPage(body, '/api/v1/pods')).toThrow(new FleetdeckError('internal', "list /api/v1/pods: the server's answer is not a Kubernetes list"));
    },
  );
});

describe('Reflector against a hostile API server', () => {
  /** A server whose list is empty and whose watch sends `watch` (then stays open). */
  async function reflectorWith(watch: (res: http.ServerResponse) => void) {
    const server = http.createServer((req, res) => (req.url!.includes('watch=1') ? watch(res) : res.end('{"items":[],"metadata":{"resourceVersion":"1"}}')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const text = stringify({ clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` } }], contexts: [{ name: 'c', context: { cluster: 'c' } }] });
    const reflector = new Reflector(listWatch(kubeConfigFor(await loadKubeconfigs([], [{ source: 'test', baseDir: '/', text }]), 'c'), '/api/v1/pods'), 'pods in all namespaces');
    const reconnecting = new Promise<ReflectorState>((resolve) => reflector.onState((state) => state.phase === 'reconnecting' && resolve(state)));
    await reflector.start();
    const state = await reconnecting;
    reflector.stop();
    server.close();
    server.closeAllConnections();
    return state;
  }

  it('reconnects when a watch line is longer than the cap, without holding it', async () => {
    const state = await reflectorWith((res) => {
      const chunk = Buffer.alloc(1 << 20, 'x');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    expect(state).toMatchObject({ phase: 'reconnecting', error: expect.stringMatching(new RegExp(`^a line of watch .* is larger than ${MAX_WATCH_LINE_BYTES / 2 ** 20} MiB$`)) });
  });

  it('stop abandons a list the server never answers: its connection is closed, nothing keeps the process up', async () => {
    const closed = new Promise<void>((resolve) => {
      const server = http.createServer((req) => req.socket.once('close', () => (server.close(), resolve())));
      server.listen(0, '127.0.0.1', async () => {
        const text = stringify({ clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` } }], contexts: [{ name: 'c', context: { cluster: 'c' } }] });
        const reflector = new Reflector(listWatch(kubeConfigFor(await loadKubeconfigs([], [{ source: 'test', baseDir: '/', text }]), 'c'), '/api/v1/pods'), 'pods in all namespaces');
        void reflector.start();
        server.once('request', () => reflector.stop());
      });
    });
    await closed;
  });

  it('reconnects when a watch line is not a watch event', async () => {
    const state = await reflectorWith((res) => res.write('{"type":"ADDED","object":{"kind":"Pod"}}\n'));
    expect(state).toMatchObject({ phase: 'reconnecting', error: 'watch /api/v1/pods: the server sent a line that is not a watch event' });
  });
});

type Pod = { metadata: { name: string; namespace?: string; resourceVersion?: string; managedFields?: { manager?: string }[] }; phase?: string };
const pod = (name: string, resourceVersion: string, phase?: string): Pod => ({ metadata: { name, namespace: 'shop', resourceVersion }, ...(phase ? { phase } : {}) });

/** A clock whose sleeps wait until the spec wakes them (or the signal aborts); random answers from a list, then 0.5. */
function fakeClock(randoms: number[] = []) {
  let now = 0;
  const sleeps: { ms: number; wake: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    random: () => randoms.shift() ?? 0.5,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        sleeps.push({ ms, wake: () => ((now += ms), resolve()) });
        signal?.addEventListener('abort', () => resolve(), { once: true });
      }),
  };
  return { clock, sleeps, pass: (ms: number) => (now += ms) };
}

interface WatchCall {
  from: { resourceVersion: string; timeoutSeconds: number };
  on: { open(): void; event(event: WatchEvent<Pod>): void };
  signal: AbortSignal;
  end: () => void;
  fail: (error: Error) => void;
}

/** A lister-watcher whose list answers are scripted and whose watches the spec drives one by one. */
function fakeSource(lists: (() => Promise<ListPage<Pod>>)[]) {
  const listCalls: { limit: number; continue: string }[] = [];
  const watches: WatchCall[] = [];
  const source: ListerWatcher<Pod> = {
    list: (page) => {
      listCalls.push(page);
      const next = lists.shift();
      return next ? next() : Promise.reject(new Error('no list scripted'));
    },
    watch: (from, on, signal) =>
      new Promise<void>((end, fail) => {
        // an event the reflector throws on (an ERROR) ends the watch, as the HTTP adapter does
        const guarded = { open: on.open, event: (event: WatchEvent<Pod>) => {
          try {
            on.event(event);
          } catch (error) {
            fail(error as Error);
          }
        } };
        watches.push({ from, on: guarded, signal, end, fail });
      }),
  };
  return { source, listCalls, watches };
}

const page = (items: Pod[], resourceVersion: string, next = ''): (() => Promise<ListPage<Pod>>) => () => Promise.resolve({ items, continue: next, resourceVersion });

describe('Reflector loop (fake lister-watcher and clock)', () => {
  it('lists page by page, then watches from the list resourceVersion with a randomized timeout', async () => {
    const { clock } = fakeClock([0.25]);
    const { source, listCalls, watches } = fakeSource([page([pod('a', '1'), pod('b', '2')], '', 'c1'), page([{ ...pod('c', '3'), metadata: { ...pod('c', '3').metadata, managedFields: [{}] } }], '10')]);
    const reflector = new Reflector(source, 'pods', { pageSize: 2, clock });
    await reflector.start();
    expect(listCalls).toEqual([{ limit: 2, continue: '' }, { limit: 2, continue: 'c1' }]);
    expect([...reflector.store.keys()]).toEqual(['shop/a', 'shop/b', 'shop/c']);
    expect(reflector.store.get('shop/c')?.metadata.managedFields).toBeUndefined();
    expect(reflector.state).toEqual({ phase: 'synced' });
    await vi.waitFor(() => expect(watches).toHaveLength(1));
    // client-go: minWatchTimeout * (1 + random)
    expect(watches[0].from).toEqual({ resourceVersion: '10', timeoutSeconds: 375 });
    reflector.stop();
  });

  it('applies watch events to the store, follows bookmarks, and re-watches from the last resourceVersion when the server ends the watch', async () => {
    const { clock } = fakeClock();
    const { source, listCalls, watches } = fakeSource([page([pod('a', '1')], '5')]);
    const reflector = new Reflector(source, 'pods', { clock });
    const changes: string[] = [];
    reflector.onChange((change) => changes.push(change.type === 'resync' ? 'resync' : `${change.type} ${change.object.metadata.name}`));
    await reflector.start();
    await vi.waitFor(() => expect(watches).toHaveLength(1));
    const { on, end } = watches[0];
    on.open();
    on.event({ type: 'ADDED', object: pod('b', '6') });
    on.event({ type: 'MODIFIED', object: pod('a', '7', 'Running') });
    on.event({ type: 'DELETED', object: pod('b', '8') });
    on.event({ type: 'BOOKMARK', resourceVersion: '20' });
    expect(changes).toEqual(['resync', 'upsert b', 'upsert a', 'delete b']);
    expect([...reflector.store.values()]).toEqual([pod('a', '7', 'Running')]);
    end();
    await vi.waitFor(() => expect(watches).toHaveLength(2));
    expect(watches[1].from.resourceVersion).toBe('20');
    expect(listCalls).toHaveLength(1);
    reflector.stop();
  });

  it('relists on 410 Gone, deleting what the new list no longer has', async () => {
    const { clock } = fakeClock();
    const { source, listCalls, watches } = fakeSource([page([pod('a', '1'), pod('b', '2')], '5'), page([pod('b', '9')], '30')]);
    const reflector = new Reflector(source, 'pods', { clock });
    const deleted: string[] = [];
    reflector.onChange((change) => change.type === 'delete' && deleted.push(change.object.metadata.name));
    await reflector.start();
    await vi.waitFor(() => expect(watches).toHaveLength(1));
    watches[0].on.event({ type: 'ERROR', error: new FleetdeckError('gone', 'too old resource version: 5 (25)') });
    await vi.waitFor(() => expect(watches).toHaveLength(2));
    expect(listCalls).toHaveLength(2);
    expect(deleted).toEqual(['a']);
    expect([...reflector.store.keys()]).toEqual(['shop/b']);
    expect(watches[1].from.resourceVersion).toBe('30');
    reflector.stop();
  });

  it('backs off after a disconnect, jittered and doubling up to the cap, re-watching without a relist; a failure long after the last starts over', async () => {
    // each watch draws its timeout, then each failure its jitter
    const { clock, sleeps, pass } = fakeClock([0.5, 0, 0.5, 0.999, 0.5, 0, 0.5, 0.5, 0.5, 0.5]);
    const { source, listCalls, watches } = fakeSource([page([pod('a', '1')], '5')]);
    const reflector = new Reflector(source, 'pods', { clock, maxBackoffMs: 2_000 });
    const states: ReflectorState[] = [];
    reflector.onState((state) => states.push(state));
    await reflector.start();
    const disconnect = async (n: number) => {
      await vi.waitFor(() => expect(watches).toHaveLength(n));
      watches[n - 1].fail(new FleetdeckError('unreachable', 'cannot reach https://api: ECONNRESET'));
      await vi.waitFor(() => expect(sleeps).toHaveLength(n));
      return sleeps[n - 1];
    };
    // each wait lies between half and all of its step: 500, 1000, 2000, 2000 (the cap)
    expect((await disconnect(1)).ms).toBe(250); // random 0
    sleeps[0].wake();
    pass(1_000);
    expect((await disconnect(2)).ms).toBe(1_000); // random 0.999: all of the 1000 step, rounded
    sleeps[1].wake();
    expect((await disconnect(3)).ms).toBe(1_000); // random 0: half of 2000
    sleeps[2].wake();
    expect((await disconnect(4)).ms).toBe(1_500); // capped step 2000, random 0.5
    expect(states.at(-1)).toEqual({ phase: 'reconnecting', error: 'cannot reach https://api: ECONNRESET', retryInMs: 1_500 });
    pass(200_000);
    sleeps[3].wake();
    expect((await disconnect(5)).ms).toBe(375); // two minutes without a failure: the first step again
    expect(listCalls).toHaveLength(1);
    expect(watches.map((w) => w.from.resourceVersion)).toEqual(['5', '5', '5', '5', '5']);
    reflector.stop();
  });

  it('a forbidden collection is failed (start resolves) and listed again later', async () => {
    const { clock, sleeps } = fakeClock();
    const { source, listCalls } = fakeSource([() => Promise.reject(new FleetdeckError('forbidden', 'list pods: HTTP 403')), page([pod('a', '1')], '5')]);
    const reflector = new Reflector(source, 'pods in all namespaces', { clock });
    await reflector.start();
    expect(reflector.state).toEqual({ phase: 'failed', code: 'forbidden', error: 'forbidden: list pods in all namespaces' });
    await vi.waitFor(() => expect(sleeps).toHaveLength(1));
    expect(sleeps[0].ms).toBe(60_000);
    sleeps[0].wake();
    await vi.waitFor(() => expect(reflector.state).toEqual({ phase: 'synced' }));
    expect(listCalls).toHaveLength(2);
    reflector.stop();
  });

  it('stop aborts the watch in flight and ends the loop', async () => {
    const { clock, sleeps } = fakeClock();
    const { source, listCalls, watches } = fakeSource([page([], '5')]);
    const reflector = new Reflector(source, 'pods', { clock });
    await reflector.start();
    await vi.waitFor(() => expect(watches).toHaveLength(1));
    reflector.stop();
    expect(watches[0].signal.aborted).toBe(true);
    watches[0].fail(new Error('aborted'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect({ lists: listCalls.length, watches: watches.length, sleeps: sleeps.length }).toEqual({ lists: 1, watches: 1, sleeps: 0 });
  });
});
