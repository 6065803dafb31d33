import { QueryClient, QueryObserver, type QueryKey } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contracts, createApiClient } from '../../shared/contract/index.ts';
import type { FleetChange, PodProblemRow, ProblemsPage } from '../../shared/contract/fleet.ts';
import type { ProblemFilter } from '../../shared/fleet/problem-rows.ts';
import type { GitOpsStatus } from '../../shared/contract/gitops.ts';
import type { TaskInfo } from '../../shared/contract/jobs.ts';
import { Emitter } from '../../shared/emitter.ts';
import { createClient, exposeService, type ServiceContract } from '../../shared/rpc.ts';
import { keys } from './keys.ts';
import { refetchOnReconnect, subscribeLive } from './live.ts';
import { memoryTransport, type MemoryConnection } from './memory-transport.ts';

/** A service of which a test implements only what it uses; any other call fails loudly. */
function fake<S>(contract: ServiceContract<S>, impl: Partial<S>): S {
  const unused = Object.fromEntries(Object.keys(contract.methods).map((m) => [m, () => Promise.reject(new Error(`${contract.name}.${m} is not part of this test`))]));
  const events = Object.fromEntries(contract.events.map((e) => [e, () => () => undefined]));
  return { ...unused, ...events, ...impl } as S;
}

const task = (id: string, state: TaskInfo['state']): TaskInfo => ({
  id,
  kind: 'backup',
  title: `backup ${id}`,
  state,
  progress: { phase: state, done: 0 },
  startedAt: '2026-12-04T00:00:00Z',
  cancellable: state === 'running',
  resumable: false,
  dryRun: false,
});

/** Keeps a query active (as a mounted screen does) and resolves once its data satisfies `done`. */
function watch<T>(queryClient: QueryClient, queryKey: QueryKey, queryFn: () => Promise<T>) {
  const observer = new QueryObserver(queryClient, { queryKey, queryFn, staleTime: 30_000 });
  const stop = observer.subscribe(() => undefined);
  const until = (done: (data: T | undefined) => boolean) => vi.waitFor(() => expect(done(observer.getCurrentResult().data as T | undefined)).toBe(true));
  return { stop, until };
}

