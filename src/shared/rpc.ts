import type { z } from 'zod';
import { FleetdeckError, fromWireError, toWireError, type WireError } from './errors.ts';

/** An event stream: subscribe with a listener, call the returned function to unsubscribe. */
export type Event<T> = (listener: (value: T) => void) => () => void;

type MethodKeys<S> = { [K in keyof S]: S[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof S] & string;
type EventKeys<S> = { [K in keyof S]: S[K] extends Event<unknown> ? K : never }[keyof S] & string;
type InputOf<F> = F extends (input: infer I) => Promise<unknown> ? I : never;

/**
 * The runtime description of a service: its name, a zod schema for each method's single
 * input (the renderer is untrusted, so main validates every call), and its event names.
 */
export interface ServiceContract<S> {
  name: string;
  methods: { [K in MethodKeys<S>]: z.ZodType<InputOf<S[K]>> };
  events: readonly EventKeys<S>[];
}

export function defineService<S>(contract: ServiceContract<S>): ServiceContract<S> {
  return contract;
}

export type CallResult = { ok: true; value: unknown } | { ok: false; error: WireError };

/** What a transport's server side offers to exposeService. */
export interface ServiceHost {
  handle(service: string, method: string, handler: (input: unknown) => Promise<unknown>): void;
  emit(service: string, event: string, payload: unknown): void;
}

/** What a transport's client side offers to createClient. */
export interface ClientTransport {
  call(service: string, method: string, input: unknown): Promise<CallResult>;
  listen(service: string, event: string, listener: (payload: unknown) => void): () => void;
}

/** A client transport whose event channel can drop and come back (the web shell's WebSocket): events sent meanwhile are lost. */
export interface ReconnectingTransport extends ClientTransport {
  /** fires each time the event channel is up again after it dropped; listeners kept listening throughout */
  onDidReconnect: Event<void>;
}

/** Serves impl's methods and forwards its events through the host; the returned function stops forwarding the events. */
export function exposeService<S>(contract: ServiceContract<S>, impl: S, host: ServiceHost): () => void {
  const methods = contract.methods as Record<string, z.ZodType>;
  for (const [method, schema] of Object.entries(methods)) {
    const fn = (impl as Record<string, (input: unknown) => Promise<unknown>>)[method].bind(impl);
    host.handle(contract.name, method, async (input) => {
      const parsed = schema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
        throw new FleetdeckError('invalid-input', `${contract.name}.${method}: ${issue.message}${where}`);
      }
      return fn(parsed.data);
    });
  }
  const unsubscribes = contract.events.map((event) => (impl[event] as Event<unknown>)((payload) => host.emit(contract.name, event, payload)));
  return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
}

/** Builds a plain object (so contextBridge can clone it) whose methods and events go through the transport. */
export function createClient<S>(contract: ServiceContract<S>, transport: ClientTransport): S {
  const client: Record<string, unknown> = {};
  for (const method of Object.keys(contract.methods)) {
    client[method] = async (input?: unknown) => {
      const result = await transport.call(contract.name, method, input);
      if (!result.ok) throw fromWireError(result.error);
      return result.value;
    };
  }
  for (const event of contract.events) {
    client[event] = (listener: (payload: unknown) => void) => transport.listen(contract.name, event, listener);
  }
  return client as S;
}

/** Runs a handler and turns its outcome into the wire form shared by every transport. */
export async function settle(run: () => Promise<unknown>): Promise<CallResult> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}
