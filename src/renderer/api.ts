import { createApiClient, type FleetdeckApi } from '../shared/contract/index.ts';
import type { Event } from '../shared/rpc.ts';
import { webTransport } from './web-transport.ts';

declare global {
  interface Window {
    /** set by the Electron preload; absent in a browser, where the web shell serves the app */
    fleetdeck?: FleetdeckApi;
  }
}

/**
 * In a browser: the page's load with `?token=` set the web shell's HttpOnly cookie, which
 * authenticates every later call, reload and WebSocket; the token leaves the address bar and the
 * session history, so it is not copied, shared or shown on screen.
 */
function webShell(): { api: FleetdeckApi; onDidReconnect: Event<void> } {
  const url = new URL(location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url);
  }
  const transport = webTransport({ origin: location.origin });
  return { api: createApiClient(transport), onDidReconnect: transport.onDidReconnect };
}

/** Electron's IPC does not drop while the window lives: it never reconnects. */
const connection = window.fleetdeck ? { api: window.fleetdeck, onDidReconnect: (() => () => undefined) as Event<void> } : webShell();

/** The one client of the main-side services, over whichever transport this renderer runs on. */
export const api: FleetdeckApi = connection.api;

/** Fires when the connection to main is back after it dropped (the web shell's WebSocket). */
export const onDidReconnect: Event<void> = connection.onDidReconnect;
