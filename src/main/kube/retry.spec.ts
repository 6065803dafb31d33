import { describe, expect, it } from 'vitest';
import { FleetdeckError } from '../../shared/errors.ts';
import type { Clock } from '../base/clock.ts';
import type { KubeResponse } from './http.ts';
import { withRetries } from './retry.ts';

/** A clock whose sleeps pass at once, recorded; random answers `random`. */
function fakeClock(random: number) {
  let now = 0;
  const sleeps: number[] = [];
  const clock: Clock = { now: () => now, random: () => random, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) };
  return { clock, sleeps };
}

/** Answers (or failures) in turn. */
const script = (...steps: (number | Error)[]) => {
  const sent: number[] = [];
  const send = async (): Promise<KubeResponse> => {
    const step = steps.shift()!;
    sent.push(1);
    if (step instanceof Error) throw step;
    return { status: step, body: `HTTP ${step}` };
  };
  return { send, sent };
};

const lost = () => new FleetdeckError('unreachable', 'cannot reach https://api: ECONNRESET');

describe('the retry policy', () => {
  it('sends again after 429 and 503, and says nothing may have been done twice', async () => {
    const { clock, sleeps } = fakeClock(0);
    const { send } = script(429, 503, 200);
    expect(await withRetries(send, { retryForMs: 10_000, clock })).toEqual({ status: 200, body: 'HTTP 200', resent: false });
    // jittered: half of each step with random 0 (steps 250, 500)
    expect(sleeps).toEqual([125, 250]);
  });

  it('marks an answer after a lost attempt or a gateway timeout as resent: a write may already be done', async () => {
    expect(await withRetries(script(504, 201).send, { retryForMs: 10_000, clock: fakeClock(0.5).clock })).toMatchObject({ status: 201, resent: true });
    expect(await withRetries(script(lost(), 201).send, { retryForMs: 10_000, clock: fakeClock(0.5).clock })).toMatchObject({ status: 201, resent: true });
  });

  it('throws a connection failure at once when the caller says not to wait (a cluster that never answered)', async () => {
    const { send, sent } = script(lost(), 200);
    await expect(withRetries(send, { retryForMs: 10_000, retryConnection: () => false, clock: fakeClock(0).clock })).rejects.toMatchObject({ code: 'unreachable' });
    expect(sent).toHaveLength(1);
  });

  it('never retries an answer that is final or a failure that is not the connection', async () => {
    expect(await withRetries(script(500, 200).send, { retryForMs: 10_000, clock: fakeClock(0).clock })).toMatchObject({ status: 500, resent: false });
    const tooLarge = new FleetdeckError('too-large', 'the answer is larger than 256 MiB');
    await expect(withRetries(script(tooLarge, 200).send, { retryForMs: 10_000, clock: fakeClock(0).clock })).rejects.toBe(tooLarge);
  });

  it('gives up after retryForMs with the last answer, backing off up to 5 s', async () => {
    const { clock, sleeps } = fakeClock(0.5);
    const { send } = script(...Array<number>(20).fill(503));
    const onRetry: string[] = [];
    expect(await withRetries(send, { retryForMs: 20_000, clock, onRetry: (reason) => onRetry.push(reason) })).toMatchObject({ status: 503 });
    // three quarters of each step (random 0.5): 250, 500, … doubling to 5000
    expect(sleeps).toEqual([188, 375, 750, 1_500, 3_000, 3_750, 3_750, 3_750, 3_750]);
    expect(onRetry.every((reason) => reason === 'HTTP 503')).toBe(true);
  });
});
