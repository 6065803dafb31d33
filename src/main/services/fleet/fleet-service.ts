import type { z } from 'zod';
import type { BrowseItem, ClusterSummary, FleetChange, FleetService, KubeEventRow, PodAction, PodActionId, PodProblemRow, ProblemsPage, problemsInput, RootCause } from '../../../shared/contract/fleet.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { Emitter } from '../../../shared/emitter.ts';
import { classifyPod, hintFor } from '../../../shared/fleet/pod-problems.ts';
import { problemMatcher } from '../../../shared/fleet/problem-rows.ts';
import { canI, forbiddenMessage, write, type AccessQuestion } from '../../kube/access.ts';
import { kubeRequest, statusMessage } from '../../kube/http.ts';
import { kubeConfigFor, listEntries } from '../../kube/kubeconfig.ts';
import type { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { ContextChanges } from '../../kube/context-changes.ts';
import { ClusterCache, type CachedResource } from './cluster-cache.ts';
import { within } from '../../base/clock.ts';
import { ProblemLog } from './problem-log.ts';
import type { ListedObject as KubeObject, WorkloadKind } from '../../../shared/kube-object.ts';

export interface FleetServiceOptions {
  store: KubeconfigStore;
  /** watch only these contexts (default: the first usable context of each cluster) */
  contexts?: string[];
  /** how long change notifications are gathered before one is sent */
  throttleMs?: number;
}

/** A path segment from a name the cluster gave: a `?`, `#` or `/` in it must not change the request. */
const segment = encodeURIComponent;

type Owned = KubeObject & { metadata: { ownerReferences?: { kind: string; name: string }[] } };

/** The fleet view's data: one live cache per cluster, summaries, pod problems and root causes. */
export class KubeFleetService implements FleetService {
  private caches?: Promise<Map<string, ClusterCache>>;
  private readonly changes: ContextChanges;
  /**
   * Problem-row deltas go out sooner than the rest (a renderer patches them for little, and a broken
   * pod is what an SRE waits for): once the watch events read in this turn of the event loop are in.
   * No timer: under churn one was always pending, and its wait (and wake-up) came on top of every delta.
   */
  private pendingDelta?: ReturnType<typeof setImmediate>;
  private readonly changed = new Emitter<FleetChange>();
  readonly onDidChange = this.changed.event;
  private readonly log = new ProblemLog();
  private readonly options: FleetServiceOptions;
  private unsubscribe?: () => void;

  constructor(options: FleetServiceOptions) {
    this.options = options;
    this.changes = new ContextChanges(options.throttleMs ?? 100);
    this.changes.event(({ contexts }) => void this.announce(contexts));
  }

  /** Creates and starts the caches on first use; later calls share them. */
  private clusters(): Promise<Map<string, ClusterCache>> {
    if (!this.caches) {
      this.caches = this.build(new Map(), new Set());
      // a kubeconfig file edited, a kubeconfig imported or removed: the caches of the contexts it touched are replaced
      this.unsubscribe ??= this.options.store.onDidChange(({ contexts }) => {
        if (!this.caches || !contexts.length) return;
        const touched = new Set(contexts);
        this.caches = this.caches.then(
          (previous) => this.build(previous, touched),
          () => this.build(new Map(), touched),
        );
        // a failure (a named context removed) is reported to the next caller
        this.caches.catch(() => undefined);
      });
    }
    return this.caches;
  }

  /** The caches the kubeconfig asks for: those of `previous` whose context was not touched are kept, the others stopped. */
  private async build(previous: Map<string, ClusterCache>, touched: Set<string>): Promise<Map<string, ClusterCache>> {
    const caches = new Map<string, ClusterCache>();
    try {
      const { config } = await this.options.store.load();
      const wanted = this.options.contexts;
      // one cache per cluster: unless contexts are named, the first context for each server wins
      const servers = new Set<string>();
      const entries = listEntries(config).filter((e) => {
        if (e.problem) return false;
        if (wanted) return wanted.includes(e.context);
        if (servers.has(e.server)) return false;
        servers.add(e.server);
        return true;
      });
      const missing = wanted?.filter((c) => !entries.some((e) => e.context === c));
      if (missing?.length) throw new FleetdeckError('not-found', `context ${missing.map((c) => `"${c}"`).join(', ')} not found or not usable`);
      for (const e of entries) {
        const kept = previous.get(e.context);
        if (kept && !touched.has(e.context)) {
          caches.set(e.context, kept);
          continue;
        }
        const cache = new ClusterCache(e.context, e.cloud, kubeConfigFor(config, e.context));
        caches.set(e.context, cache);
        cache.onDidChange(() => {
          this.changes.add(cache.context);
          this.problemsChanged();
        });
        cache.onDidChangeProblems(() => this.problemsChanged());
        void cache.start();
        if (previous.size) this.changes.add(e.context);
      }
      return caches;
    } finally {
      for (const [context, cache] of previous) {
        if (caches.get(context) === cache) continue;
        cache.stop();
        this.changes.add(context);
      }
    }
  }

  /**
   * A context's collections from its cache, those in step with the cluster; none when no cache
   * runs for it. Nothing is started for the asking: a one-shot CLI call keeps no caches.
   */
  async cached(context: string, resources: CachedResource[]): Promise<Partial<Record<CachedResource, KubeObject[]>>> {
    const cache = this.caches && (await this.caches.catch(() => undefined))?.get(context);
    if (!cache) return {};
    return Object.fromEntries(resources.flatMap((resource) => {
      const items = cache.current(resource);
      return items ? [[resource, items]] : [];
    }));
  }

  /**
   * What a one-shot CLI call needs: waits until each cluster's overview collections have been
   * listed once, or it failed (forbidden; or a first list that failed, such as a refused
   * connection or bad credentials, which the cache keeps retrying), or timeoutMs has passed;
   * summaries() then tell which clusters are not synced.
   */
  async synced(timeoutMs = 30_000): Promise<void> {
    const caches = [...(await this.clusters()).values()];
    const stops: (() => void)[] = [];
    const settled = (cache: ClusterCache) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (cache.state().state === 'reconnecting') resolve();
        };
        stops.push(cache.onDidChange(check));
        check();
        void cache.start().then(resolve);
      });
    try {
      await within(Promise.all(caches.map(settled)), timeoutMs);
    } finally {
      stops.forEach((stop) => stop());
    }
  }

  /** Stops every cache (one still being built, once it is) and stops following the kubeconfig. */
  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.changes.dispose();
    clearImmediate(this.pendingDelta);
    this.pendingDelta = undefined;
    // caches that never started (an unknown context) have nothing to stop
    void this.caches?.then((caches) => caches.forEach((c) => c.stop()), () => undefined);
    this.caches = undefined;
  }

  async summaries(): Promise<ClusterSummary[]> {
    return [...(await this.clusters()).values()].map((c) => c.summary());
  }

  private problemsChanged(): void {
    this.pendingDelta ??= setImmediate(() => {
      this.pendingDelta = undefined;
      if (this.caches) void this.snapshot().catch(() => undefined);
    });
  }

  /** Cache changes, gathered: the problem list's new version (its delta sent first), then the clusters that changed. */
  private async announce(contexts: string[]): Promise<void> {
    // caches replaced or disposed: the next call builds them, and its snapshot says what went
    if (this.caches) await this.snapshot().catch(() => undefined);
    this.changed.fire({ contexts });
  }

  /** Records the problem list and returns its version; a new version's delta goes out at once, whoever found it. */
  private async snapshot(): Promise<number> {
    const caches = [...(await this.clusters()).values()];
    const { version, delta } = this.log.record(new Map(caches.map((c) => [c.context, c.problems()])));
    if (delta) this.changed.fire({ contexts: [...new Set([...delta.upserted, ...delta.removed].map((row) => row.context))], problems: delta });
    return version;
  }

  /** Every broken pod of every cluster, in the table's order (compareProblems). */
  async allProblems(): Promise<PodProblemRow[]> {
    await this.snapshot();
    return this.log.rows();
  }

  async problems({ offset = 0, limit = 500, ...filter }: z.infer<typeof problemsInput>): Promise<ProblemsPage> {
    const version = await this.snapshot();
    const all = this.log.rows();
    const matches = problemMatcher(filter);
    const rows = matches ? all.filter(matches) : all;
    return { total: rows.length, offset, rows: rows.slice(offset, offset + limit), version };
  }

  async browse({ context, namespace, workload }: { context: string; namespace?: string; workload?: { kind: WorkloadKind; name: string } }): Promise<BrowseItem[]> {
    const cache = (await this.clusters()).get(context);
    if (!cache) throw new FleetdeckError('not-found', `context "${context}" is not watched`);
    if (workload && !namespace) throw new FleetdeckError('invalid-input', 'a workload needs its namespace');
    return cache.browse(namespace, workload).sort((a, b) => b.problems - a.problems || a.name.localeCompare(b.name));
  }

  async search({ query, limit = 200 }: { query: string; limit?: number }): Promise<BrowseItem[]> {
    const needle = query.trim().toLowerCase();
    return [...(await this.clusters()).values()].flatMap((c) => c.search(needle, limit)).slice(0, limit);
  }

  private async podOf(context: string, namespace: string, name: string) {
    const cache = (await this.clusters()).get(context);
    if (!cache) throw new FleetdeckError('not-found', `context "${context}" is not watched`);
    const pod = cache.pod(namespace, name);
    if (!pod) throw new FleetdeckError('not-found', `pod ${namespace}/${name} not found in ${context}`);
    return { cache, pod };
  }

  /** Pod → ReplicaSet → Deployment (or Job → CronJob), read from the API. */
  private async ownerChain(cache: ClusterCache, namespace: string, pod: Owned): Promise<{ kind: string; name: string }[]> {
    const chain: { kind: string; name: string }[] = [];
    let owner = pod.metadata.ownerReferences?.[0];
    while (owner && chain.length < 4) {
      chain.push({ kind: owner.kind, name: owner.name });
      if (owner.kind !== 'ReplicaSet' && owner.kind !== 'Job') break;
      const group = owner.kind === 'ReplicaSet' ? 'apps' : 'batch';
      const res = await kubeRequest(cache.kc, `/apis/${group}/v1/namespaces/${segment(namespace)}/${owner.kind.toLowerCase()}s/${segment(owner.name)}`).catch(() => undefined);
      owner = res?.status === 200 ? (JSON.parse(res.body) as Owned).metadata.ownerReferences?.[0] : undefined;
    }
    return chain;
  }

  private actionQuestions(namespace: string, pod: string, chain: { kind: string; name: string }[]): Record<PodActionId, { label: string; question: AccessQuestion; path: string } | undefined> {
    const top = chain.at(-1);
    const restartable = top && ['Deployment', 'StatefulSet', 'DaemonSet'].includes(top.kind) ? top : undefined;
    return {
      'delete-pod': {
        label: chain.length ? `Delete pod (its ${chain[0].kind} recreates it)` : 'Delete pod (no controller: it will not come back)',
        question: { verb: 'delete', resource: 'pods', namespace },
        path: `/api/v1/namespaces/${segment(namespace)}/pods/${segment(pod)}`,
      },
      'restart-workload': restartable && {
        label: `Restart ${restartable.kind}/${restartable.name} (rolling)`,
        question: { verb: 'patch', resource: `${restartable.kind.toLowerCase()}s`, group: 'apps', namespace },
        path: `/apis/apps/v1/namespaces/${segment(namespace)}/${restartable.kind.toLowerCase()}s/${segment(restartable.name)}`,
      },
    };
  }

  async runAction({ context, namespace, pod: name, action }: { context: string; namespace: string; pod: string; action: PodActionId }): Promise<{ message: string }> {
    const { cache, pod } = await this.podOf(context, namespace, name);
    const target = this.actionQuestions(namespace, name, await this.ownerChain(cache, namespace, pod as Owned))[action];
    if (!target) throw new FleetdeckError('invalid-input', `${action} does not apply to pod ${namespace}/${name}`);
    if (action === 'delete-pod') {
      await write(cache.kc, target.question, target.path, { method: 'DELETE' });
      return { message: `deleted pod ${namespace}/${name}` };
    }
    const restartedAt = new Date().toISOString();
    await write(cache.kc, target.question, target.path, {
      method: 'PATCH',
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } } },
    });
    return { message: `restarted ${target.path.split('/').slice(-2).map(decodeURIComponent).join('/')} at ${restartedAt}` };
  }

  async rootCause({ context, namespace, pod: name }: { context: string; namespace: string; pod: string }): Promise<RootCause> {
    const { cache, pod } = await this.podOf(context, namespace, name);
    const problem = classifyPod(pod);
    const row = cache.problems().find((p) => p.namespace === namespace && p.pod === name);
    // waits for the events' first list, if need be, while the owners and permissions are asked
    const eventsNote = cache.eventsNote(10_000);
    const ownerChain = await this.ownerChain(cache, namespace, pod as Owned);
    const actions: PodAction[] = [];
    for (const [id, target] of Object.entries(this.actionQuestions(namespace, name, ownerChain)) as [PodActionId, { label: string; question: AccessQuestion } | undefined][]) {
      if (!target) continue;
      const allowed = await canI(cache.kc, target.question).catch(() => false);
      actions.push({ id, label: target.label, allowed, ...(allowed ? {} : { reason: forbiddenMessage(target.question) }) });
    }

    const names = new Set([name, ...ownerChain.map((o) => o.name)]);
    const note = await eventsNote;
    const events: KubeEventRow[] = cache.eventsFor(namespace, names)
      .map((e) => ({
        type: e.type ?? 'Normal',
        reason: e.reason ?? '',
        message: e.message ?? '',
        count: e.series?.count ?? e.count ?? 1,
        ...(e.lastTimestamp || e.eventTime ? { lastSeen: e.lastTimestamp ?? e.eventTime } : {}),
        object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
      }))
      .sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''))
      .slice(0, 20);

    const nodeName = pod.spec?.nodeName;
    const nodeObject = nodeName ? cache.node(nodeName) : undefined;
    const conditions = (nodeObject?.status?.conditions ?? []) as { type: string; status: string; reason?: string; message?: string }[];
    const container = problem?.container ?? pod.spec?.containers?.[0]?.name ?? '';
    const terminated = pod.status?.containerStatuses?.find((c) => c.name === container)?.lastState?.terminated;

    return {
      ...(row ? { problem: row } : {}),
      ...(terminated ? { lastTermination: { container, reason: terminated.reason, exitCode: terminated.exitCode, finishedAt: terminated.finishedAt } } : {}),
      ownerChain,
      events,
      ...(note ? { eventsNote: note } : {}),
      ...(nodeName ? { node: { name: nodeName, ready: conditions.find((c) => c.type === 'Ready')?.status, conditions } } : {}),
      logs: await this.logTail(cache, namespace, name, container, (problem?.restarts ?? 0) > 0),
      steps: problem ? nextSteps(namespace, name, hintFor(pod, problem), ownerChain, nodeName, conditions) : [],
      actions,
    };
  }

  private async logTail(cache: ClusterCache, namespace: string, pod: string, container: string, previous: boolean): Promise<RootCause['logs']> {
    const path = `/api/v1/namespaces/${segment(namespace)}/pods/${segment(pod)}/log?container=${encodeURIComponent(container)}&tailLines=50${previous ? '&previous=true' : ''}`;
    try {
      const res = await kubeRequest(cache.kc, path, { timeoutMs: 5_000 });
      if (res.status === 200) return { available: true, container, text: res.body };
      const message = statusMessage(res.body);
      return { available: false, reason: res.status === 403 ? `forbidden: get pods/log in ${namespace}` : `the API server could not fetch the log from the node's kubelet: ${message}` };
    } catch (error) {
      return { available: false, reason: `the log could not be fetched: ${(error as Error).message}` };
    }
  }
}

function nextSteps(namespace: string, pod: string, hint: string, owners: { kind: string; name: string }[], node: string | undefined, conditions: { type: string; status: string }[]): string[] {
  const top = owners.at(-1);
  const steps = [hint, `kubectl -n ${namespace} describe pod ${pod}   # Events and Last State`];
  if (top && top.kind !== 'ReplicaSet') steps.push(`kubectl -n ${namespace} rollout history ${top.kind.toLowerCase()}/${top.name}   # did a recent change start this? roll back with rollout undo`);
  const notReady = conditions.find((c) => c.type === 'Ready' && c.status !== 'True');
  if (node && notReady) steps.push(`node ${node} is NotReady: kubectl describe node ${node}; its pods will be evicted if it does not recover`);
  return steps;
}
