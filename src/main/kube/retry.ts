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

/**
 * The one retry policy: sends again while the server is unreachable or says "not now" (429, 502,
 * 503, 504), with jittered exponential backoff (250 ms doubling to 5 s, each wait between half and
 * all of its step), until retryForMs has passed. The last answer is returned whatever its status;
 * the last connection failure is thrown.
 */
export async function withRetries(send: () => Promise<KubeResponse>, policy: RetryPolicy): Promise<Retried> {
  const clock = policy.clock ?? systemClock;
  const deadline = clock.now() + policy.retryForMs;
  let resent = false;
  for (let attempt = 0; ; attempt++) {
    let reason: string;
    try {
      const res = await send();
      if (!retriedStatus.has(res.status) || clock.now() >= deadline) return { ...res, resent };
      reason = `HTTP ${res.status}`;
      resent ||= mayHaveReached.has(res.status);
    } catch (error) {
      const retried = error instanceof FleetdeckError && transient.has(error.code) && (policy.retryConnection?.() ?? true);
      if (!retried || clock.now() >= deadline) throw error;
      reason = error.message;
      resent = true;
    }
    policy.onRetry?.(reason);
    await clock.sleep(backoffDelay(attempt, { initialMs: 250, maxMs: 5_000 }, clock.random()));
  }
}
