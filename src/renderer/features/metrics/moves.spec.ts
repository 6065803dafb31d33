import { describe, expect, it } from 'vitest';
import type { TaskDetail, TaskInfo } from '../../../shared/contract/jobs.ts';
import type { HistoryReport } from '../../../shared/monitoring/history.ts';
import { markersOf, movedTasks, moveMarkers } from './moves.ts';

const info = (id: string, extra: Partial<TaskInfo> = {}): TaskInfo => ({ id, kind: 'migrate', title: id, state: 'Completed', progress: { phase: 'done', done: 0 }, startedAt: '2026-12-01T00:00:00Z', cancellable: false, resumable: false, dryRun: false, ...extra });
const metrics = (extra: Partial<HistoryReport> = {}): HistoryReport => ({
  state: 'Completed',
  series: 3,
  samples: 100,
  seconds: 2,
  range: { start: '2026-11-01T10:00:00.000Z', end: '2026-12-01T10:00:00.000Z' },
  target: { receiver: true, outOfOrderWindowSeconds: 31 * 86_400, problems: [] },
  skipped: { series: 0, samples: 0 },
  staleMarkers: 0,
  namespaces: ['shop-eu', 'payments'],
  ...extra,
});
const detail = (extra: Partial<TaskDetail> = {}, report: Partial<NonNullable<TaskDetail['report']>> = {}): TaskDetail => ({
  info: info('t1'),
  report: { state: 'Completed', counts: { created: 1, updated: 0, unchanged: 0, skipped: 0, failed: 0 }, items: [], transforms: [], metrics: metrics(), ...report },
  migration: { fromContext: 'gke-lab', toContext: 'eks-lab' },
  ...extra,
});
const move = Date.parse('2026-12-01T10:00:00.000Z') / 1000;

describe('moveMarkers', () => {
  it('marks each namespace whose history was carried, as the target names it, on the target at the end of the copied history', () => {
    expect(moveMarkers([detail()])).toEqual([
      { context: 'eks-lab', namespace: 'shop-eu', t: move, label: 'moved from gke-lab' },
      { context: 'eks-lab', namespace: 'payments', t: move, label: 'moved from gke-lab' },
    ]);
  });

  it('leaves out plans, migrations without history and backups; says when the history did not arrive', () => {
    expect(moveMarkers([detail({}, { metrics: undefined }), detail({}, { dryRun: true }), detail({}, { metrics: metrics({ dryRun: true }) }), detail({ migration: undefined })])).toEqual([]);
    expect(moveMarkers([detail({}, { state: 'PartiallyFailed', metrics: metrics({ state: 'Failed', error: 'x' }) })])[0].label).toBe('moved from gke-lab (history not copied)');
  });
});

describe('movedTasks', () => {
  it('keeps the migrations that ran and went through at least in part', () => {
    const tasks = [info('a'), info('b', { dryRun: true }), info('c', { state: 'Failed' }), info('d', { kind: 'restore' }), info('e', { state: 'PartiallyFailed' }), info('f', { state: 'running' })];
    expect(movedTasks(tasks).map((t) => t.id)).toEqual(['a', 'e']);
  });
});

describe('markersOf', () => {
  it('gives the markers of the scoped namespace on the charted clusters only, none for whole clusters', () => {
    const markers = moveMarkers([detail()]);
    expect(markersOf(markers, 'shop-eu', ['aks-lab', 'eks-lab'])).toHaveLength(1);
    expect(markersOf(markers, 'shop-eu', ['aks-lab'])).toEqual([]);
    expect(markersOf(markers, 'shop', ['eks-lab'])).toEqual([]);
    expect(markersOf(markers, undefined, ['eks-lab'])).toEqual([]);
  });
});
