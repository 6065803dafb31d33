import type { ContextConfig } from '../../kube/context-config.ts';
import { detectCloudFromNode, type Cloud } from '../../../shared/cloud.ts';
import type { BrowseItem, CacheState, ClusterSummary, PodProblemRow } from '../../../shared/contract/fleet.ts';
import { Emitter } from '../../../shared/emitter.ts';
import { classifyPod, hintFor, type ContainerStatusLike, type PodLike } from '../../../shared/fleet/pod-problems.ts';
import { compareProblems } from '../../../shared/fleet/problem-rows.ts';
import { containerSecurityFields, podSecurityFields, type Container as SecurityContainer, type PodSpec } from '../../../shared/security/pods.ts';
import { parseQuantity } from '../../../shared/quantity.ts';
import { kubeRequest } from '../../kube/http.ts';
import type { KubeEvent, ListedObject, WorkloadKind } from '../../../shared/kube-object.ts';
import { within } from '../../base/clock.ts';
import { listWatch } from '../../kube/list-watch.ts';
import { Reflector, slim, type Change } from '../../kube/reflector.ts';

/** The collections every screen shares, one reflector each per cluster. */
export const cachedResources = {
  nodes: { path: '/api/v1/nodes', namespaced: false },
  namespaces: { path: '/api/v1/namespaces', namespaced: false },
  pods: { path: '/api/v1/pods', namespaced: true },
  events: { path: '/api/v1/events', namespaced: true },
  deployments: { path: '/apis/apps/v1/deployments', namespaced: true },
  statefulsets: { path: '/apis/apps/v1/statefulsets', namespaced: true },
  daemonsets: { path: '/apis/apps/v1/daemonsets', namespaced: true },
  jobs: { path: '/apis/batch/v1/jobs', namespaced: true },
} as const;

export type CachedResource = keyof typeof cachedResources;

/**
 * Events are read only by the root-cause panel, and a fleet on fire has far more of them than
 * pods: a cluster is shown as synced once everything else is listed, and events follow.
 */
const overviewResources: CachedResource[] = (Object.keys(cachedResources) as CachedResource[]).filter((name) => name !== 'events');

type RawPod = Pod & { spec?: PodSpec & { nodeName?: string; containers?: Container[]; initContainers?: Container[] }; status?: { containerStatuses?: ContainerStatusLike[]; initContainerStatuses?: ContainerStatusLike[] } };
type Container = SecurityContainer & { image?: string; resources?: { requests?: Record<string, string> } };

const slimContainer = (container: Container): Container => {
  const { image, resources } = container;
  return { ...containerSecurityFields(container), image, ...(resources?.requests ? { resources: { requests: resources.requests } } : {}) };
};
const slimContainerStatus = ({ name, image, ready, restartCount, state, lastState }: ContainerStatusLike): ContainerStatusLike => ({ name, image, ready, restartCount, state, lastState });

/**
 * Pods and events are most of a cluster's cache (tens of thousands on a big fleet): keep only
 * what the fleet view, the problem classification, the root-cause panel and the security audit read.
 */
function slimPod(object: ListedObject): ListedObject {
  const { metadata: m, spec, status } = object as RawPod;
  const owners = m.ownerReferences?.map(({ kind, name, controller }) => ({ kind, name, ...(controller ? { controller } : {}) }));
  return {
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp, deletionTimestamp: m.deletionTimestamp, labels: m.labels, ownerReferences: owners },
    spec: { ...podSecurityFields(spec ?? {}), nodeName: spec?.nodeName, containers: spec?.containers?.map(slimContainer), initContainers: spec?.initContainers?.map(slimContainer) },
    status: status && {
      phase: status.phase,
      reason: status.reason,
      message: status.message,
      startTime: status.startTime,
      conditions: status.conditions,
      containerStatuses: status.containerStatuses?.map(slimContainerStatus),
      initContainerStatuses: status.initContainerStatuses?.map(slimContainerStatus),
    },
  };
}

function slimEvent(object: ListedObject): KubeEvent {
  const e = object as KubeEvent;
  const { kind, namespace, name } = e.involvedObject ?? {};
  return {
    metadata: { name: e.metadata.name, namespace: e.metadata.namespace, resourceVersion: e.metadata.resourceVersion },
    type: e.type,
    reason: e.reason,
    message: e.message,
    count: e.count,
    series: e.series,
    lastTimestamp: e.lastTimestamp,
    eventTime: e.eventTime,
    involvedObject: { kind, namespace, name },
  };
}

