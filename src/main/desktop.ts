// The Electron main process's guards, as plain functions over the few Electron parts they use, so
// that they are unit-tested under Node (no Electron binary is needed for that).
import { fileURLToPath } from 'node:url';

const parse = (url: string): URL | undefined => {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
};

/**
 * Whether a frame is our own renderer, by exact match: the dev server's origin (not a prefix:
 * `http://localhost:5173.evil.example` is another site), else the built index.html itself.
 */
export function rendererTrust(rendererUrl: string | undefined, rendererFile: string): (frameUrl: string | undefined) => boolean {
  const devOrigin = rendererUrl === undefined ? undefined : parse(rendererUrl)?.origin;
  return (frameUrl) => {
    const url = frameUrl === undefined ? undefined : parse(frameUrl);
    if (!url) return false;
    if (rendererUrl !== undefined) return devOrigin !== undefined && devOrigin !== 'null' && url.origin === devOrigin;
    if (url.protocol !== 'file:' || url.host !== '') return false;
    return fileURLToPath(url) === rendererFile;
  };
}

/** The parts of an Electron webContents the guard uses. */
export interface GuardedContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(event: 'will-navigate', listener: (event: { preventDefault(): void }) => void): unknown;
  on(event: 'will-redirect', listener: (event: { preventDefault(): void }) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
}

/**
 * For every webContents the app creates (windows, and anything a page might open): no new
 * window, no navigation away, no webview; a link that asks for a new window goes to `openLink`,
 * which decides whether the system browser may open it.
 */
export function guardWebContents(contents: GuardedContents, openLink: (url: string) => void): void {
  contents.setWindowOpenHandler(({ url }) => {
    openLink(url);
    return { action: 'deny' };
  });
  const refuse = (event: { preventDefault(): void }) => event.preventDefault();
  contents.on('will-navigate', refuse);
  contents.on('will-redirect', refuse);
  contents.on('will-attach-webview', refuse);
}

/**
 * Whether a link is one the app builds itself: an http(s) URL under a Grafana URL configured for
 * a cluster (the metrics screen's "Open in Grafana"). Nothing else is handed to the system browser.
 */
export function isGrafanaLink(link: string, grafanas: string[]): boolean {
  const url = parse(link);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return false;
  return grafanas.some((grafana) => {
    const base = parse(grafana);
    if (!base) return false;
    const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    return url.origin === base.origin && (url.pathname === base.pathname || url.pathname.startsWith(prefix));
  });
}
