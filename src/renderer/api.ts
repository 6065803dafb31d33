import { createApiClient, type FleetdeckApi } from '../shared/contract/index.ts';
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
function webShellApi(): FleetdeckApi {
  const url = new URL(location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url);
  }
  return createApiClient(webTransport({ origin: location.origin }));
}

/** The one client of the main-side services, over whichever transport this renderer runs on. */
export const api: FleetdeckApi = window.fleetdeck ?? webShellApi();
