import { describe, expect, it } from 'vitest';
import { prettyJson } from './pretty-json.ts';

const text = (value: object) => [...prettyJson(value)].join('');

describe('prettyJson', () => {
  it('writes exactly what JSON.stringify(value, null, 2) writes', () => {
    const values: object[] = [
      {},
      { state: 'Completed', counts: { created: 2, failed: 0 }, items: [], transforms: [] },
      { items: [{ kind: 'ConfigMap', name: 'a', reason: 'line one\nline two', nested: { list: [1, [2, {}], []] } }, null, 'text', 3, [4, 5]] },
      { skipped: undefined, fn: () => 1, kept: [undefined, () => 1], date: new Date(0), nothing: null, quote: 'say "hi"\t\\' },
    ];
    for (const value of values) expect(text(value)).toBe(JSON.stringify(value, null, 2));
  });

  it('yields a large array one element at a time', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ name: `obj-${i}` }));
    const pieces = [...prettyJson({ state: 'Completed', items })];
    expect(pieces.length).toBeGreaterThan(1000);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(100);
    expect(JSON.parse(pieces.join(''))).toEqual({ state: 'Completed', items });
  });
});
