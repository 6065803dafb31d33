/** Time as a loop sees it; injected so that a loop's spec runs without waiting. */
export interface Clock {
  now(): number;
  /** resolves after ms, or at once when the signal aborts */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** in [0, 1), for jitter */
  random(): number;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => (clearTimeout(timer), signal?.removeEventListener('abort', done), resolve());
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export const systemClock: Clock = { now: () => Date.now(), sleep, random: () => Math.random() };

/** The wait before retry number `attempt` (0 first): a step doubling from initialMs to maxMs, jittered to between half and all of it. */
export function backoffDelay(attempt: number, { initialMs, maxMs }: { initialMs: number; maxMs: number }, random: number): number {
  const step = Math.min(initialMs * 2 ** attempt, maxMs);
  return Math.round(step / 2 + (random * step) / 2);
}

/** The promise's outcome, or 'late' once ms have passed (the promise itself goes on). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
