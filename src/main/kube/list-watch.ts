// The live lister-watcher: a collection's list pages and watch stream over the one request function.
import type { ContextConfig } from './context-config.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { isObject, type ListedObject } from '../../shared/kube-object.ts';
import { classifyStatus, kubeOk, kubeStream } from './http.ts';
import type { ListerWatcher, ListPage, WatchEvent } from './reflector.ts';

/** The parsed value, or undefined for text that is not JSON (the caller says what it expected). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Reads one line of a watch stream; an ERROR with code 410 (history compacted) becomes a "gone"
 * error. A line that is no watch event (not JSON, an unknown type, an object without a name) is an
 * error that ends the watch: the reflector reconnects.
 */
export function parseWatchLine<T extends ListedObject>(line: string, what: string): WatchEvent<T> {
  const event = parseJson(line);
  const object = isObject(event) ? event.object : undefined;
  const type = isObject(event) ? event.type : undefined;
  if (isObject(object) && type === 'ERROR') {
    const code = typeof object.code === 'number' ? object.code : 500;
    const message = typeof object.message === 'string' ? object.message : 'resource version too old';
    return { type: 'ERROR', error: code === 410 ? new FleetdeckError('gone', message) : classifyStatus(code, JSON.stringify(object), `watch ${what}`) };
  }
  const metadata = isObject(object) ? object.metadata : undefined;
  if (isObject(metadata) && type === 'BOOKMARK') return { type: 'BOOKMARK', resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '' };
  if (isObject(metadata) && typeof metadata.name === 'string' && (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')) return { type, object: object as T };
  throw new FleetdeckError('internal', `watch ${what}: the server sent a line that is not a watch event`);
}

/** One page of a list answer; anything else is an error naming the collection, never a TypeError later. */
export function parseListPage<T extends ListedObject>(body: string, what: string): ListPage<T> {
  const page = parseJson(body);
  const metadata = isObject(page) ? page.metadata : undefined;
  const items = isObject(page) ? page.items : undefined;
  const isItem = (item: unknown) => isObject(item) && isObject(item.metadata) && typeof item.metadata.name === 'string';
  if (!isObject(metadata) || !Array.isArray(items) || !items.every(isItem)) throw new FleetdeckError('internal', `list ${what}: the server's answer is not a Kubernetes list`);
  return {
    items: items as T[],
    continue: typeof metadata.continue === 'string' ? metadata.continue : '',
    resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '',
  };
}

/** A collection of the context's API server (path as /api/v1/pods, a query allowed) as a reflector reads it. */
export function listWatch<T extends ListedObject>(kc: ContextConfig, path: string): ListerWatcher<T> {
  const separator = path.includes('?') ? '&' : '?';
  return {
    async list(page, signal) {
      const body = await kubeOk(kc, `${path}${separator}limit=${page.limit}${page.continue ? `&continue=${encodeURIComponent(page.continue)}` : ''}`, { timeoutMs: 60_000, signal });
      return parseListPage<T>(body, path);
    },
    watch({ resourceVersion, timeoutSeconds }, on, signal) {
      const url = `${path}${separator}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}&timeoutSeconds=${timeoutSeconds}`;
      // the server ends the watch after timeoutSeconds; a minute more of silence is a lost connection
      return kubeStream(kc, url, { onOpen: on.open, onLine: (line) => on.event(parseWatchLine<T>(line, path)), signal, idleMs: (timeoutSeconds + 60) * 1000 });
    },
  };
}
