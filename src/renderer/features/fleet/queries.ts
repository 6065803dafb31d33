import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { PodActionId, PodProblemRow } from '../../../shared/contract/fleet.ts';
import type { BrowsePath, PodRef } from '../../app/ui-store.ts';
import { api } from '../../api.ts';
import { coalesce } from '../../../shared/coalesce.ts';

/** While a fleet is on fire, changes stream in: at most one refetch this often. */
const MIN_REFETCH_GAP_MS = 100;

/**
 * Server data of the fleet view: main pushes "changed" and the lists refetch at once; a storm of
 * changes is gathered into as many refetches as there is time for.
 */
export function useFleetLive() {
  const queryClient = useQueryClient();
  useEffect(() => {
    const refetch = coalesce(() => queryClient.invalidateQueries({ queryKey: ['fleet', 'lists'] }), MIN_REFETCH_GAP_MS);
    const off = api.fleet.onDidChange(() => refetch.trigger());
    return () => {
      refetch.stop();
      off();
    };
  }, [queryClient]);
}

export const useSummaries = () => useQuery({ queryKey: ['fleet', 'lists', 'summaries'], queryFn: () => api.fleet.summaries(), refetchInterval: 30_000 });
export type ProblemFilter = { context?: string; namespace?: string; query?: string };
export const PROBLEM_PAGE = 200;

/**
 * The problem rows the table shows: fetched a page at a time (a fleet on fire has tens of
 * thousands), only the pages in view; page 0 always, since it carries the total.
 */
export function useProblemPages(filter: ProblemFilter, pages: number[]) {
  const wanted = [...new Set([0, ...pages])];
  const results = useQueries({
    queries: wanted.map((page) => ({
      queryKey: ['fleet', 'lists', 'problems', filter, page],
      queryFn: () => api.fleet.problems({ ...filter, offset: page * PROBLEM_PAGE, limit: PROBLEM_PAGE }),
      placeholderData: keepPreviousData,
      refetchInterval: 30_000,
    })),
  });
  const first = results[0];
  const rows = new Map<number, PodProblemRow>();
  for (const { data } of results) data?.rows.forEach((row, i) => rows.set(data.offset + i, row));
  return { total: first.data?.total ?? 0, rowAt: (index: number) => rows.get(index), isPending: first.isPending, error: first.error };
}

export function useRootCause(ref: PodRef | undefined) {
  return useQuery({
    queryKey: ['fleet', 'root-cause', ref?.context, ref?.namespace, ref?.pod],
    queryFn: () => api.fleet.rootCause(ref!),
    enabled: !!ref,
    staleTime: 5_000,
  });
}

export const useBrowse = (path: BrowsePath | undefined) =>
  useQuery({ queryKey: ['fleet', 'lists', 'browse', path], queryFn: () => api.fleet.browse(path!), enabled: !!path });

export const useSearch = (query: string) =>
  useQuery({ queryKey: ['fleet', 'search', query], queryFn: () => api.fleet.search({ query, limit: 50 }), enabled: query.trim().length >= 2, staleTime: 2_000 });

export function useRunAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { context: string; namespace: string; pod: string; action: PodActionId }) => api.fleet.runAction(input),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['fleet'] }),
  });
}
