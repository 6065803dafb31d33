import { describe, expect, it } from 'vitest';
import { parseQuantity } from './quantity.ts';

describe('parseQuantity', () => {
  it.each([
    ['250m', 0.25],
    ['2', 2],
    ['1.5', 1.5],
    ['128Mi', 128 * 2 ** 20],
    ['16Gi', 16 * 2 ** 30],
    ['1G', 1e9],
    ['1e3', 1000],
    ['100k', 100_000],
  ])('%s → %d', (q, n) => expect(parseQuantity(q)).toBeCloseTo(n));

  it('refuses what is not a quantity', () => {
    expect(() => parseQuantity('12 apples')).toThrow('not a Kubernetes quantity: "12 apples"');
  });
});
