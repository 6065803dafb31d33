import { FleetdeckError } from '../../shared/errors.ts';
import { Emitter } from '../../shared/emitter.ts';
import { settle, type CallResult, type ServiceHost } from '../../shared/rpc.ts';

export interface ServiceEvent {
  service: string;
  event: string;
  payload: unknown;
}

/** The server half every transport shares: routes calls to exposed services and fans out their events. */
export class Dispatcher implements ServiceHost {
  private readonly handlers = new Map<string, (input: unknown) => Promise<unknown>>();
  private readonly events = new Emitter<ServiceEvent>();
  readonly onEvent = this.events.event;

  handle(service: string, method: string, handler: (input: unknown) => Promise<unknown>): void {
    this.handlers.set(`${service}.${method}`, handler);
  }

  emit(service: string, event: string, payload: unknown): void {
    this.events.fire({ service, event, payload });
  }

  dispatch(service: unknown, method: unknown, input: unknown): Promise<CallResult> {
    return settle(async () => {
      const handler = typeof service === 'string' && typeof method === 'string' ? this.handlers.get(`${service}.${method}`) : undefined;
      if (!handler) throw new FleetdeckError('not-found', `no such method: ${String(service)}.${String(method)}`);
      return handler(input);
    });
  }
}
