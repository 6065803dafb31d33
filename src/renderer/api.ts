import { createApiClient, type FleetdeckApi } from '../shared/contract/index.ts';
import { webTransport } from './web-transport.ts';

declare global {
  interface Window {
    /** set by the Electron preload; absent in a browser, where the web shell serves the app */
    fleetdeck?: FleetdeckApi;
  }
}

/** The one client of the main-side services, over whichever transport this renderer runs on. */
export const api: FleetdeckApi = window.fleetdeck ?? createApiClient(webTransport({ origin: location.origin, token: new URLSearchParams(location.search).get('token') }));
