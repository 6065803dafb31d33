import { describe, expect, it } from 'vitest';
import type { PodProblemRow } from '../../../shared/contract/fleet.ts';
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
    expect(first.rows.map((r) => r.pod)).toEqual(['a', 'c', 'b']);
    expect(first.delta).toEqual({ from: 0, to: 1, upserted: [...aks, ...gke], removed: [] });

    // the same arrays, or the same rows classified again (new objects): no new version
    expect(log.record(new Map([['aks', aks], ['gke', gke]]))).toEqual({ rows: first.rows, version: 1 });
    expect(log.record(new Map([['aks', aks.map((r) => ({ ...r }))], ['gke', gke]]))).toEqual({ rows: first.rows, version: 1 });

    const changed = row('aks', 'b', 3, 2);
    const second = log.record(new Map([['aks', [aks[0], changed]], ['gke', gke]]));
    expect(second.delta).toEqual({ from: 1, to: 2, upserted: [changed], removed: [aks[1]] });
    expect(second.rows.map((r) => r.restarts)).toEqual([1, 1, 2]);
  });

  it('sends a delta of more rows than an event carries without them', () => {
    const log = new ProblemLog();
    const many = Array.from({ length: MAX_DELTA_ROWS + 1 }, (_, i) => row('aks', `p-${String(i).padStart(5, '0')}`, 2));
    const { rows, version, delta } = log.record(new Map([['aks', many]]));
    expect(rows).toHaveLength(MAX_DELTA_ROWS + 1);
    expect(delta).toEqual({ from: 0, to: version, upserted: [], removed: [], omitted: true });
    expect(log.record(new Map([['aks', [...many.slice(1)]]])).delta?.removed).toEqual([many[0]]);
  });

  it('removes the rows of a cluster that is no longer watched', () => {
    const log = new ProblemLog();
    const gke = [row('gke', 'c', 2)];
    log.record(new Map([['aks', [row('aks', 'a', 1)]], ['gke', gke]]));
    const { rows, version, delta } = log.record(new Map([['gke', gke]]));
    expect(rows).toEqual(gke);
    expect(version).toBe(2);
    expect(delta?.removed.map((r) => r.pod)).toEqual(['a']);
  });
});
