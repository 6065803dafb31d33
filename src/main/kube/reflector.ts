// A local copy of one resource collection, kept by list and watch; client-go's
// tools/cache/reflector.go is the model: the loop takes its lister-watcher and clock, so a spec
// drives it with fakes (reflector.spec.ts) and list-watch.ts adapts it to an API server.
import { Emitter } from '../../shared/emitter.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import type { ListedObject } from '../../shared/kube-object.ts';
import { backoffDelay, systemClock, type Clock } from '../base/clock.ts';

export type ReflectorState =
  | { phase: 'listing' }
  | { phase: 'synced' }
  | { phase: 'reconnecting'; error: string; retryInMs: number }
  | { phase: 'failed'; code: string; error: string };

export type Change<T> = { type: 'upsert'; object: T } | { type: 'delete'; object: T } | { type: 'resync' };

export type WatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T } | { type: 'BOOKMARK'; resourceVersion: string } | { type: 'ERROR'; error: FleetdeckError };

export interface ListPage<T> {
  items: T[];
  /** the token of the next page; '' on the last */
  continue: string;
  resourceVersion: string;
}

/** Where a reflector reads its collection. */
export interface ListerWatcher<T> {
  /** One page of the collection, from the continue token ('' for the first); abandoned when signal aborts. */
  list(page: { limit: number; continue: string }, signal: AbortSignal): Promise<ListPage<T>>;
  /**
   * Watches from resourceVersion, calling `open` once the stream is established and `event` for each
   * event; resolves when the server ends the stream, rejects when it fails or `event` throws.
   */
  watch(from: { resourceVersion: string; timeoutSeconds: number }, on: { open(): void; event(event: WatchEvent<T>): void }, signal: AbortSignal): Promise<void>;
}

/** What no screen reads but every object carries: managedFields and kubectl's last-applied copy. */
export function slim<T extends ListedObject>(object: T): T {
  delete object.metadata.managedFields;
  if (object.metadata.annotations) delete object.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'];
  return object;
}

export interface ReflectorOptions<T> {
  /** slims each object before it is stored (the cache keeps thousands); `slim` by default */
  transform?: (object: T) => T;
  pageSize?: number;
  /** each watch asks the server to end it after between this and twice this (client-go's minWatchTimeout), so a fleet's watches do not all restart at once */
  minWatchTimeoutSeconds?: number;
  /** the longest wait after a failure (the first is 500 ms; each failure in a row doubles it, jittered) */
  maxBackoffMs?: number;
  clock?: Clock;
}

/** A failure this long after the one before starts the backoff over (client-go: backoffReset). */
const BACKOFF_RESET_MS = 120_000;
/** How long a collection that is forbidden or not served waits before it is listed again. */
const FAILED_RETRY_MS = 60_000;

const keyOf = (o: ListedObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);

/**
 * Keeps a local copy of one resource collection: paged list, then watch from its resourceVersion
 * with bookmarks; relists on 410 Gone; backs off (jittered, exponential) and re-watches on
 * disconnect; a collection that is forbidden or not served is "failed" and listed again later.
 */
export class Reflector<T extends ListedObject> {
  readonly store = new Map<string, T>();
  private readonly changes = new Emitter<Change<T>>();
  private readonly states = new Emitter<ReflectorState>();
  readonly onChange = this.changes.event;
  readonly onState = this.states.event;
  state: ReflectorState = { phase: 'listing' };
  private readonly abort = new AbortController();
  private readonly synced: Promise<void>;
  private resolveSynced!: () => void;
  private readonly source: ListerWatcher<T>;
  private readonly options: Required<ReflectorOptions<T>>;
  private running = false;

  /** what the collection is, for messages: "pods in all namespaces", "nodes" */
  private readonly what: string;

  constructor(source: ListerWatcher<T>, what: string, options: ReflectorOptions<T> = {}) {
    this.source = source;
    this.what = what;
    this.options = {
      transform: slim,
      pageSize: 500,
      minWatchTimeoutSeconds: 300,
      maxBackoffMs: 30_000,
      clock: systemClock,
      ...options,
    };
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
  }

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
    const { clock } = this.options;
    const signal = this.abort.signal;
    let failures = 0;
    let lastFailureAt = -Infinity;
    let resourceVersion: string | undefined;
    while (!signal.aborted) {
      try {
        if (!resourceVersion) {
          resourceVersion = await this.list();
          this.setState({ phase: 'synced' });
          this.resolveSynced();
        }
        resourceVersion = await this.watch(resourceVersion);
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        const failure = error instanceof FleetdeckError ? error : new FleetdeckError('unreachable', (error as Error).message);
        if (failure.code === 'gone') {
          resourceVersion = undefined; // history compacted: start over from a fresh list
          continue;
        }
        if (failure.code === 'forbidden' || failure.code === 'not-found') {
          const error = failure.code === 'forbidden' ? `forbidden: list ${this.what}` : `not served: ${this.what} (${failure.message})`;
          this.setState({ phase: 'failed', code: failure.code, error });
          this.resolveSynced();
          await clock.sleep(FAILED_RETRY_MS, signal);
          resourceVersion = undefined;
          continue;
        }
        const now = clock.now();
        if (now - lastFailureAt > BACKOFF_RESET_MS) failures = 0;
        lastFailureAt = now;
        const retryInMs = backoffDelay(failures++, { initialMs: 500, maxMs: this.options.maxBackoffMs }, clock.random());
        this.setState({ phase: 'reconnecting', error: failure.message, retryInMs });
        await clock.sleep(retryInMs, signal);
      }
    }
  }

  /** A paged list that replaces the store; returns the collection's resourceVersion. */
  private async list(): Promise<string> {
    const seen = new Map<string, T>();
    let page: ListPage<T> = { items: [], continue: '', resourceVersion: '' };
    do {
      page = await this.source.list({ limit: this.options.pageSize, continue: page.continue }, this.abort.signal);
      for (const item of page.items) seen.set(keyOf(item), this.options.transform(item));
    } while (page.continue);
    for (const [key, object] of this.store) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.changes.fire({ type: 'delete', object });
    }
    for (const [key, object] of seen) this.store.set(key, object);
    this.changes.fire({ type: 'resync' });
    return page.resourceVersion;
  }

  /** Watches from resourceVersion until the server ends the stream; returns the last resourceVersion seen. */
  private async watch(from: string): Promise<string> {
    let resourceVersion = from;
    const { clock, minWatchTimeoutSeconds } = this.options;
    const timeoutSeconds = Math.floor(minWatchTimeoutSeconds * (1 + clock.random()));
    const open = () => {
      if (this.state.phase !== 'synced') this.setState({ phase: 'synced' });
    };
    const event = (event: WatchEvent<T>) => {
      if (event.type === 'ERROR') throw event.error;
      if (event.type === 'BOOKMARK') {
        resourceVersion = event.resourceVersion || resourceVersion;
        return;
      }
      resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
      const object = this.options.transform(event.object);
      const key = keyOf(object);
      if (event.type === 'DELETED') {
        this.store.delete(key);
        this.changes.fire({ type: 'delete', object });
      } else {
        this.store.set(key, object);
        this.changes.fire({ type: 'upsert', object });
      }
    };
    await this.source.watch({ resourceVersion, timeoutSeconds }, { open, event }, this.abort.signal);
    return resourceVersion;
  }
}
