// Issue 18, red team F1: git operations run alone, file operations beside each other.
import { describe, expect, it } from 'vitest';
import { WorkTreeLock } from './work-tree-lock.ts';

/** A task that records when it starts and ends, and ends when told. */
function task(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    run: async () => {
      log.push(`${name} starts`);
      await done;
      log.push(`${name} ends`);
    },
    finish,
  };
}

/** Lets every promise that can settle do so. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkTreeLock', () => {
  it('runs shared tasks together, and an exclusive one only when none runs, before any shared task asked after it', async () => {
    const lock = new WorkTreeLock();
    const log: string[] = [];
    const [read, write, checkout, lateRead] = ['read', 'write', 'checkout', 'late read'].map((name) => task(log, name));
    const running = [lock.shared(read.run), lock.shared(write.run), lock.exclusive(checkout.run), lock.shared(lateRead.run)];
    await settle();
    expect(log).toEqual(['read starts', 'write starts']);
    read.finish();
    await settle();
    expect(log).toEqual(['read starts', 'write starts', 'read ends']);
    write.finish();
    await settle();
    expect(log.slice(3)).toEqual(['write ends', 'checkout starts']);
    checkout.finish();
    await settle();
    expect(log.slice(5)).toEqual(['checkout ends', 'late read starts']);
    lateRead.finish();
    await Promise.all(running);
  });

  it('runs exclusive tasks one at a time, and goes on after one fails', async () => {
    const lock = new WorkTreeLock();
    const log: string[] = [];
    const [first, second] = ['first', 'second'].map((name) => task(log, name));
    const failing = lock.exclusive(async () => {
      await first.run();
      throw new Error('git failed');
    });
    const next = lock.exclusive(second.run);
    await settle();
    expect(log).toEqual(['first starts']);
    first.finish();
    await expect(failing).rejects.toThrow('git failed');
    await settle();
    expect(log).toEqual(['first starts', 'first ends', 'second starts']);
    second.finish();
    await next;
  });
});
