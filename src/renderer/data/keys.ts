import type { ProblemFilter } from '../../shared/fleet/problem-rows.ts';
import type { BrowsePath, PodRef } from '../app/ui-store.ts';

/**
 * Every react-query key of the app, from one place (Headlamp's queryKeys.ts is the model): a
 * key's prefix is what invalidating a group of queries names, so each group is a function
 * here and never a literal in a feature.
 */
export const keys = {
  clusters: {
    all: () => ['clusters'] as const,
    list: () => ['clusters', 'list'] as const,
  },
  fleet: {
    all: () => ['fleet'] as const,
    /** what main's change events refresh: summaries, problem pages and browse levels */
    lists: () => ['fleet', 'lists'] as const,
    summaries: () => ['fleet', 'lists', 'summaries'] as const,
    /** every cached page of the problem table: main's deltas patch them */
    problemPages: () => ['fleet', 'lists', 'problems'] as const,
    problems: (filter: ProblemFilter, page: number) => ['fleet', 'lists', 'problems', filter, page] as const,
    browseAll: () => ['fleet', 'lists', 'browse'] as const,
    browse: (path: BrowsePath | undefined) => ['fleet', 'lists', 'browse', path] as const,
    search: (query: string) => ['fleet', 'search', query] as const,
    rootCause: (ref: PodRef | undefined) => ['fleet', 'root-cause', ref?.context, ref?.namespace, ref?.pod] as const,
  },
  gitops: {
    all: () => ['gitops'] as const,
    status: () => ['gitops', 'status'] as const,
  },
  jobs: {
    all: () => ['jobs'] as const,
    tasks: () => ['jobs', 'tasks'] as const,
    task: (id: string | undefined) => ['jobs', 'task', id] as const,
    archives: () => ['jobs', 'archives'] as const,
    classes: (fromContext: string, toContext: string, selection: unknown) => ['jobs', 'classes', fromContext, toContext, selection] as const,
    repositories: () => ['jobs', 'repositories'] as const,
  },
  monitoring: {
    all: () => ['monitoring'] as const,
    alerts: () => ['monitoring', 'alerts'] as const,
    silences: () => ['monitoring', 'silences'] as const,
    routing: () => ['monitoring', 'routing'] as const,
    endpoints: () => ['monitoring', 'endpoints'] as const,
    range: (query: string | undefined, seconds: number, contexts: string[]) => ['monitoring', 'range', query, seconds, contexts] as const,
    namespaces: (contexts: string[]) => ['monitoring', 'namespaces', contexts] as const,
  },
  security: {
    all: () => ['security'] as const,
    audit: () => ['security', 'audit'] as const,
    locations: (root: string | undefined, dir: string, objects: unknown) => ['security', 'locations', root, dir, objects] as const,
  },
  workspace: {
    all: () => ['workspace'] as const,
    /** manifests.open: one entry per folder (undefined: the last one, else the sample), whichever screen opened it */
    open: (path: string | undefined) => ['workspace', 'open', path ?? ''] as const,
    folders: () => ['workspace', 'folders'] as const,
    schemas: () => ['workspace', 'schemas'] as const,
    problems: (root: string | undefined) => ['workspace', 'problems', root] as const,
    problemsAll: () => ['workspace', 'problems'] as const,
    git: (root: string | undefined) => ['workspace', 'git', root] as const,
    gitAll: () => ['workspace', 'git'] as const,
    log: (root: string | undefined, path: string | undefined) => ['workspace', 'log', root, path] as const,
    branches: (root: string) => ['workspace', 'branches', root] as const,
    diff: (root: string, path: string | undefined, staged: boolean | undefined) => ['workspace', 'diff', root, path, staged] as const,
  },
};
