import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce } from './coalesce.ts';

describe('coalesce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** A run that takes 30 ms and records when it started. */
  const runs: number[] = [];
  const run = () => {
    runs.push(Date.now());
    return new Promise((resolve) => setTimeout(resolve, 30));
  };
  beforeEach(() => {
    runs.length = 0;
  });

  it('runs at once, gathers the triggers that come meanwhile into one more run after the gap', async () => {
    const c = coalesce(run, 100);
    const t0 = Date.now();
    c.trigger();
    expect(runs).toEqual([t0]);
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(5);
      c.trigger();
    }
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toEqual([t0, t0 + 100]);
  });

  it('runs at once again when triggered after the gap', async () => {
    const c = coalesce(run, 100);
    const t0 = Date.now();
    c.trigger();
    await vi.advanceTimersByTimeAsync(150);
    c.trigger();
    expect(runs).toEqual([t0, t0 + 150]);
  });

  it('keeps going after a run fails, and not at all once stopped', async () => {
    let fail = true;
    const c = coalesce(() => (runs.push(Date.now()), fail ? Promise.reject(new Error('offline')) : Promise.resolve()), 50);
    c.trigger();
    await vi.advanceTimersByTimeAsync(60);
    fail = false;
    c.trigger();
    expect(runs).toHaveLength(2);
    c.stop();
    await vi.advanceTimersByTimeAsync(60);
    c.trigger();
    expect(runs).toHaveLength(2);
  });
});