const transforms: Partial<Record<CachedResource, (object: ListedObject) => ListedObject>> = { pods: slimPod, events: slimEvent };

type Pod = PodLike & ListedObject & { spec?: { containers?: { name: string; resources?: { requests?: Record<string, string> } }[] } };
type Node = ListedObject & { status?: { allocatable?: Record<string, string>; conditions?: { type: string; status: string }[] } };

type PodShare = { phase: keyof ClusterSummary['pods']; millis: number; bytes: number };

/** What one pod adds to its cluster's summary: its phase, and its requests while it runs or waits to. */
function shareOf(pod: Pod): PodShare {
  const lower = (pod.status?.phase ?? 'Unknown').toLowerCase();
  const phase = (['running', 'pending', 'succeeded', 'failed'].includes(lower) ? lower : 'unknown') as PodShare['phase'];
  let millis = 0;
  let bytes = 0;
  if (phase === 'running' || phase === 'pending') {
    for (const c of pod.spec?.containers ?? []) {
      millis += parseQuantity(c.resources?.requests?.cpu) * 1000;
      bytes += parseQuantity(c.resources?.requests?.memory);
    }
  }
  return { phase, millis, bytes };
}


/** Where `row` is, or belongs, in rows sorted by compareProblems (which never ties two pods). */
function placeOf(rows: readonly PodProblemRow[], row: PodProblemRow): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareProblems(rows[mid], row) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** A copy of sorted `rows` without `old` and with `row`, still sorted. */
function replaceSorted(rows: readonly PodProblemRow[], old: PodProblemRow | undefined, row: PodProblemRow | undefined): PodProblemRow[] {
  const next = [...rows];
  if (old) next.splice(placeOf(next, old), 1);
  if (row) next.splice(placeOf(next, row), 0, row);
  return next;
}

const sameRow = (a: PodProblemRow, b: PodProblemRow) =>
  a.reason === b.reason && a.cloud === b.cloud && a.restarts === b.restarts && a.since === b.since && a.message === b.message && a.hint === b.hint && a.node === b.node && a.owner === b.owner && a.container === b.container;

/** One live cache per cluster: list + watch of the shared collections, and what the fleet view derives from them. */
export class ClusterCache {
  readonly reflectors: { [K in CachedResource]: Reflector<ListedObject> };
  private readonly changed = new Emitter<void>();
  /** What a summary, a browse level or a search shows changed, or a collection's state did: not a pod's every status write, nor an event. */
  readonly onDidChange = this.changed.event;
  private readonly problemsChanged = new Emitter<void>();
  /** A problem row changed and nothing else shown did (a pod's reason, restarts, message). */
  readonly onDidChangeProblems = this.problemsChanged.event;
  readonly context: string;
  /** from the kubeconfig; when that says "other", the nodes may tell */
  private readonly configuredCloud: Cloud;
  readonly kc: ContextConfig;
  private version?: string;

  constructor(context: string, cloud: Cloud, kc: ContextConfig) {
    this.context = context;
    this.configuredCloud = cloud;
    this.kc = kc;
    this.reflectors = Object.fromEntries(
      Object.entries(cachedResources).map(([name, { path, namespaced }]) => [name, new Reflector(listWatch(kc, path), namespaced ? `${name} in all namespaces` : name, { transform: transforms[name as CachedResource] ?? slim })]),
    ) as ClusterCache['reflectors'];
    for (const [name, reflector] of Object.entries(this.reflectors)) {
      // the root-cause panel reads events when it opens; a pod's change is weighed in onPodChange
      if (name !== 'events' && name !== 'pods') reflector.onChange(() => this.changed.fire());
      reflector.onState(() => this.changed.fire());
    }
    this.reflectors.pods.onChange((change) => this.onPodChange(change));
  }

  private started?: Promise<void>;

