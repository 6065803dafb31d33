import { describe, expect, it } from 'vitest';
import type { PodProblemRow } from '../../../shared/contract/fleet.ts';
import { compareProblems, diffProblemRows } from '../../../shared/fleet/problem-rows.ts';
import { MAX_DELTA_ROWS, ProblemLog } from './problem-log.ts';

const row = (context: string, pod: string, severity: number, restarts = 1): PodProblemRow => ({
  context,
  cloud: 'aks',
  namespace: 'default',
  pod,
  reason: 'CrashLoopBackOff',
  severity,
  restarts,
  since: '2026-12-01T00:00:00Z',
  message: '',
  hint: '',
});

describe('the versioned problem list', () => {
  it('merges the clusters in order and starts a version, with a delta, only when rows changed', () => {
    const log = new ProblemLog();
    const aks = [row('aks', 'a', 1), row('aks', 'b', 3)];
    const gke = [row('gke', 'c', 2)];
    const first = log.record(new Map([['aks', aks], ['gke', gke]]));
    const rows = log.rows();
    expect(rows.map((r) => r.pod)).toEqual(['a', 'c', 'b']);
    expect(first.delta).toEqual({ from: 0, to: 1, upserted: [...aks, ...gke], removed: [] });

    // the same arrays, or the same rows classified again (new objects): no new version
    expect(log.record(new Map([['aks', aks], ['gke', gke]]))).toEqual({ version: 1 });
    expect(log.rows()).toBe(rows);
    expect(log.record(new Map([['aks', aks.map((r) => ({ ...r }))], ['gke', gke]]))).toEqual({ version: 1 });
    expect(log.rows()).toEqual(rows);

    const changed = row('aks', 'b', 3, 2);
    const second = log.record(new Map([['aks', [aks[0], changed]], ['gke', gke]]));
    expect(second.delta).toEqual({ from: 1, to: 2, upserted: [changed], removed: [aks[1]] });
    expect(log.rows().map((r) => r.restarts)).toEqual([1, 1, 2]);
  });

  it('sends a delta of more rows than an event carries without them', () => {
    const log = new ProblemLog();
    const many = Array.from({ length: MAX_DELTA_ROWS + 1 }, (_, i) => row('aks', `p-${String(i).padStart(5, '0')}`, 2));
    const { version, delta } = log.record(new Map([['aks', many]]));
    expect(log.rows()).toHaveLength(MAX_DELTA_ROWS + 1);
    expect(delta).toEqual({ from: 0, to: version, upserted: [], removed: [], omitted: true });
    expect(log.record(new Map([['aks', [...many.slice(1)]]])).delta?.removed).toEqual([many[0]]);
  });

  it('removes the rows of a cluster that is no longer watched', () => {
    const log = new ProblemLog();
    const gke = [row('gke', 'c', 2)];
    log.record(new Map([['aks', [row('aks', 'a', 1)]], ['gke', gke]]));
    const { version, delta } = log.record(new Map([['gke', gke]]));
    expect(log.rows()).toEqual(gke);
    expect(version).toBe(2);
    expect(delta?.removed.map((r) => r.pod)).toEqual(['a']);
  });
});

describe('the delta of a cluster whose rows changed one by one', () => {
  it('names the rows that came, changed and went, as a diff of the whole lists does', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const sorted = (rows: PodProblemRow[]) => [...rows].sort(compareProblems);
    let rows = sorted(Array.from({ length: 60 }, (_, i) => row('aks', `p-${i}`, 1 + Math.floor(random() * 3), 1 + Math.floor(random() * 3))));
    const log = new ProblemLog();
    log.record(new Map([['aks', rows]]));
    for (let step = 0; step < 200; step++) {
      // as a cache does: the rows of pods that did not change stay the same objects
      const next = rows.filter(() => random() > 0.05).map((r) => (random() < 0.05 ? row('aks', r.pod, 1 + Math.floor(random() * 3), r.restarts + 1) : random() < 0.05 ? { ...r } : r));
      if (random() < 0.5) next.push(row('aks', `new-${step}`, 2));
      const after = sorted(next);
      const { delta } = log.record(new Map([['aks', after]]));
      const expected = diffProblemRows(rows, after);
      expect(delta?.upserted ?? []).toEqual(expect.arrayContaining(expected.upserted));
      expect(delta?.upserted.length ?? 0).toBe(expected.upserted.length);
      expect(delta?.removed ?? []).toEqual(expect.arrayContaining(expected.removed));
      expect(delta?.removed.length ?? 0).toBe(expected.removed.length);
      expect(log.rows()).toBe(log.rows());
      expect(log.rows()).toEqual(after);
      rows = after;
    }
  });
});
