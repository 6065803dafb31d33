import { describe, expect, it } from 'vitest';
import { RATIO_FLOOR, valueDomain } from './axis.ts';

describe('valueDomain', () => {
  it('gives a ratio near 0 an axis up to the floor, not the chart default of 0..4 (400 %)', () => {
    expect(valueDomain('ratio', [0, 0, 0])).toEqual([0, RATIO_FLOOR]);
    expect(valueDomain('ratio', [0, 0.0004, 0.002])).toEqual([0, RATIO_FLOOR]);
    expect(valueDomain('ratio', [])).toEqual([0, RATIO_FLOOR]);
  });

  it('fits a ratio above the floor with some headroom, up to a round number', () => {
    expect(valueDomain('ratio', [0.05, 0.2])).toEqual([0, 0.25]);
    expect(valueDomain('ratio', [0.071])![1]).toBeCloseTo(0.08);
    expect(valueDomain('ratio', [0.0095])![1]).toBeCloseTo(0.012);
  });

  it('never goes beyond 100 % for a ratio, and ignores values that are not numbers', () => {
    expect(valueDomain('ratio', [0.95, 1])).toEqual([0, 1]);
    expect(valueDomain('ratio', [NaN, Infinity, 0.5])![1]).toBeCloseTo(0.6);
  });

  it('leaves other units to the chart', () => {
    expect(valueDomain('count', [0, 0])).toBeUndefined();
    expect(valueDomain('bytes', [1e9])).toBeUndefined();
  });
});