  /** Starts every collection (once, however often called); resolves when the overview's collections have been listed (or failed). */
  start(): Promise<void> {
    this.started ??= (async () => {
      void kubeRequest(this.kc, '/version', { timeoutMs: 10_000 })
        .then((res) => (this.version = res.status === 200 ? (JSON.parse(res.body) as { gitVersion: string }).gitVersion : undefined))
        .catch(() => undefined);
      for (const reflector of Object.values(this.reflectors)) void reflector.start();
      await Promise.all(overviewResources.map((name) => this.reflectors[name].start()));
    })();
    return this.started;
  }

  /**
   * Waits up to waitMs for the events' first list; says why the events in hand may be
   * incomplete (still listing, forbidden, reconnecting), or nothing when they are complete.
   */
  async eventsNote(waitMs: number): Promise<string | undefined> {
    const events = this.reflectors.events;
    await within(events.start(), waitMs);
    const { state } = events;
    if (state.phase === 'listing') return `the cluster's events are still being listed; open the panel again in a moment`;
    if (state.phase === 'failed') return state.error;
    if (state.phase === 'reconnecting') return `reconnecting, showing the events seen before: ${state.error}`;
    return undefined;
  }

  stop(): void {
    for (const reflector of Object.values(this.reflectors)) reflector.stop();
  }

  get cloud(): Cloud {
    if (this.configuredCloud !== 'other') return this.configuredCloud;
    const [node] = this.reflectors.nodes.store.values() as IterableIterator<Node & { spec?: { providerID?: string }; metadata: { labels?: Record<string, string> } }>;
    return node ? detectCloudFromNode({ providerID: node.spec?.providerID, labels: node.metadata.labels }) : 'other';
  }

  private items<T extends ListedObject>(resource: CachedResource): T[] {
    return [...this.reflectors[resource].store.values()] as T[];
  }

  /** A collection as the cache holds it while the cache is in step with the cluster (listed, watching); undefined otherwise. */
  current(resource: CachedResource): ListedObject[] | undefined {
    return this.reflectors[resource].state.phase === 'synced' ? this.items(resource) : undefined;
  }

  state(): { state: CacheState; error?: string; forbidden: string[] } {
    const states = Object.entries(this.reflectors).map(([name, r]) => ({ name, state: r.state }));
    const forbidden = states.filter((s) => s.state.phase === 'failed').map((s) => (s.state as { error: string }).error);
    const reconnecting = states.find((s) => s.state.phase === 'reconnecting')?.state as { error: string } | undefined;
    if (reconnecting) return { state: 'reconnecting', error: reconnecting.error, forbidden };
    if (states.some((s) => s.state.phase === 'listing' && overviewResources.includes(s.name as CachedResource))) return { state: 'connecting', forbidden };
    if (forbidden.length === states.length) return { state: 'failed', error: forbidden[0], forbidden };
    return { state: 'synced', forbidden };
  }

  summary(): ClusterSummary {
    const nodes = this.items<Node>('nodes');
    const { phases, requestedMillis, requestedBytes } = this.podTotals;
    const problemPods = this.problems().length;
    const { state, error, forbidden } = this.state();
    return {
      context: this.context,
      cloud: this.cloud,
      state,
      ...(error ? { error } : {}),
      forbidden,
      ...(this.version ? { version: this.version } : {}),
      nodes: { ready: nodes.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length, total: nodes.length },
      pods: phases,
      problemPods,
      namespaces: this.reflectors.namespaces.store.size,
      cpu: { requestedMillis: Math.round(requestedMillis), allocatableMillis: Math.round(nodes.reduce((s, n) => s + parseQuantity(n.status?.allocatable?.cpu) * 1000, 0)) },
      memory: { requestedBytes, allocatableBytes: nodes.reduce((s, n) => s + parseQuantity(n.status?.allocatable?.memory), 0) },
    };
  }

  /**
   * Each pod is classified when it changes, not every pod on every change (a fleet on fire
   * changes constantly); all pods are classified again at least every 15 s, since grace periods
   * (Pending, NotReady) run out by themselves.
   */
  private readonly problemByPod = new Map<string, PodProblemRow>();
  private problemRows?: PodProblemRow[];
  private classifiedAt = 0;

  /** Phase counts and requests, kept up to date pod by pod: a summary does not walk every pod. */
  private readonly podTotals = { phases: { running: 0, pending: 0, succeeded: 0, failed: 0, unknown: 0 }, requestedMillis: 0, requestedBytes: 0 };
  private readonly podShares = new Map<string, PodShare>();

