import { CALL_CHANNEL, EVENT_CHANNEL } from '../../shared/ipc.ts';
import type { CallResult } from '../../shared/rpc.ts';
import type { Dispatcher } from './dispatcher.ts';

/** The part of Electron's ipcMain the server side uses. */
export interface IpcMainLike {
  handle(channel: string, handler: (event: { senderFrame?: { url: string } | null }, ...args: unknown[]) => Promise<CallResult>): void;
}

export interface IpcServeOptions {
  /** whether a frame URL is our own renderer */
  trusted(frameUrl: string | undefined): boolean;
  /** delivers an event message to every window */
  broadcast(channel: string, message: unknown): void;
}

/** Serves the dispatcher over Electron IPC: calls through invoke/handle, events broadcast to windows. */
export function serveIpc(ipc: IpcMainLike, dispatcher: Dispatcher, options: IpcServeOptions): () => void {
  ipc.handle(CALL_CHANNEL, async (event, service, method, input) => {
    if (!options.trusted(event.senderFrame?.url)) return { ok: false, error: { code: 'forbidden', message: 'forbidden: untrusted sender' } };
    return dispatcher.dispatch(service, method, input);
  });
  return dispatcher.onEvent((event) => options.broadcast(EVENT_CHANNEL, event));
}
