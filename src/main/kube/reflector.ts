import type { ContextConfig } from './context-config.ts';
import { Emitter } from '../../shared/emitter.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { classifyStatus, kubeOk, kubeStream } from './http.ts';

export interface KubeObject {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export type ReflectorState =
  | { phase: 'listing' }
  | { phase: 'synced' }
  | { phase: 'reconnecting'; error: string; retryInMs: number }
  | { phase: 'failed'; code: string; error: string };

export type Change<T> = { type: 'upsert'; object: T } | { type: 'delete'; object: T } | { type: 'resync' };

export type WatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T } | { type: 'BOOKMARK'; resourceVersion: string } | { type: 'ERROR'; error: FleetdeckError };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
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
export function parseWatchLine<T extends KubeObject>(line: string, what: string): WatchEvent<T> {
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

export interface ListPage<T> {
  items: T[];
  continue: string;
  resourceVersion: string;
}

/** One page of a list answer; anything else is an error naming the collection, never a TypeError later. */
export function parseListPage<T extends KubeObject>(body: string, what: string): ListPage<T> {
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

const keyOf = (o: KubeObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export interface ReflectorOptions {
  /** slims each object before it is stored (the cache keeps thousands) */
  transform?: (object: KubeObject) => KubeObject;
  pageSize?: number;
  watchTimeoutSeconds?: number;
  maxBackoffMs?: number;
}

/**
 * Keeps a local copy of one resource collection: paged list, then watch from its
 * resourceVersion with bookmarks; relists on 410 Gone; backs off and re-watches on disconnect.
 */
export class Reflector<T extends KubeObject> {
  readonly store = new Map<string, T>();
  private readonly changes = new Emitter<Change<T>>();
  private readonly states = new Emitter<ReflectorState>();
  readonly onChange = this.changes.event;
  readonly onState = this.states.event;
  state: ReflectorState = { phase: 'listing' };
  private readonly abort = new AbortController();
  private readonly synced: Promise<void>;
  private resolveSynced!: () => void;
  private readonly kc: ContextConfig;
  private readonly path: string;
  private readonly options: Required<ReflectorOptions>;

  /** what the collection is, for messages: "pods in all namespaces", "nodes" */
  private readonly what: string;

  constructor(kc: ContextConfig, path: string, what: string, options: ReflectorOptions = {}) {
    this.kc = kc;
    this.path = path;
    this.what = what;
    this.options = { transform: (o) => o, pageSize: 500, watchTimeoutSeconds: 300, maxBackoffMs: 30_000, ...options };
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
  }

  private running = false;

  /** Starts the loop (once, however often it is called); resolves once the first list is in the store (or it failed for good). */
  start(): Promise<void> {
    if (!this.running) void this.run();
    this.running = true;
    return this.synced;
  }

  stop(): void {
    this.abort.abort();
  }

  private setState(state: ReflectorState) {
    this.state = state;
    this.states.fire(state);
  }

  private async run() {
    let backoff = 500;
    let resourceVersion: string | undefined;
    while (!this.abort.signal.aborted) {
      try {
        if (!resourceVersion) {
          resourceVersion = await this.list();
          this.setState({ phase: 'synced' });
          this.resolveSynced();
        }
        resourceVersion = await this.watch(resourceVersion);
        backoff = 500;
      } catch (error) {
        if (this.abort.signal.aborted) return;
        const failure = error instanceof FleetdeckError ? error : new FleetdeckError('unreachable', (error as Error).message);
        if (failure.code === 'gone') {
          resourceVersion = undefined; // history compacted: start over from a fresh list
          continue;
        }
        if (failure.code === 'forbidden' || failure.code === 'not-found') {
          const error = failure.code === 'forbidden' ? `forbidden: list ${this.what}` : `not served: ${this.what} (${failure.message})`;
          this.setState({ phase: 'failed', code: failure.code, error });
          this.resolveSynced();
          await sleep(60_000, this.abort.signal);
          resourceVersion = undefined;
          continue;
        }
        this.setState({ phase: 'reconnecting', error: failure.message, retryInMs: backoff });
        await sleep(backoff, this.abort.signal);
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
      }
    }
  }

  /** A paged list that replaces the store; returns the collection's resourceVersion. */
  private async list(): Promise<string> {
    const seen = new Map<string, T>();
    let next = '';
    let resourceVersion = '';
    do {
      const separator = this.path.includes('?') ? '&' : '?';
      const body = await kubeOk(this.kc, `${this.path}${separator}limit=${this.options.pageSize}${next ? `&continue=${encodeURIComponent(next)}` : ''}`, { timeoutMs: 60_000 });
      const page = parseListPage<T>(body, this.path);
      for (const item of page.items) seen.set(keyOf(item), this.options.transform(item) as T);
      next = page.continue;
      resourceVersion = page.resourceVersion;
    } while (next);
    for (const [key, object] of this.store) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.changes.fire({ type: 'delete', object });
    }
    for (const [key, object] of seen) this.store.set(key, object);
    this.changes.fire({ type: 'resync' });
    return resourceVersion;
  }

  /** Watches from resourceVersion until the server ends the stream; returns the last resourceVersion seen. */
  private async watch(from: string): Promise<string> {
    let resourceVersion = from;
    let failure: FleetdeckError | undefined;
    const separator = this.path.includes('?') ? '&' : '?';
    const path = `${this.path}${separator}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(from)}&timeoutSeconds=${this.options.watchTimeoutSeconds}`;
    const onOpen = () => {
      if (this.state.phase !== 'synced') this.setState({ phase: 'synced' });
    };
    const onLine = (line: string) => {
      const event = parseWatchLine<T>(line, this.path);
      if (event.type === 'ERROR') {
        failure = event.error;
        return;
      }
      if (event.type === 'BOOKMARK') {
        resourceVersion = event.resourceVersion || resourceVersion;
        return;
      }
      resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
      const object = this.options.transform(event.object) as T;
      const key = keyOf(object);
      if (event.type === 'DELETED') {
        this.store.delete(key);
        this.changes.fire({ type: 'delete', object });
      } else {
        this.store.set(key, object);
        this.changes.fire({ type: 'upsert', object });
      }
    };
    await kubeStream(this.kc, path, { onLine, onOpen, signal: this.abort.signal, idleMs: (this.options.watchTimeoutSeconds + 60) * 1000 });
    if (failure) throw failure;
    return resourceVersion;
  }
}
