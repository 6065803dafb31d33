import type { CallResult, ClientTransport } from './rpc.ts';

/** Electron IPC channel names shared by the main process and the preload. */
export const CALL_CHANNEL = 'fleetdeck:call';
export const EVENT_CHANNEL = 'fleetdeck:event';

export interface IpcEvent {
  service: string;
  event: string;
  payload: unknown;
}

/** The part of Electron's ipcRenderer the client transport uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, message: IpcEvent) => void): unknown;
  off(channel: string, listener: (event: unknown, message: IpcEvent) => void): unknown;
}

export function ipcClientTransport(ipc: IpcRendererLike): ClientTransport {
  return {
    call: (service, method, input) => ipc.invoke(CALL_CHANNEL, service, method, input) as Promise<CallResult>,
    listen(service, event, listener) {
      const onEvent = (_: unknown, message: IpcEvent) => {
        if (message.service === service && message.event === event) listener(message.payload);
      };
      ipc.on(EVENT_CHANNEL, onEvent);
      return () => ipc.off(EVENT_CHANNEL, onEvent);
    },
  };
}
