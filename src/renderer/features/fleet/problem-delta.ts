import type { PodProblemRow, ProblemDelta, ProblemsPage } from '../../../shared/contract/fleet.ts';
import { compareProblems, problemKey, problemMatcher, type ProblemFilter } from '../../../shared/fleet/problem-rows.ts';

const everyRow = () => true;

/**
 * A cached page of the problem table after `delta`, or undefined when it must be fetched again:
 * the delta does not follow the page's version (one was missed) or came without its rows, rows moved in or out before the
 * window (it shifted), or rows left a window that is not the list's end (the rows after it are
 * not known here). Rows are placed by compareProblems, the order main cuts its pages in.
 */
export function applyProblemDelta(page: ProblemsPage, filter: ProblemFilter, delta: ProblemDelta, limit: number): ProblemsPage | undefined {
  if (page.version >= delta.to) return page;
  if (page.version !== delta.from || delta.omitted) return undefined;
  const matches = problemMatcher(filter) ?? everyRow;
  const removed = delta.removed.filter(matches);
  const upserted = delta.upserted.filter(matches);
  const total = page.total - removed.length + upserted.length;
  const { rows, offset } = page;
  const version = delta.to;
  if (!rows.length) {
    // a window past the list's end stays empty unless the list grows into it
    if (offset > 0) return total > offset ? undefined : { ...page, total, version };
    return removed.length ? undefined : { ...page, total, rows: [...upserted].sort(compareProblems).slice(0, limit), version };
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  const reachesEnd = offset + rows.length >= page.total;
  const inWindow = new Map(rows.map((row) => [problemKey(row), row]));
  let shift = 0;
  const gone = new Set<PodProblemRow>();
  for (const row of removed) {
    const held = inWindow.get(problemKey(row));
    if (held) gone.add(held);
    else if (compareProblems(row, first) < 0) shift--;
    // a row the window should have held: the page is not the version it says
    else if (compareProblems(row, last) < 0 || reachesEnd) return undefined;
  }
  const added: PodProblemRow[] = [];
  for (const row of upserted) {
    if (compareProblems(row, first) < 0) shift++;
    else if (compareProblems(row, last) < 0 || reachesEnd) added.push(row);
  }
  if (shift !== 0) return undefined;
  const next = [...rows.filter((row) => !gone.has(row)), ...added].sort(compareProblems);
  if (!reachesEnd && next.length < rows.length) return undefined;
  return { total, offset, rows: next.slice(0, reachesEnd ? limit : rows.length), version };
}
