import { describe, expect, it } from 'vitest';
import { formatBytes, parseQuantity } from './quantity.ts';

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

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [1023, '1023 bytes'],
    [64 * 2 ** 10, '64 KiB'],
    [1536, '1.5 KiB'],
    [256 * 2 ** 20, '256 MiB'],
    [16 * 2 ** 20 + 300, '16.0 MiB'],
  ])('%d → %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});
