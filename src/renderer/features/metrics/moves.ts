import type { TaskDetail, TaskInfo } from '../../../shared/contract/jobs.ts';

/** A migration that carried metrics history, as a mark on the target's charts of the namespace it moved into. */
export interface MoveMarker {
  context: string;
  namespace: string;
  /** the move: the end of the copied history, in seconds since the epoch */
  t: number;
  label: string;
}

/** The tasks whose details can hold a move: migrations that ran (not plans) and went through at least in part. */
export const movedTasks = (tasks: TaskInfo[]) => tasks.filter((t) => t.kind === 'migrate' && !t.dryRun && (t.state === 'Completed' || t.state === 'PartiallyFailed'));

/** One marker per namespace a migration with metrics history moved, on its target cluster, at the moment of the move. */
export function moveMarkers(details: TaskDetail[]): MoveMarker[] {
  return details.flatMap(({ report, migration }) => {
    const metrics = report?.metrics;
    if (!migration || !metrics || metrics.dryRun || report.dryRun) return [];
    const t = Date.parse(metrics.range.end) / 1000;
    const label = `moved from ${migration.fromContext}${metrics.state === 'Failed' ? ' (history not copied)' : ''}`;
    return (metrics.namespaces ?? []).map((namespace) => ({ context: migration.toContext, namespace, t, label }));
  });
}

/** The markers of one namespace on the charted clusters. */
export const markersOf = (markers: MoveMarker[], namespace: string | undefined, contexts: string[]) => (namespace ? markers.filter((m) => m.namespace === namespace && contexts.includes(m.context)) : []);
