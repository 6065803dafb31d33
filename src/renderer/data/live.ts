import { useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect } from 'react';
import { coalesce } from '../../shared/coalesce.ts';
import type { Event } from '../../shared/rpc.ts';
import { keys } from './keys.ts';

/** What a live handler does with an event: patch cached data in place, or have keys refetched. */
export interface LiveCache {
  queryClient: QueryClient;
  /** refetches the queries under these keys; a storm of events costs as many refetches as there is time for */
  refetch(...keys: QueryKey[]): void;
}

/** Turns one event of a service into cache updates; defined once per feature, at module level. */
export type LiveHandler<T> = (value: T, cache: LiveCache) => void;

/** While a fleet is on fire, changes stream in: the same keys refetch at most this often. */
export const MIN_REFETCH_GAP_MS = 100;

/** The one way server events reach the cache: subscribes `handle` to `event`; returns the unsubscribe. */
export function subscribeLive<T>(queryClient: QueryClient, event: Event<T>, handle: LiveHandler<T>, minGapMs = MIN_REFETCH_GAP_MS): () => void {
  const wanted = new Map<string, QueryKey>();
  const refetch = coalesce(async () => {
    const queryKeys = [...wanted.values()];
    wanted.clear();
    await Promise.all(queryKeys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
  }, minGapMs);
  const cache: LiveCache = {
    queryClient,
    refetch(...queryKeys) {
      for (const queryKey of queryKeys) wanted.set(JSON.stringify(queryKey), queryKey);
      refetch.trigger();
    },
  };
  const off = event((value) => handle(value, cache));
  return () => {
    refetch.stop();
    off();
  };
}

/** subscribeLive for as long as the calling component is mounted. */
export function useLive<T>(event: Event<T>, handle: LiveHandler<T>): void {
  const queryClient = useQueryClient();
  useEffect(() => subscribeLive(queryClient, event, handle), [queryClient, event, handle]);
}

/** The schemas come with main and are several MB: a reconnect cannot have changed them. */
const [schemasArea, schemas] = keys.workspace.schemas();

/**
 * Events sent while the connection was down are lost: once it is back, what is on screen
 * refetches and everything else is marked stale.
 */
export function refetchOnReconnect(queryClient: QueryClient, onDidReconnect: Event<void>): () => void {
  return onDidReconnect(() => void queryClient.invalidateQueries({ predicate: ({ queryKey: [area, name] }) => area !== schemasArea || name !== schemas }));
}
