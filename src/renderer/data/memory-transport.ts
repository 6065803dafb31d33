import { Emitter } from '../../shared/emitter.ts';
import { settle, type ReconnectingTransport, type ServiceHost } from '../../shared/rpc.ts';

/** Both ends of an in-process connection: services are exposed on `host`, clients are created on `transport`. */
export interface MemoryConnection {
  host: ServiceHost;
  transport: ReconnectingTransport;
  /** the event channel drops: events emitted until reconnect() are lost, as over a broken WebSocket */
  disconnect(): void;
  reconnect(): void;
}

/** Copies a value as the wire does (JSON), so a test sees what a renderer would receive. */
const overTheWire = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/**
 * The renderer's transport without a process boundary: connects createClient to services in the
 * same process (fakes or real ones), for unit tests of the data layer under Node.
 */
export function memoryTransport(): MemoryConnection {
  const handlers = new Map<string, (input: unknown) => Promise<unknown>>();
  const events = new Emitter<{ service: string; event: string; payload: unknown }>();
  const reconnected = new Emitter<void>();
  let connected = true;
  return {
    host: {
      handle: (service, method, handler) => void handlers.set(`${service}.${method}`, handler),
      emit: (service, event, payload) => connected && events.fire({ service, event, payload: overTheWire(payload) }),
    },
    transport: {
      async call(service, method, input) {
        const handler = handlers.get(`${service}.${method}`);
        if (!handler) throw new Error(`no such method: ${service}.${method}`);
        return overTheWire(await settle(() => handler(overTheWire(input)))) as Awaited<ReturnType<ReconnectingTransport['call']>>;
      },
      listen: (service, event, listener) => events.event((m) => m.service === service && m.event === event && listener(m.payload)),
      onDidReconnect: reconnected.event,
    },
    disconnect: () => void (connected = false),
    reconnect() {
      connected = true;
      reconnected.fire();
    },
  };
}