  private count(share: PodShare, sign: 1 | -1) {
    this.podTotals.phases[share.phase] += sign;
    this.podTotals.requestedMillis += sign * share.millis;
    this.podTotals.requestedBytes += sign * share.bytes;
  }

  private onPodChange(change: Change<ListedObject>) {
    if (change.type === 'resync') {
      this.problemRows = undefined;
      this.classifiedAt = 0;
      this.podShares.clear();
      Object.assign(this.podTotals, { phases: { running: 0, pending: 0, succeeded: 0, failed: 0, unknown: 0 }, requestedMillis: 0, requestedBytes: 0 });
      for (const [key, pod] of this.reflectors.pods.store) {
        const share = shareOf(pod as Pod);
        this.podShares.set(key, share);
        this.count(share, 1);
      }
      return this.changed.fire();
    }
    const pod = change.object as Pod;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const before = this.podShares.get(key);
    if (before) this.count(before, -1);
    const share = change.type === 'upsert' ? shareOf(pod) : undefined;
    if (share) {
      this.podShares.set(key, share);
      this.count(share, 1);
    } else this.podShares.delete(key);
    // a pod that came or went, or changed phase or requests, changes the summary and the browse levels
    const shown = !before || !share || before.phase !== share.phase || before.millis !== share.millis || before.bytes !== share.bytes;

    // most updates of a broken pod (a new back-off, an event) leave its row as it was
    const row = share ? this.classify(pod, Date.now()) : undefined;
    const old = this.problemByPod.get(key);
    if (row ? old && sameRow(old, row) : !old) {
      if (shown) this.changed.fire();
      return;
    }
    if (row) this.problemByPod.set(key, row);
    else this.problemByPod.delete(key);
    // a new array (the problem log tells a changed cluster by it), the pod's row moved into place: no sort of every row
    if (this.problemRows) this.problemRows = replaceSorted(this.problemRows, old, row);
    // a row that came or went changes the problem counts shown; one that changed only its reason or restarts, the problem list alone
    if (shown || !row || !old) this.changed.fire();
    else this.problemsChanged.fire();
  }

  problems(): PodProblemRow[] {
    const now = Date.now();
    if (now - this.classifiedAt > 15_000) {
      const before = new Map(this.problemByPod);
      this.problemByPod.clear();
      let changed = false;
      let appeared = false;
      for (const pod of this.items<Pod>('pods')) {
        const row = this.classify(pod, now);
        if (!row) continue;
        const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
        const old = before.get(key);
        // a row as it was stays the same object: the sorted rows and the problem log's diff are kept
        const same = old !== undefined && sameRow(old, row);
        this.problemByPod.set(key, same ? old : row);
        changed ||= !same;
        appeared ||= !old;
      }
      this.classifiedAt = now;
      // grace periods that ran out (Pending, NotReady) change the problem counts shown, which no watch event told
      const counts = appeared || this.problemByPod.size !== before.size;
      if (changed || counts) {
        this.problemRows = undefined;
        (counts ? this.changed : this.problemsChanged).fire();
      }
    }
    this.problemRows ??= [...this.problemByPod.values()].sort(compareProblems);
    return this.problemRows;
  }

  private classify(pod: Pod, now: number): PodProblemRow | undefined {
    const problem = classifyPod(pod, now);
    if (!problem) return undefined;
    const owner = (pod.metadata.ownerReferences as { kind: string; name: string }[] | undefined)?.[0];
    const { lastTermination: _, ...classification } = problem;
    return {
      ...classification,
      context: this.context,
      cloud: this.cloud,
      namespace: pod.metadata.namespace ?? 'default',
      pod: pod.metadata.name,
      ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
      hint: hintFor(pod, problem),
      ...(owner ? { owner: `${owner.kind}/${owner.name}` } : {}),
    };
  }

  private static readonly workloadKinds: Record<WorkloadKind, CachedResource> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', Job: 'jobs' };

  private problemCount(namespace: string, podNames?: Set<string>): number {
    return this.problems().filter((p) => p.namespace === namespace && (!podNames || podNames.has(p.pod))).length;
  }

