import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContextChanges } from './context-changes.ts';

describe('ContextChanges', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('announces a lone change at once, and a storm at most once per interval', () => {
    const changes = new ContextChanges(100);
    const fired: string[][] = [];
    changes.event(({ contexts }) => fired.push(contexts));
    changes.add('a');
    changes.add('b', 'a');
    vi.advanceTimersByTime(0);
    expect(fired).toEqual([['a', 'b']]);

    changes.add('c');
    vi.advanceTimersByTime(50);
    changes.add('a');
    expect(fired).toHaveLength(1);
    vi.advanceTimersByTime(50);
    expect(fired).toEqual([['a', 'b'], ['c', 'a']]);

    vi.advanceTimersByTime(500);
    changes.add('b');
    vi.advanceTimersByTime(0);
    expect(fired.at(-1)).toEqual(['b']);
    changes.dispose();
  });

  it('drops what was pending when disposed, and announces what is added after', () => {
    const changes = new ContextChanges(100);
    const fired: string[][] = [];
    changes.event(({ contexts }) => fired.push(contexts));
    changes.add('a');
    changes.dispose();
    changes.add('b');
    vi.advanceTimersByTime(0);
    expect(fired).toEqual([['b']]);
    changes.dispose();
  });
});
