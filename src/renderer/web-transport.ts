import type { ErrorCode } from '../shared/errors.ts';
import type { CallResult, ClientTransport } from '../shared/rpc.ts';

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
 * reconnects with backoff. Uses only fetch and WebSocket, so it runs in a browser and in Node.
 */
export function webTransport({ origin, token }: { origin: string; token?: string | null }): ClientTransport {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const listeners = new Set<(message: EventMessage) => void>();
  let socket: WebSocket | undefined;
  let retryMs = 500;

  function connect() {
    const url = new URL('/events', origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (token) url.searchParams.set('token', token);
    socket = new WebSocket(url);
    socket.onopen = () => (retryMs = 500);
    socket.onmessage = (e) => {
      const message = JSON.parse(String(e.data)) as EventMessage;
      for (const listener of listeners) listener(message);
    };
    socket.onclose = () => {
      socket = undefined;
      if (listeners.size) setTimeout(connect, (retryMs = Math.min(retryMs * 2, 10_000)));
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
      if (!socket) connect();
      return () => listeners.delete(filtered);
    },
  };
}
