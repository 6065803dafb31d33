import http from 'node:http';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FleetdeckError } from '../../shared/errors.ts';
import { kubeConfigFor, loadKubeconfigs } from './kubeconfig.ts';
import { MAX_WATCH_LINE_BYTES } from './http.ts';
import { parseListPage, parseWatchLine, Reflector, type ReflectorState } from './reflector.ts';

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
    const reflector = new Reflector(kubeConfigFor(await loadKubeconfigs([], [{ source: 'test', baseDir: '/', text }]), 'c'), '/api/v1/pods', 'pods in all namespaces');
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

  it('reconnects when a watch line is not a watch event', async () => {
    const state = await reflectorWith((res) => res.write('{"type":"ADDED","object":{"kind":"Pod"}}\n'));
    expect(state).toMatchObject({ phase: 'reconnecting', error: 'watch /api/v1/pods: the server sent a line that is not a watch event' });
  });
});
