// Waiting for a few objects to change without a tight poll: watches on their collections wake the
// waiter as soon as the API server reports something; the poll interval stays the fallback, for
// a watch the user may not open or one that drops.
import { sleep } from '../base/clock.ts';
import type { ClusterClient } from './cluster-client.ts';
import { kubeStream } from './http.ts';

export interface Changes {
  /** resolves after ms, or as soon as something changed since the last wait ended */
  wait(ms: number): Promise<void>;
  close(): void;
}

/** the server ends each watch after this; it is opened again a few seconds later, as one that failed */
const WATCH_SECONDS = 300;
const REOPEN_MS = 5_000;

/** Watches the collections (paths with their selectors, as for a list) until closed. */
export function watchChanges(client: ClusterClient, collections: string[]): Changes {
  const closed = new AbortController();
  let changed = false;
  let wake: (() => void) | undefined;
  const onChange = () => {
    changed = true;
    wake?.();
  };
  for (const path of collections) {
    const url = `${path}${path.includes('?') ? '&' : '?'}watch=true&timeoutSeconds=${WATCH_SECONDS}`;
    void (async () => {
      while (!closed.signal.aborted) {
        try {
          await kubeStream(client.kc, url, { onLine: onChange, signal: closed.signal, idleMs: (WATCH_SECONDS + 60) * 1000 });
        } catch {
          // polled instead until it opens again
        }
        await sleep(REOPEN_MS, closed.signal);
      }
    })();
  }
  return {
    wait: (ms) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake = undefined;
          changed = false;
          resolve();
        };
        const timer = setTimeout(done, changed ? 0 : ms);
        wake = done;
      }),
    close: () => closed.abort(),
  };
}
