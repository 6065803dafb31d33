// The web shell's event channel after a blip: a real server (src/main/web/server.ts) and the
// renderer's own transport and data layer. The server drops the socket; the transport reconnects
// with the same listeners, says so, and what the renderer shows is fetched again.
import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Dispatcher } from '../src/main/rpc/dispatcher.ts';
import { startWebShell, type WebShell } from '../src/main/web/server.ts';
import { refetchOnReconnect } from '../src/renderer/data/live.ts';
import { webTransport } from '../src/renderer/web-transport.ts';

describe('web shell reconnect', () => {
  let shell: WebShell;
  const dispatcher = new Dispatcher();
  let generation = 0;
  dispatcher.handle('jobs', 'list', async () => [{ generation }]);
  beforeAll(async () => {
    shell = await startWebShell({ dispatcher, rendererDir: await mkdtemp(path.join(tmpdir(), 'fleetdeck-renderer-')), port: 0 });
  });
  afterAll(() => shell.close());

  it('keeps the subscription through a dropped socket, says it is back, and the renderer refetches what it shows', async () => {
    const sockets: WebSocket[] = [];
    const transport = webTransport({
      origin: `http://127.0.0.1:${shell.port}`,
      token: shell.token,
      openSocket: (url) => {
        const socket = new WebSocket(url);
        sockets.push(socket);
        return socket;
      },
    });
    const received: unknown[] = [];
    const stopListening = transport.listen('jobs', 'onDidChangeTask', (payload) => received.push(payload));
    const reconnects = vi.fn();
    const stopWatching = transport.onDidReconnect(reconnects);
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
    const stopRefetching = refetchOnReconnect(queryClient, transport.onDidReconnect);
    const call = async () => {
      const result = await transport.call('jobs', 'list', undefined);
      if (!result.ok) throw new Error(result.error.message);
      return result.value as [{ generation: number }];
    };
    const observer = new QueryObserver(queryClient, { queryKey: ['jobs', 'tasks'], queryFn: call });
    const stopObserving = observer.subscribe(() => undefined);
    try {
      await vi.waitFor(() => expect(sockets[0]?.readyState).toBe(WebSocket.OPEN));
      dispatcher.emit('jobs', 'onDidChangeTask', { n: 1 });
      await vi.waitFor(() => expect(received).toEqual([{ n: 1 }]));
      await vi.waitFor(() => expect(observer.getCurrentResult().data).toEqual([{ generation: 0 }]));

      // the server drops the socket (a client message over its 1 KiB limit closes it with 1009)
      sockets[0].send('x'.repeat(4096));
      await vi.waitFor(() => expect(sockets[0].readyState).toBe(WebSocket.CLOSED));
      generation = 1;
      dispatcher.emit('jobs', 'onDidChangeTask', { n: 2 });
      // a screen subscribing while the socket waits to reconnect (1 s) does not open a second one
      await new Promise((resolve) => setTimeout(resolve, 100));
      const stopOther = transport.listen('gitops', 'onDidChange', () => undefined);

      await vi.waitFor(() => expect(reconnects).toHaveBeenCalledTimes(1), { timeout: 5_000 });
      stopOther();
      // the event of the blip is lost; the list shown is fetched again instead
      await vi.waitFor(() => expect(observer.getCurrentResult().data).toEqual([{ generation: 1 }]));
      dispatcher.emit('jobs', 'onDidChangeTask', { n: 3 });
      await vi.waitFor(() => expect(received).toEqual([{ n: 1 }, { n: 3 }]));
      // past the reconnect timer: still the one socket, and no duplicate event
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(sockets).toHaveLength(2);
      dispatcher.emit('jobs', 'onDidChangeTask', { n: 4 });
      await vi.waitFor(() => expect(received).toEqual([{ n: 1 }, { n: 3 }, { n: 4 }]));
    } finally {
      stopObserving();
      stopRefetching();
      stopWatching();
      stopListening();
      sockets.at(-1)?.close();
    }
  });
});
