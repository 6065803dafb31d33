import { describe, expect, it } from 'vitest';
import { age, duration, gib, percent } from './format.ts';

describe('format', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

  it('says an age in the largest unit that keeps two digits', () => {
    expect(age(ago(45), now)).toBe('45s');
    expect(age(ago(119), now)).toBe('119s');
    expect(age(ago(12 * 60), now)).toBe('12m');
    expect(age(ago(5 * 3600), now)).toBe('5h');
    expect(age(ago(3 * 86400), now)).toBe('3d');
  });

  it('says nothing for no time, and 0s for a time in the future', () => {
    expect(age(undefined, now)).toBe('');
    expect(age(ago(-30), now)).toBe('0s');
  });

  it('gives percentages and GiB', () => {
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 0)).toBe(0);
    expect(gib(3 * 2 ** 30 + 2 ** 29)).toBe('3.5 GiB');
  });

  it('says a duration in its two largest units', () => {
    expect(duration(0)).toBe('0 s');
    expect(duration(44.6)).toBe('45 s');
    expect(duration(60)).toBe('1 min');
    expect(duration(12 * 60 + 3)).toBe('12 min 3 s');
    expect(duration(2 * 3600 + 5 * 60 + 59)).toBe('2 h 5 min');
    expect(duration(3600)).toBe('1 h');
    expect(duration(-5)).toBe('0 s');
  });
});