  /** Pods a workload owns: through its ReplicaSets (by name prefix) or directly. */
  private podsOf(namespace: string, kind: WorkloadKind, name: string): Pod[] {
    return this.items<Pod>('pods').filter((p) => {
      if (p.metadata.namespace !== namespace) return false;
      const owner = (p.metadata.ownerReferences as { kind: string; name: string }[] | undefined)?.[0];
      if (!owner) return false;
      return kind === 'Deployment' ? owner.kind === 'ReplicaSet' && owner.name.startsWith(`${name}-`) && owner.name.slice(name.length + 1).indexOf('-') === -1 : owner.kind === kind && owner.name === name;
    });
  }

  browse(namespace?: string, workload?: { kind: WorkloadKind; name: string }): BrowseItem[] {
    const base = { context: this.context };
    if (!namespace) {
      const podsPer = new Map<string, number>();
      for (const p of this.items<Pod>('pods')) podsPer.set(p.metadata.namespace ?? '', (podsPer.get(p.metadata.namespace ?? '') ?? 0) + 1);
      return this.items('namespaces').map((n) => ({ ...base, kind: 'Namespace', name: n.metadata.name, status: `${podsPer.get(n.metadata.name) ?? 0} pods`, problems: this.problemCount(n.metadata.name) }));
    }
    if (!workload) {
      return (Object.entries(ClusterCache.workloadKinds) as [WorkloadKind, CachedResource][]).flatMap(([kind, resource]) =>
        this.items<ListedObject & { spec?: { replicas?: number; completions?: number }; status?: Record<string, number> }>(resource)
          .filter((w) => w.metadata.namespace === namespace)
          .map((w) => {
            const pods = new Set(this.podsOf(namespace, kind, w.metadata.name).map((p) => p.metadata.name));
            const status =
              kind === 'DaemonSet' ? `${w.status?.numberReady ?? 0}/${w.status?.desiredNumberScheduled ?? 0} ready`
              : kind === 'Job' ? `${w.status?.succeeded ?? 0}/${w.spec?.completions ?? 1} done${w.status?.failed ? `, ${w.status.failed} failed` : ''}`
              : `${w.status?.readyReplicas ?? 0}/${w.spec?.replicas ?? 1} ready`;
            return { ...base, kind, namespace, name: w.metadata.name, status, problems: this.problemCount(namespace, pods) };
          }),
      );
    }
    const broken = new Set(this.problems().filter((p) => p.namespace === namespace).map((p) => p.pod));
    return this.podsOf(namespace, workload.kind, workload.name).map((p) => ({ ...base, kind: 'Pod', namespace, name: p.metadata.name, status: p.status?.phase ?? 'Unknown', problems: broken.has(p.metadata.name) ? 1 : 0 }));
  }

  /** Namespaces, workloads and pods whose name contains the (lower-case) needle. */
  search(needle: string, limit: number): BrowseItem[] {
    const found: BrowseItem[] = [];
    for (const n of this.items('namespaces')) if (n.metadata.name.includes(needle)) found.push({ context: this.context, kind: 'Namespace', name: n.metadata.name, status: '', problems: 0 });
    for (const [kind, resource] of Object.entries(ClusterCache.workloadKinds) as [BrowseItem['kind'], CachedResource][]) {
      for (const w of this.items(resource)) if (w.metadata.name.includes(needle)) found.push({ context: this.context, kind, namespace: w.metadata.namespace, name: w.metadata.name, status: '', problems: 0 });
    }
    const broken = new Set(this.problems().map((p) => `${p.namespace}/${p.pod}`));
    for (const p of this.items<Pod>('pods')) {
      if (found.length >= limit) break;
      if (p.metadata.name.includes(needle)) found.push({ context: this.context, kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, status: p.status?.phase ?? 'Unknown', problems: broken.has(`${p.metadata.namespace}/${p.metadata.name}`) ? 1 : 0 });
    }
    return found.slice(0, limit);
  }

  pod(namespace: string, name: string): Pod | undefined {
    return this.reflectors.pods.store.get(`${namespace}/${name}`) as Pod | undefined;
  }

  eventsFor(namespace: string, names: Set<string>): KubeEvent[] {
    return this.items<KubeEvent>('events').filter(
      (e) => e.involvedObject?.namespace === namespace && names.has(e.involvedObject?.name ?? ''),
    );
  }

  node(name: string): Node | undefined {
    return this.reflectors.nodes.store.get(name) as Node | undefined;
  }
}
