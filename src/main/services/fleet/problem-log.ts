import type { PodProblemRow, ProblemDelta } from '../../../shared/contract/fleet.ts';
import { compareProblems, diffProblemRows } from '../../../shared/fleet/problem-rows.ts';

/** Each cluster's rows come sorted: one linear merge instead of sorting the whole fleet again. */
function mergeSorted(lists: readonly PodProblemRow[][]): PodProblemRow[] {
  const merged: PodProblemRow[] = [];
  const at = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      if (at[i] < lists[i].length && (best < 0 || compareProblems(lists[i][at[i]], lists[best][at[best]]) < 0)) best = i;
    }
    if (best < 0) return merged;
    merged.push(lists[best][at[best]++]);
  }
}

/**
 * What turns a cluster's sorted rows `before` into `after`. A cache hands back the row object of a
 * pod that did not change, at its place in the order: one walk over both lists sets aside the rows
 * that are not shared, and only those few are keyed and compared.
 */
function diffSorted(before: readonly PodProblemRow[], after: readonly PodProblemRow[]): Pick<ProblemDelta, 'upserted' | 'removed'> {
  const gone: PodProblemRow[] = [];
  const come: PodProblemRow[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const was = before[i];
    const is = after[j];
    if (was === is) {
      i++;
      j++;
    } else if (is === undefined || (was !== undefined && compareProblems(was, is) < 0)) {
      gone.push(was);
      i++;
    } else {
      come.push(is);
      j++;
    }
  }
  return diffProblemRows(gone, come);
}

/** A delta of more rows (a cluster's first list, a fleet-wide storm) is sent without them: fetching the pages shown costs less. */
export const MAX_DELTA_ROWS = 1000;

/**
 * The fleet's problem list, versioned: each time a cluster's rows differ from the last ones
 * recorded, the list gets a new version and the delta from the previous one is returned, so that
 * a renderer holding pages of that version patches them instead of fetching them again. Under
 * churn a version goes by every few tens of milliseconds: the merged list is built only when asked.
 */
export class ProblemLog {
  private version = 0;
  private byContext = new Map<string, PodProblemRow[]>();
  private merged?: PodProblemRow[];

  /** Records `current` (each cluster's sorted rows): its version, and the delta when that is new. */
  record(current: ReadonlyMap<string, PodProblemRow[]>): { version: number; delta?: ProblemDelta } {
    const upserted: PodProblemRow[] = [];
    const removed: PodProblemRow[] = [];
    for (const [context, rows] of current) {
      const before = this.byContext.get(context);
      // unchanged rows come back as the same array: only a cluster that changed is compared
      if (before === rows) continue;
      const diff = diffSorted(before ?? [], rows);
      upserted.push(...diff.upserted);
      removed.push(...diff.removed);
    }
    for (const [context, rows] of this.byContext) if (!current.has(context)) removed.push(...rows);
    const changedArrays = current.size !== this.byContext.size || [...current].some(([context, rows]) => this.byContext.get(context) !== rows);
    if (changedArrays) {
      this.byContext = new Map(current);
      this.merged = undefined;
    }
    if (!upserted.length && !removed.length) return { version: this.version };
    const from = this.version++;
    const delta = upserted.length + removed.length > MAX_DELTA_ROWS ? { from, to: this.version, upserted: [], removed: [], omitted: true as const } : { from, to: this.version, upserted, removed };
    return { version: this.version, delta };
  }

  /** The list as last recorded, in the table's order (compareProblems). */
  rows(): PodProblemRow[] {
    this.merged ??= mergeSorted([...this.byContext.values()]);
    return this.merged;
  }
}
