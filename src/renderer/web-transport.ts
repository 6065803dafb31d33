import { Emitter } from '../shared/emitter.ts';
import type { ErrorCode } from '../shared/errors.ts';
import type { CallResult, ReconnectingTransport } from '../shared/rpc.ts';

interface EventMessage {
  service: string;
  event: string;
  payload: unknown;
}

/** The codes of the web shell's refusals (a call it accepts answers 200 with its own result or error). */
const refusalCodes: Partial<Record<number, ErrorCode>> = {
  400: 'invalid-input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'invalid-input',
  413: 'too-large',
  415: 'invalid-input',
};

/**
 * The client side of the web shell: calls over HTTP POST, events over one WebSocket that
 * reconnects with backoff, keeping its listeners, and says when it is back (the events sent
 * meanwhile are lost). Uses only fetch and WebSocket, so it runs in a browser and in Node;
 * `openSocket` lets a test hold the socket it drops.
 */
export function webTransport({ origin, token, openSocket = (url) => new WebSocket(url) }: { origin: string; token?: string | null; openSocket?: (url: URL) => WebSocket }): ReconnectingTransport {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const listeners = new Set<(message: EventMessage) => void>();
  const reconnected = new Emitter<void>();
  let socket: WebSocket | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let retryMs = 500;
  let dropped = false;

  function connect() {
    retry = undefined;
    const url = new URL('/events', origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (token) url.searchParams.set('token', token);
    socket = openSocket(url);
    socket.onopen = () => {
      retryMs = 500;
      if (dropped) reconnected.fire();
      dropped = false;
    };
    socket.onmessage = (e) => {
      const message = JSON.parse(String(e.data)) as EventMessage;
      for (const listener of listeners) listener(message);
    };
    socket.onclose = () => {
      socket = undefined;
      dropped = true;
      if (listeners.size) retry = setTimeout(connect, (retryMs = Math.min(retryMs * 2, 10_000)));
    };
  }

  return {
    async call(service, method, input) {
      const res = await fetch(new URL(`/rpc/${service}/${method}`, origin), { method: 'POST', headers, body: JSON.stringify({ input }) });
      if (!res.ok) return { ok: false, error: { code: refusalCodes[res.status] ?? 'internal', message: (await res.text()).trim() } };
      return (await res.json()) as CallResult;
    },
    listen(service, event, listener) {
      const filtered = (m: EventMessage) => m.service === service && m.event === event && listener(m.payload);
      listeners.add(filtered);
      // a socket waiting to reconnect is reopened by its timer, not a second time here
      if (!socket && !retry) connect();
      return () => listeners.delete(filtered);
    },
    onDidReconnect: reconnected.event,
  };
}
