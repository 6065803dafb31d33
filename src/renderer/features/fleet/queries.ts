import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { FleetChange, PodActionId, PodProblemRow, ProblemDelta, ProblemsPage } from '../../../shared/contract/fleet.ts';
import type { ProblemFilter } from '../../../shared/fleet/problem-rows.ts';
import type { BrowsePath, PodRef } from '../../app/ui-store.ts';
import { api } from '../../api.ts';
import { keys } from '../../data/keys.ts';
import { useLive, type LiveHandler } from '../../data/live.ts';
import { applyProblemDelta } from './problem-delta.ts';

export type { ProblemFilter };
export const PROBLEM_PAGE = 200;

/**
 * The problem list's latest deltas, per query client: a page whose answer was cut before some of
 * them is brought up to date with them. Under churn a delta goes out every few tens of
 * milliseconds, so without them every fetched page would already be behind, and fetched again.
 */
const recentDeltas = new WeakMap<QueryClient, ProblemDelta[]>();
const KEPT_DELTAS = 256;

function remember(queryClient: QueryClient, delta: ProblemDelta): void {
  const deltas = recentDeltas.get(queryClient) ?? [];
  deltas.push(delta);
  if (deltas.length > KEPT_DELTAS) deltas.shift();
  recentDeltas.set(queryClient, deltas);
}

/** `page` after the deltas that followed it, as far as they apply in order. */
export function catchUp(page: ProblemsPage, filter: ProblemFilter, deltas: readonly ProblemDelta[]): ProblemsPage {
  let current = page;
  // applyProblemDelta passes over a delta the page already has
  for (const delta of deltas) {
    const next = applyProblemDelta(current, filter, delta, PROBLEM_PAGE);
    if (!next) break;
    current = next;
  }
  return current;
}

/**
 * Main's fleet events: a delta of the problem list patches every cached page it can (the others
 * refetch); a change of clusters refetches the summaries and browse levels (a storm is coalesced).
 */
export const applyFleetChange: LiveHandler<FleetChange> = ({ problems }, { queryClient, refetch }) => {
  if (!problems) return refetch(keys.fleet.summaries(), keys.fleet.browseAll());
  remember(queryClient, problems);
  for (const query of queryClient.getQueryCache().findAll({ queryKey: keys.fleet.problemPages() })) {
    const page = query.state.data as ProblemsPage | undefined;
    if (!page) continue;
    const filter = (query.queryKey as ReturnType<typeof keys.fleet.problems>)[3];
    const next = applyProblemDelta(page, filter, problems, PROBLEM_PAGE);
    if (!next) refetch(query.queryKey);
    else if (next !== page) queryClient.setQueryData(query.queryKey, next);
  }
};

/** Server data of the fleet view, kept current by main's change events while the screen is open. */
export const useFleetLive = () => useLive(api.fleet.onDidChange, applyFleetChange);

/**
 * One page of the problem table, brought up to date with the deltas that went by while it was
 * fetched. A page patched meanwhile that is newer still is kept.
 */
export async function fetchProblemPage(queryClient: QueryClient, filter: ProblemFilter, page: number): Promise<ProblemsPage> {
  const fetched = catchUp(await api.fleet.problems({ ...filter, offset: page * PROBLEM_PAGE, limit: PROBLEM_PAGE }), filter, recentDeltas.get(queryClient) ?? []);
  const held = queryClient.getQueryData<ProblemsPage>(keys.fleet.problems(filter, page));
  return held && held.version > fetched.version ? held : fetched;
}

/** What the table reads of a page: a delta that changes none of its rows (only its version moves on) leaves it the same object, and renders nothing. */
const shown = ({ total, offset, rows }: ProblemsPage) => ({ total, offset, rows });

/** The query of one page of the problem table. */
export const problemPageQuery = (queryClient: QueryClient, filter: ProblemFilter, page: number) => ({
  queryKey: keys.fleet.problems(filter, page),
  queryFn: () => fetchProblemPage(queryClient, filter, page),
  placeholderData: keepPreviousData,
  select: shown,
  refetchInterval: 30_000,
});

/**
 * The problem rows the table shows: fetched a page at a time (a fleet on fire has tens of
 * thousands), only the pages in view; page 0 always, since it carries the total.
 */
export function useProblemPages(filter: ProblemFilter, pages: number[]) {
  const queryClient = useQueryClient();
  const wanted = [...new Set([0, ...pages])];
  const results = useQueries({ queries: wanted.map((page) => problemPageQuery(queryClient, filter, page)) });
  const first = results[0];
  const rows = new Map<number, PodProblemRow>();
  for (const { data } of results) data?.rows.forEach((row, i) => rows.set(data.offset + i, row));
  return { total: first.data?.total ?? 0, rowAt: (index: number) => rows.get(index), isPending: first.isPending, error: first.error };
}

export const useRootCause = (ref: PodRef | undefined) =>
  useQuery({ queryKey: keys.fleet.rootCause(ref), queryFn: () => api.fleet.rootCause(ref!), enabled: !!ref, staleTime: 5_000 });

export const useBrowse = (path: BrowsePath | undefined) => useQuery({ queryKey: keys.fleet.browse(path), queryFn: () => api.fleet.browse(path!), enabled: !!path });

export const useSearch = (query: string) =>
  useQuery({ queryKey: keys.fleet.search(query), queryFn: () => api.fleet.search({ query, limit: 50 }), enabled: query.trim().length >= 2, staleTime: 2_000 });

export function useRunAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { context: string; namespace: string; pod: string; action: PodActionId }) => api.fleet.runAction(input),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.fleet.all() }),
  });
}
