import { describe, expect, it } from 'vitest';
import type { PodProblemRow, ProblemsPage } from '../../../shared/contract/fleet.ts';
import { compareProblems, diffProblemRows, problemMatcher, type ProblemFilter } from '../../../shared/fleet/problem-rows.ts';
import { applyProblemDelta } from './problem-delta.ts';

/** A broken pod; `age` orders rows of one severity (older first). */
const row = (pod: string, { severity = 2, age = 0, context = 'aks-lab', namespace = 'payments', reason = 'CrashLoopBackOff' as PodProblemRow['reason'] } = {}): PodProblemRow => ({
  context,
  cloud: 'aks',
  namespace,
  pod,
  reason,
  severity,
  restarts: 3,
  since: new Date(Date.UTC(2026, 0, 1, 0, 0, 1000 - age)).toISOString(),
  message: '',
  hint: 'look at the logs',
});

/** What main answers for a filter and window: the oracle every patched page is held to. */
function cut(list: PodProblemRow[], filter: ProblemFilter, offset: number, limit: number, version: number): ProblemsPage {
  const matches = problemMatcher(filter);
  const rows = [...list].sort(compareProblems).filter((r) => !matches || matches(r));
  return { total: rows.length, offset, rows: rows.slice(offset, offset + limit), version };
}

/** The delta main sends for a change from `before` to `after`. */
const deltaOf = (before: PodProblemRow[], after: PodProblemRow[], from = 1) => ({ from, to: from + 1, ...diffProblemRows(before, after) });

const LIMIT = 3;
const fleet = Array.from({ length: 9 }, (_, i) => row(`pod-${i}`, { age: 100 - i }));

