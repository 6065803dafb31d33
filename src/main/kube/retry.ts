import { FleetdeckError } from '../../shared/errors.ts';
import { backoffDelay, systemClock, type Clock } from '../base/clock.ts';
import type { KubeResponse } from './http.ts';

/** Answers that say "not now": the server (or a proxy in front of it) may answer the same request later. */
const retriedStatus = new Set([429, 502, 503, 504]);
/** Gateway answers that may come after the server behind did the work. */
const mayHaveReached = new Set([502, 504]);
/** Failures of the connection, not of the answer (a too-large answer stays too large). */
const transient = new Set(['unreachable', 'timeout']);

export interface RetryPolicy {
  /** no attempt starts later than this after the first */
  retryForMs: number;
  /** whether a connection failure is worth another attempt now (a cluster that never answered is not waited for) */
  retryConnection?: () => boolean;
  /** told why each retry happens */
  onRetry?: (reason: string) => void;
  clock?: Clock;
}

export interface Retried extends KubeResponse {
  /** an earlier attempt was lost after it may have reached the server: a write may already be done */
  resent: boolean;
}

/** An answer that says "not now", thrown inside withRetries so that retrying sends again. */
class NotNow extends Error {
  readonly response: KubeResponse;
  constructor(response: KubeResponse) {
    super(`HTTP ${response.status}`);
    this.response = response;
  }
}

/**
 * The one retry policy: runs work again while it cannot reach its server, or the server says "not
 * now" (429, 502, 503, 504: withRetries), with jittered exponential backoff (250 ms doubling to
 * 5 s, each wait between half and all of its step), until retryForMs has passed; the last failure
 * is thrown. For work that is more than one request, such as a streamed read cut off midway.
 */
export async function retrying<T>(work: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const clock = policy.clock ?? systemClock;
  const deadline = clock.now() + policy.retryForMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const retried = error instanceof NotNow || (error instanceof FleetdeckError && transient.has(error.code) && (policy.retryConnection?.() ?? true));
      if (!retried || clock.now() >= deadline) throw error;
      policy.onRetry?.((error as Error).message);
    }
    await clock.sleep(backoffDelay(attempt, { initialMs: 250, maxMs: 5_000 }, clock.random()));
  }
}

/** One request, retried as `retrying` says. The last answer is returned whatever its status; the last connection failure is thrown. */
export async function withRetries(send: () => Promise<KubeResponse>, policy: RetryPolicy): Promise<Retried> {
  let resent = false;
  let lost = false;
  try {
    const res = await retrying(async () => {
      // the attempt before this one was lost after it may have reached the server
      resent ||= lost;
      let res: KubeResponse;
      try {
        res = await send();
      } catch (error) {
        lost = true;
        throw error;
      }
      lost = mayHaveReached.has(res.status);
      if (retriedStatus.has(res.status)) throw new NotNow(res);
      return res;
    }, policy);
    return { ...res, resent };
  } catch (error) {
    if (error instanceof NotNow) return { ...error.response, resent };
    throw error;
  }
}
