import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { labRules, rulePack } from './monitoring.ts';

type Pack = { groups: { rules: { alert?: string; for?: string; expr: string }[] }[] };

describe('lab rule pack', () => {
  it('keeps every rule and expression and shortens the mixin `for` durations (all ≥ 1m) to 30s', () => {
    const original = parse(readFileSync(rulePack, 'utf8')) as Pack;
    const lab = parse(labRules()) as Pack;
    const flat = (p: Pack) => p.groups.flatMap((g) => g.rules);
    expect(flat(lab).map((r) => [r.alert, r.expr])).toEqual(flat(original).map((r) => [r.alert, r.expr]));
    for (const [i, rule] of flat(lab).entries()) {
      const before = flat(original)[i].for;
      expect(rule.for, rule.alert).toBe(before === undefined ? undefined : '30s');
    }
    expect(flat(lab).find((r) => r.alert === 'KubePodCrashLooping')?.for).toBe('30s');
  });
});