describe('applying a problem delta to a cached page', () => {
  it('patches a row that changes in place, in every window that holds it', () => {
    const after = fleet.map((r) => (r.pod === 'pod-4' ? { ...r, restarts: 9 } : r));
    for (const offset of [0, 3, 6]) {
      const patched = applyProblemDelta(cut(fleet, {}, offset, LIMIT, 1), {}, deltaOf(fleet, after), LIMIT);
      expect(patched).toEqual(cut(after, {}, offset, LIMIT, 2));
    }
  });

  it('adds a row inside the window and lets the last one go to the next page; the total counts it', () => {
    const after = [...fleet, row('new', { age: 95.5 })]; // between pod-4 and pod-5
    expect(applyProblemDelta(cut(fleet, {}, 3, LIMIT, 1), {}, deltaOf(fleet, after), LIMIT)).toEqual(cut(after, {}, 3, LIMIT, 2));
    // the window before it only learns the new total
    expect(applyProblemDelta(cut(fleet, {}, 0, LIMIT, 1), {}, deltaOf(fleet, after), LIMIT)).toEqual(cut(after, {}, 0, LIMIT, 2));
  });

  it('appends to the window at the end of the list, up to a page', () => {
    const short = fleet.slice(0, 7);
    const after = [...short, row('newest', { age: 0 })];
    expect(applyProblemDelta(cut(short, {}, 6, LIMIT, 1), {}, deltaOf(short, after), LIMIT)).toEqual(cut(after, {}, 6, LIMIT, 2));
  });

  it('shows a row appearing in an empty filtered table (the benchmark probe) and going again', () => {
    const filter = { query: 'latency-probe' };
    const probe = row('latency-probe', { severity: 1, reason: 'Evicted' as PodProblemRow['reason'] });
    const after = [...fleet, probe];
    const shown = applyProblemDelta(cut(fleet, filter, 0, LIMIT, 1), filter, deltaOf(fleet, after), LIMIT);
    expect(shown).toEqual(cut(after, filter, 0, LIMIT, 2));
    expect(shown?.rows.map((r) => r.pod)).toEqual(['latency-probe']);
    expect(applyProblemDelta(shown!, filter, deltaOf(after, fleet, 2), LIMIT)).toEqual(cut(fleet, filter, 0, LIMIT, 3));
  });

  it('leaves a page alone when no changed row matches its filter, but keeps its version current', () => {
    const filter: ProblemFilter = { context: 'gke-lab' };
    const gke = [row('g-1', { context: 'gke-lab' }), row('g-2', { context: 'gke-lab', age: 50 })];
    const before = [...fleet, ...gke];
    const after = [...before, row('other', { age: 1 })];
    expect(applyProblemDelta(cut(before, filter, 0, LIMIT, 1), filter, deltaOf(before, after), LIMIT)).toEqual(cut(after, filter, 0, LIMIT, 2));
  });

  it('asks for a refetch when the window shifts: a row added or removed before it', () => {
    const worse = [...fleet, row('worse', { severity: 1 })];
    expect(applyProblemDelta(cut(fleet, {}, 3, LIMIT, 1), {}, deltaOf(fleet, worse), LIMIT)).toBeUndefined();
    const fewer = fleet.filter((r) => r.pod !== 'pod-0');
    expect(applyProblemDelta(cut(fleet, {}, 3, LIMIT, 1), {}, deltaOf(fleet, fewer), LIMIT)).toBeUndefined();
  });

  it('asks for a refetch when a row leaves a full window whose next row it does not know', () => {
    const fewer = fleet.filter((r) => r.pod !== 'pod-4');
    expect(applyProblemDelta(cut(fleet, {}, 3, LIMIT, 1), {}, deltaOf(fleet, fewer), LIMIT)).toBeUndefined();
    // at the end of the list nothing follows: the row just goes
    expect(applyProblemDelta(cut(fleet, {}, 6, LIMIT, 1), {}, deltaOf(fleet, fleet.filter((r) => r.pod !== 'pod-7')), LIMIT)).toEqual(
      cut(fleet.filter((r) => r.pod !== 'pod-7'), {}, 6, LIMIT, 2),
    );
  });

  it('moves a row whose severity changed, or asks for a refetch when it moves across the window edge', () => {
    const within = fleet.map((r) => (r.pod === 'pod-5' ? { ...r, since: row('x', { age: 96.5 }).since } : r)); // now between pod-3 and pod-4
    expect(applyProblemDelta(cut(fleet, {}, 3, LIMIT, 1), {}, deltaOf(fleet, within), LIMIT)).toEqual(cut(within, {}, 3, LIMIT, 2));
    const across = fleet.map((r) => (r.pod === 'pod-5' ? { ...r, severity: 1 } : r));
    expect(applyProblemDelta(cut(fleet, {}, 3, LIMIT, 1), {}, deltaOf(fleet, across), LIMIT)).toBeUndefined();
  });

  it('asks for a refetch when a version was missed, and ignores a delta the page already has', () => {
    const after = [...fleet, row('new', { age: 95.5 })];
    expect(applyProblemDelta(cut(fleet, {}, 3, LIMIT, 1), {}, deltaOf(fleet, after, 2), LIMIT)).toBeUndefined();
    const current = cut(after, {}, 3, LIMIT, 2);
    expect(applyProblemDelta(current, {}, deltaOf(fleet, after, 1), LIMIT)).toBe(current);
    // a delta too large to carry its rows
    expect(applyProblemDelta(cut(fleet, {}, 3, LIMIT, 1), {}, { from: 1, to: 2, upserted: [], removed: [], omitted: true }, LIMIT)).toBeUndefined();
  });

  it('keeps an empty window past the end empty, or refetches it when the list grows into it', () => {
    const past = cut(fleet, {}, 9, LIMIT, 1);
    expect(applyProblemDelta(past, {}, deltaOf(fleet, fleet.slice(1)), LIMIT)).toEqual(cut(fleet.slice(1), {}, 9, LIMIT, 2));
    expect(applyProblemDelta(past, {}, deltaOf(fleet, [...fleet, row('new')]), LIMIT)).toBeUndefined();
  });

  it('matches main on random changes: every patched page equals the page cut afresh', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let list = fleet;
    let patched = 0;
    for (let round = 0; round < 300; round++) {
      const after = list
        .filter(() => random() > 0.1)
        .map((r) => (random() < 0.15 ? { ...r, severity: 1 + Math.floor(random() * 3), restarts: r.restarts + 1 } : r));
      while (random() < 0.3) after.push(row(`p-${round}-${after.length}`, { severity: 1 + Math.floor(random() * 3), age: random() * 200, context: random() < 0.5 ? 'aks-lab' : 'gke-lab' }));
      for (const filter of [{}, { context: 'gke-lab' }, { query: 'p-1' }]) {
        for (const offset of [0, LIMIT, 2 * LIMIT]) {
          const page = applyProblemDelta(cut(list, filter, offset, LIMIT, 1), filter, deltaOf(list, after), LIMIT);
          if (page) {
            patched++;
            expect(page).toEqual(cut(after, filter, offset, LIMIT, 2));
          }
        }
      }
      list = after;
    }
    // most changes are patched, not refetched
    expect(patched).toBeGreaterThan(300 * 9 * 0.3);
  });
});
