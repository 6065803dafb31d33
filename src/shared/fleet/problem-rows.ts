import type { PodProblemRow, ProblemDelta } from '../contract/fleet.ts';

/** A row's identity: one pod of one cluster. */
export const problemKey = (row: PodProblemRow) => `${row.context}/${row.namespace}/${row.pod}`;

const ordinal = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/**
 * The problem table's order: worst first, then oldest, then by pod, cluster and namespace, so
 * that no two rows tie and a row's place in a window can be found from the row alone. Ordinal:
 * ISO timestamps and names sort right without locale rules, and far faster.
 */
export const compareProblems = (a: PodProblemRow, b: PodProblemRow) =>
  a.severity - b.severity || ordinal(a.since ?? '', b.since ?? '') || ordinal(a.pod, b.pod) || ordinal(a.context, b.context) || ordinal(a.namespace, b.namespace);

export interface ProblemFilter {
  context?: string;
  namespace?: string;
  /** matched against cluster, namespace, pod, reason, node and owner */
  query?: string;
}

/** The lower-cased text a problem row is searched by, computed once per row. */
const haystacks = new WeakMap<PodProblemRow, string>();

function haystackOf(p: PodProblemRow): string {
  let text = haystacks.get(p);
  if (text === undefined) {
    text = [p.context, p.namespace, p.pod, p.reason, p.node ?? '', p.owner ?? ''].join('\n').toLowerCase();
    haystacks.set(p, text);
  }
  return text;
}

/** The one definition of which rows a filter shows: main filters pages with it, the renderer places deltas with it. */
export function problemMatcher({ context, namespace, query }: ProblemFilter): ((row: PodProblemRow) => boolean) | undefined {
  const needle = query?.trim().toLowerCase();
  if (!context && !namespace && !needle) return undefined;
  return (p) => (!context || p.context === context) && (!namespace || p.namespace === namespace) && (!needle || haystackOf(p).includes(needle));
}

/** Rows are flat records of strings and numbers: equal when every field is. */
function sameRow(a: PodProblemRow, b: PodProblemRow): boolean {
  const fields = Object.keys(a) as (keyof PodProblemRow)[];
  return fields.length === Object.keys(b).length && fields.every((f) => a[f] === b[f]);
}

/** What turns `before` into `after`: rows that appeared or changed (as they are now), rows that went or changed (as they were). */
export function diffProblemRows(before: readonly PodProblemRow[], after: readonly PodProblemRow[]): Pick<ProblemDelta, 'upserted' | 'removed'> {
  // a cache hands back the row object of a pod that did not change: only the others are keyed and compared
  const stillThere = new Set(after);
  const alreadyThere = new Set(before);
  const old = new Map(before.filter((row) => !stillThere.has(row)).map((row) => [problemKey(row), row]));
  const upserted: PodProblemRow[] = [];
  const removed: PodProblemRow[] = [];
  for (const row of after) {
    if (alreadyThere.has(row)) continue;
    const key = problemKey(row);
    const was = old.get(key);
    old.delete(key);
    if (was && sameRow(was, row)) continue;
    if (was) removed.push(was);
    upserted.push(row);
  }
  removed.push(...old.values());
  return { upserted, removed };
}