describe('the renderer data layer over the in-memory transport', () => {
  let memory: MemoryConnection;
  let queryClient: QueryClient;
  let stops: (() => void)[];
  beforeEach(() => {
    memory = memoryTransport();
    queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    stops = [];
    // a feature's queries.ts loads the renderer's api, which takes its transport from window when loaded: this test's
    vi.stubGlobal('window', { fleetdeck: createApiClient(memory.transport) });
    vi.resetModules();
  });
  afterEach(() => {
    stops.forEach((stop) => stop());
    queryClient.clear();
    vi.unstubAllGlobals();
  });

  it('patches the Jobs list from task events, and refetches it after a reconnect (the events of the blip are lost)', async () => {
    const tasks = [task('a', 'running')];
    const changed = new Emitter<TaskInfo>();
    exposeService(contracts.jobs, fake(contracts.jobs, { list: async () => tasks, onDidChangeTask: changed.event }), memory.host);
    const jobs = createClient(contracts.jobs, memory.transport);
    const list = vi.fn(() => jobs.list());
    // the handler the Jobs screen uses, loaded with the renderer's api on the same transport
    const { applyTaskEvent } = await import('../features/jobs/queries.ts');
    stops.push(subscribeLive(queryClient, jobs.onDidChangeTask, applyTaskEvent), refetchOnReconnect(queryClient, memory.transport.onDidReconnect));
    const view = watch(queryClient, keys.jobs.tasks(), list);
    const schemas = vi.fn(async () => ({ bundled: true }));
    const editor = watch(queryClient, keys.workspace.schemas(), schemas);
    stops.push(view.stop, editor.stop);
    await view.until((data) => data?.[0]?.state === 'running');
    await editor.until((data) => !!data);

    tasks[0] = task('a', 'succeeded');
    changed.fire(tasks[0]);
    await view.until((data) => data?.[0]?.state === 'succeeded');
    expect(list).toHaveBeenCalledTimes(1);

    memory.disconnect();
    tasks.unshift(task('b', 'running'));
    changed.fire(tasks[0]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(queryClient.getQueryData<TaskInfo[]>(keys.jobs.tasks())?.map((t) => t.id)).toEqual(['a']);

    memory.reconnect();
    await view.until((data) => data?.map((t) => t.id).join() === 'b,a');
    expect(list).toHaveBeenCalledTimes(2);
    // the several MB of schemas main bundles are not fetched again
    expect(schemas).toHaveBeenCalledTimes(1);
  });

  it('gathers a storm of GitOps change events into a few refetches of the status', async () => {
    let generation = 0;
    const changed = new Emitter<{ contexts: string[] }>();
    const status = vi.fn(async () => ({ apps: [], errors: [], generation: ++generation }) as unknown as GitOpsStatus);
    exposeService(contracts.gitops, fake(contracts.gitops, { status, onDidChange: changed.event }), memory.host);
    const gitops = createClient(contracts.gitops, memory.transport);
    const view = watch(queryClient, keys.gitops.status(), () => gitops.status({}));
    stops.push(view.stop, subscribeLive(queryClient, gitops.onDidChange, (_, cache) => cache.refetch(keys.gitops.status()), 50));
    await view.until((data) => !!data);

    for (let i = 0; i < 100; i++) changed.fire({ contexts: ['aks-lab'] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // the first event refetches at once, the other 99 once more after it: never 100 calls
    expect(status.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(status.mock.calls.length).toBeLessThanOrEqual(3);
    const last = queryClient.getQueryData<{ generation: number }>(keys.gitops.status());
    expect(last?.generation).toBe(generation);
  });

  const probe: PodProblemRow = { context: 'aks-lab', cloud: 'aks', namespace: 'default', pod: 'latency-probe', reason: 'Evicted', severity: 1, restarts: 0, message: '', hint: '' };

  it('patches the Fleet problem pages from deltas without fetching them, and refetches a page when a version was missed', async () => {
    let served: ProblemsPage = { total: 0, offset: 0, rows: [], version: 4 };
    const changed = new Emitter<FleetChange>();
    const problems = vi.fn(async () => served);
    exposeService(contracts.fleet, fake(contracts.fleet, { problems, onDidChange: changed.event }), memory.host);
    const fleet = createClient(contracts.fleet, memory.transport);
    const { applyFleetChange } = await import('../features/fleet/queries.ts');
    stops.push(subscribeLive(queryClient, fleet.onDidChange, applyFleetChange));
    const filter = { query: 'latency-probe' };
    const view = watch(queryClient, keys.fleet.problems(filter, 0), () => fleet.problems({ ...filter, offset: 0, limit: 200 }));
    stops.push(view.stop);
    await view.until((page) => page?.version === 4);

    changed.fire({ contexts: ['aks-lab'], problems: { from: 4, to: 5, upserted: [probe], removed: [] } });
    await view.until((page) => page?.rows[0]?.pod === 'latency-probe' && page.total === 1 && page.version === 5);
    expect(problems).toHaveBeenCalledTimes(1);

    served = { total: 0, offset: 0, rows: [], version: 7 };
    changed.fire({ contexts: ['aks-lab'], problems: { from: 6, to: 7, upserted: [], removed: [probe] } });
    await view.until((page) => page?.version === 7 && page.total === 0);
    expect(problems).toHaveBeenCalledTimes(2);
  });

  it("leaves the problem table's page the same object when a delta changes none of its rows, and still patches it after", async () => {
    const changed = new Emitter<FleetChange>();
    const problems = vi.fn(async () => ({ total: 0, offset: 0, rows: [], version: 4 }));
    exposeService(contracts.fleet, fake(contracts.fleet, { problems, onDidChange: changed.event }), memory.host);
    const fleet = createClient(contracts.fleet, memory.transport);
    const { applyFleetChange, problemPageQuery } = await import('../features/fleet/queries.ts');
    stops.push(subscribeLive(queryClient, fleet.onDidChange, applyFleetChange));
    const filter = { query: 'latency-probe' };
    const table = new QueryObserver(queryClient, problemPageQuery(queryClient, filter, 0));
    stops.push(table.subscribe(() => undefined));
    await vi.waitFor(() => expect(table.getCurrentResult().data).toEqual({ total: 0, offset: 0, rows: [] }));
    const shown = table.getCurrentResult().data;

    const other = { ...probe, pod: 'web-1' };
    changed.fire({ contexts: ['aks-lab'], problems: { from: 4, to: 5, upserted: [other], removed: [] } });
    await vi.waitFor(() => expect(queryClient.getQueryData<ProblemsPage>(keys.fleet.problems(filter, 0))?.version).toBe(5));
    expect(table.getCurrentResult().data).toBe(shown);

    changed.fire({ contexts: ['aks-lab'], problems: { from: 5, to: 6, upserted: [probe], removed: [] } });
    await vi.waitFor(() => expect(table.getCurrentResult().data).toEqual({ total: 1, offset: 0, rows: [probe] }));
    expect(problems).toHaveBeenCalledTimes(1);
  });

  /** A fleet whose problem pages answer when the test says, with the live wiring on; fetch starts a page fetch. */
  async function fleetAnsweringLater() {
    let answer!: (page: ProblemsPage) => void;
    const changed = new Emitter<FleetChange>();
    exposeService(contracts.fleet, fake(contracts.fleet, { problems: () => new Promise<ProblemsPage>((resolve) => (answer = resolve)), onDidChange: changed.event }), memory.host);
    const { applyFleetChange, fetchProblemPage } = await import('../features/fleet/queries.ts');
    const fleet = createClient(contracts.fleet, memory.transport);
    stops.push(subscribeLive(queryClient, fleet.onDidChange, applyFleetChange));
    return { changed, fetch: (filter: ProblemFilter) => fetchProblemPage(queryClient, filter, 0), answer: (page: ProblemsPage) => answer(page) };
  }

  it('keeps a page patched while its fetch was on the way: the answer was cut before the change', async () => {
    const { changed, fetch, answer } = await fleetAnsweringLater();
    queryClient.setQueryData<ProblemsPage>(keys.fleet.problems({}, 0), { total: 0, offset: 0, rows: [], version: 4 });
    const fetching = fetch({});
    changed.fire({ contexts: ['aks-lab'], problems: { from: 4, to: 5, upserted: [probe], removed: [] } });
    answer({ total: 0, offset: 0, rows: [], version: 4 });
    expect((await fetching).version).toBe(5);
  });

  it('brings a fetched page up to date with the deltas that went by while it was cut, instead of leaving it behind to be fetched again', async () => {
    const { changed, fetch, answer } = await fleetAnsweringLater();
    const fetching = fetch({ query: 'latency-probe' });
    changed.fire({ contexts: ['aks-lab'], problems: { from: 4, to: 5, upserted: [probe], removed: [] } });
    changed.fire({ contexts: ['aks-lab'], problems: { from: 5, to: 6, upserted: [{ ...probe, restarts: 1 }], removed: [probe] } });
    answer({ total: 0, offset: 0, rows: [], version: 4 });
    expect(await fetching).toEqual({ total: 1, offset: 0, rows: [{ ...probe, restarts: 1 }], version: 6 });
  });

  it('carries a service failure to the caller with its code, as the wire does', async () => {
    exposeService(contracts.jobs, fake(contracts.jobs, {}), memory.host);
    const jobs = createClient(contracts.jobs, memory.transport);
    await expect(jobs.get({ id: '' })).rejects.toMatchObject({ code: 'invalid-input' });
  });
});
