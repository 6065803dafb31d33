import { GRANT_FOLDER_CHANNEL } from '../../shared/contract/manifests.ts';
import { toWireError } from '../../shared/errors.ts';
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
  /** grants a folder dropped on the window (its path read by the preload), resolving to its real path; without it a drop is not served */
  grantFolder?(dir: string): Promise<string>;
}

const untrusted: CallResult = { ok: false, error: { code: 'forbidden', message: 'forbidden: untrusted sender' } };

/** Serves the dispatcher over Electron IPC: calls through invoke/handle, events broadcast to windows; and the desktop bridge's folder grant. */
export function serveIpc(ipc: IpcMainLike, dispatcher: Dispatcher, options: IpcServeOptions): () => void {
  ipc.handle(CALL_CHANNEL, async (event, service, method, input) => {
    if (!options.trusted(event.senderFrame?.url)) return untrusted;
    return dispatcher.dispatch(service, method, input);
  });
  const { grantFolder } = options;
  if (grantFolder) {
    ipc.handle(GRANT_FOLDER_CHANNEL, async (event, dir) => {
      if (!options.trusted(event.senderFrame?.url)) return untrusted;
      // getPathForFile gives "" for a file the OS did not hand over
      if (typeof dir !== 'string' || !dir) return { ok: false, error: { code: 'invalid-input', message: 'drop a folder from your file manager to open it' } };
      return grantFolder(dir).then(
        (value): CallResult => ({ ok: true, value }),
        (error: unknown): CallResult => ({ ok: false, error: toWireError(error) }),
      );
    });
  }
  return dispatcher.onEvent((event) => options.broadcast(EVENT_CHANNEL, event));
}
