// Argo CD and Flux across the fleet through each cluster's Kubernetes API only (no Argo CD API
// server, no flux CLI): every application in one list, and the actions the controllers understand.
import type { ContextConfig } from '../../kube/context-config.ts';
import type { ActInput, ActResult, DriftInput, DriftItem, GitOpsNotice, GitOpsService, GitOpsStatus } from '../../../shared/contract/gitops.ts';
import type { KubeObject, ListedObject } from '../../../shared/kube-object.ts';
import { detectDrift, selfHeal } from './drift.ts';
import { FleetdeckError, messageOf } from '../../../shared/errors.ts';
import { streamObjects } from '../../../shared/manifests/documents.ts';
import { actionPatch, actionProblem, actionSettled, ownedBy, sourceOf } from '../../../shared/gitops/actions.ts';
import { attentionStates, gitopsKinds, kindInfo, obj, toGitOpsApp, type GitOpsApp, type GitOpsKind } from '../../../shared/gitops/status.ts';
import { canI, forbiddenMessage } from '../../kube/access.ts';
import { classifyStatus, kubeOk, kubeRequest, kubeStream } from '../../kube/http.ts';
import { kubeConfigFor, selectEntries, type MergedKubeconfig } from '../../kube/kubeconfig.ts';
import type { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { ContextChanges } from '../../kube/context-changes.ts';
import { parseWatchLine } from '../../kube/list-watch.ts';
import { ClusterGitOps } from './cluster-gitops.ts';
import { servedVersions } from '../../kube/discovery.ts';
import { within } from '../../base/clock.ts';

/** How long a status waits for a cluster's first answer: a slow one must not hold the others back. */
const FIRST_ANSWER_WAIT_MS = 10_000;

export interface GitOpsServiceOptions {
  store: KubeconfigStore;
  /**
   * renders a workspace folder's kustomization to a YAML stream (the manifests service, which
   * accepts only folders opened in Fleetdeck, and fetches remote resources only when allowed)
   */
  render(workspace: string, overlay: string, allowRemote: boolean): Promise<string>;
  /** how long change notifications are gathered before one is sent */
  throttleMs?: number;
}

/**
 * Follows one object through a watch from the state it was written in, until `done` or the
 * deadline; returns the last state seen.
 */
async function follow(kc: ContextConfig, collection: string, written: unknown, done: (object: unknown) => boolean, deadline: number): Promise<unknown> {
  let latest = written;
  const name = String(obj(obj(written).metadata).name);
  while (!done(latest) && Date.now() < deadline) {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), deadline - Date.now());
    const from = String(obj(obj(latest).metadata).resourceVersion ?? '');
    const path = `${collection}?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}&watch=1&resourceVersion=${encodeURIComponent(from)}&timeoutSeconds=${Math.ceil((deadline - Date.now()) / 1000)}`;
    let failure: FleetdeckError | undefined;
    try {
      await kubeStream(kc, path, {
        signal: stop.signal,
        onLine: (line) => {
          const event = parseWatchLine<ListedObject>(line, collection);
          if (event.type === 'BOOKMARK') return;
          if (event.type === 'ERROR') failure = event.error;
          else if (event.type === 'DELETED') failure = new FleetdeckError('not-found', `${name} was deleted while Fleetdeck waited for the controller`);
          else latest = event.object;
          if (failure || done(latest)) stop.abort();
        },
      });
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
    }
    if (failure?.code === 'gone') latest = JSON.parse(await kubeOk(kc, `${collection}/${encodeURIComponent(name)}`));
    else if (failure) throw failure;
  }
  return latest;
}

/** Every Argo CD and Flux object of the fleet, kept live by watches; actions through the Kubernetes API. */
export class KubeGitOpsService implements GitOpsService {
  private readonly options: GitOpsServiceOptions;
  private readonly watched = new Map<string, ClusterGitOps>();
  private readonly changes: ContextChanges;
  readonly onDidChange: ContextChanges['event'];

  private unsubscribe?: () => void;

  constructor(options: GitOpsServiceOptions) {
    this.options = options;
    this.changes = new ContextChanges(options.throttleMs ?? 250);
    this.onDidChange = this.changes.event;
  }

  /** A kubeconfig file edited, a kubeconfig imported or removed: the contexts it touched are watched afresh on next use. */
  private followKubeconfig(): void {
    this.unsubscribe ??= this.options.store.onDidChange(({ contexts }) => {
      for (const context of contexts) {
        this.watched.get(context)?.stop();
        this.watched.delete(context);
        this.privileges.delete(context);
      }
      this.changes.add(...contexts);
    });
  }

  /** Stops every watch and stops following the kubeconfig. */
  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const cluster of this.watched.values()) cluster.stop();
    this.watched.clear();
    this.changes.dispose();
  }

  private async clusters(contexts?: string[]) {
    const { config } = await this.options.store.load();
    return selectEntries(config, contexts).map((entry) => ({ entry, kc: kubeConfigFor(config, entry.context) }));
  }

  /** per context: how much it may do with Argo CD and Flux objects, asked once (until the kubeconfig changes) */
  private readonly privileges = new Map<string, Promise<number | undefined>>();

  /** One point for each kind the context may list cluster-wide, one for each it may patch; undefined when the cluster did not answer (asked again next time). */
  private privilegeOf(context: string, kc: ContextConfig): Promise<number | undefined> {
    let known = this.privileges.get(context);
    if (!known) {
      const questions = gitopsKinds.flatMap(({ group, plural }) => ['list', 'patch'].map((verb) => canI(kc, { verb, resource: plural, group })));
      known = Promise.allSettled(questions).then((answers) => {
        if (answers.every((a) => a.status === 'rejected')) {
          this.privileges.delete(context);
          return undefined;
        }
        return answers.filter((a) => a.status === 'fulfilled' && a.value).length;
      });
      this.privileges.set(context, known);
    }
    return known;
  }

  /**
   * One entry per cluster, as the fleet view counts them (contexts of one API server are one
   * cluster): read through the context allowed the most, the first in the kubeconfig on a tie or
   * when the cluster does not answer in time. The watches of its other contexts are stopped.
   */
  private async perCluster(contexts?: string[]): Promise<{ kc: ContextConfig; contexts: string[] }[]> {
    const { config } = await this.options.store.load();
    const servers = new Map<string, string[]>();
    for (const { server, context } of selectEntries(config, contexts)) servers.set(server, [...(servers.get(server) ?? []), context]);
    return Promise.all([...servers.values()].map((names) => this.mostPrivileged(config, names)));
  }

  private async mostPrivileged(config: MergedKubeconfig, names: string[]): Promise<{ kc: ContextConfig; contexts: string[] }> {
    const kcs = names.map((name) => kubeConfigFor(config, name));
    let best = 0;
    if (names.length > 1) {
      const scores = await within(Promise.all(names.map((name, i) => this.privilegeOf(name, kcs[i]))), FIRST_ANSWER_WAIT_MS);
      if (scores !== 'late') best = scores.reduce<number>((b, score, i) => ((score ?? -1) > (scores[b] ?? -1) ? i : b), 0);
    }
    const others = names.filter((_, i) => i !== best);
    for (const other of others) {
      this.watched.get(other)?.stop();
      this.watched.delete(other);
    }
    return { kc: kcs[best], contexts: [names[best], ...others] };
  }

  async status({ contexts }: { contexts?: string[] }): Promise<GitOpsStatus> {
    const apps: GitOpsApp[] = [];
    const notices: GitOpsNotice[] = [];
    const errors: { cluster: string; message: string }[] = [];
    const answered: string[] = [];
    this.followKubeconfig();
    await Promise.all(
      (await this.perCluster(contexts)).map(async ({ kc, contexts: names }) => {
        const context = names[0];
        let cluster = this.watched.get(context);
        if (!cluster) this.watched.set(context, (cluster = new ClusterGitOps(context, kc, () => this.changes.add(context))));
        try {
          if ((await within(cluster.ready(), FIRST_ANSWER_WAIT_MS)) === 'late') {
            errors.push({ cluster: context, message: `no answer within ${FIRST_ANSWER_WAIT_MS / 1000} s; still trying: its objects appear when it answers` });
            return;
          }
          const reading = await cluster.read();
          apps.push(...reading.apps.map((app) => ({ ...app, contexts: names })));
          notices.push(...reading.notices);
          if (reading.error) errors.push({ cluster: context, message: reading.error });
          else answered.push(context);
        } catch (error) {
          // discovery failed (unreachable, expired token…): nothing is watched yet; try again next time
          cluster.stop();
          this.watched.delete(context);
          errors.push({ cluster: context, message: messageOf(error) });
        }
      }),
    );
    const rank = (app: GitOpsApp) => attentionStates.indexOf(app.attention);
    apps.sort((a, b) => rank(a) - rank(b) || a.context.localeCompare(b.context) || a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    const order = (x: { cluster: string }, y: { cluster: string }) => x.cluster.localeCompare(y.cluster);
    return { apps, notices: notices.sort(order), answered: answered.sort(), errors: errors.sort(order) };
  }

  /**
   * Writes what the controller expects, then follows each written object until the controller has
   * acted or the timeout passes. An ApplicationSet sync is a sync of every Application it owns.
   */
  async act(input: ActInput): Promise<ActResult> {
    const [{ kc }] = await this.clusters([input.context]);
    const groups = new Map<string, ReturnType<typeof servedVersions>>();
    const collection = async (kind: GitOpsKind, namespace: string) => {
      const { group, plural } = kindInfo(kind);
      if (!groups.has(group)) groups.set(group, servedVersions(kc, group));
      const version = (await groups.get(group)!).versions?.get(plural);
      if (!version) throw new FleetdeckError('not-found', `${input.context}: ${plural}.${group} is not installed`);
      return `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
    };
    const read = async (kind: GitOpsKind, namespace: string, name?: string) => {
      const what = name ? `${kind} ${namespace}/${name}` : `${kindInfo(kind).plural} in ${namespace}`;
      const res = await kubeRequest(kc, `${await collection(kind, namespace)}${name ? `/${encodeURIComponent(name)}` : ''}`, { timeoutMs: 15_000 });
      if (res.status === 404) throw new FleetdeckError('not-found', `${what} not found in ${input.context}`);
      if (res.status === 403) throw new FleetdeckError('forbidden', forbiddenMessage({ verb: name ? 'get' : 'list', resource: kindInfo(kind).plural, namespace }));
      if (res.status >= 300) throw classifyStatus(res.status, res.body, `GET ${what}`);
      return JSON.parse(res.body) as unknown;
    };
    const patch = async (kind: GitOpsKind, namespace: string, name: string, body: unknown) => {
      const question = { verb: 'patch', resource: kindInfo(kind).plural, group: kindInfo(kind).group, namespace };
      if (!(await canI(kc, question))) throw new FleetdeckError('forbidden', forbiddenMessage(question));
      const res = await kubeRequest(kc, `${await collection(kind, namespace)}/${encodeURIComponent(name)}`, { method: 'PATCH', body, contentType: 'application/merge-patch+json', timeoutMs: 15_000 });
      if (res.status === 403) throw new FleetdeckError('forbidden', forbiddenMessage(question));
      if (res.status >= 300) throw classifyStatus(res.status, res.body, `PATCH ${kind} ${namespace}/${name}`);
      return JSON.parse(res.body) as unknown;
    };

    const current = await read(input.kind, input.namespace, input.name);
    const problem = actionProblem(input.kind, input.action, current, input);
    if (problem) throw new FleetdeckError('invalid-input', `${input.kind} ${input.namespace}/${input.name}: ${problem}`);
    // what is written and followed: the object itself, or an ApplicationSet's Applications
    let targets: { kind: GitOpsKind; name: string }[] = [{ kind: input.kind, name: input.name }];
    if (input.kind === 'ApplicationSet' && input.action === 'sync') {
      const owned = ownedBy(obj(await read('Application', input.namespace)).items as unknown[], current);
      if (!owned.length) throw new FleetdeckError('invalid-input', `ApplicationSet ${input.namespace}/${input.name} owns no Application yet: refresh it so its generators run`);
      const busy = owned.filter((app) => actionProblem('Application', 'sync', app)).map((app) => String(obj(obj(app).metadata).name));
      if (busy.length) throw new FleetdeckError('invalid-input', `ApplicationSet ${input.namespace}/${input.name}: an operation is already running on ${busy.join(', ')}; wait for it or terminate it in Argo CD`);
      targets = owned.map((app) => ({ kind: 'Application', name: String(obj(obj(app).metadata).name) }));
    }

    const requestedAt = new Date().toISOString();
    const written: ActResult['written'] = [];
    if (input.action === 'reconcile' && input.withSource) {
      const source = sourceOf(input.kind, current);
      if (!source) throw new FleetdeckError('invalid-input', `${input.kind} ${input.namespace}/${input.name} names no GitRepository, OCIRepository or HelmRepository source`);
      const sourcePatch = actionPatch(source.kind, 'reconcile', requestedAt);
      await patch(source.kind, source.namespace ?? input.namespace, source.name, sourcePatch);
      written.push({ kind: source.kind, namespace: source.namespace ?? input.namespace, name: source.name, patch: sourcePatch });
    }
    const deadline = Date.now() + (input.timeoutSeconds ?? 60) * 1000;
    const finals = await Promise.all(
      targets.map(async ({ kind, name }) => {
        const body = actionPatch(kind, input.action, requestedAt, input);
        const after = await patch(kind, input.namespace, name, body);
        written.push({ kind, namespace: input.namespace, name, patch: body });
        const done = (o: unknown) => actionSettled(kind, input.action, o, requestedAt);
        const latest = await follow(kc, await collection(kind, input.namespace), after, done, deadline);
        return { latest, settled: done(latest) };
      }),
    );
    const settled = finals.every((f) => f.settled);
    const controller = kindInfo(input.kind).tool === 'argo' ? (input.kind === 'ApplicationSet' && input.action === 'refresh' ? 'the ApplicationSet controller' : 'the Argo CD application controller') : 'the Flux controller';
    const what = targets[0].kind !== input.kind ? `${input.action} of ${targets.length} Application${targets.length === 1 ? '' : 's'}` : input.action;
    return {
      written,
      settled,
      requestedAt,
      message: settled ? `${what} done: the controller has acted` : `${what} requested; the controller did not act within ${input.timeoutSeconds ?? 60} s (is ${controller} running in ${input.context}?)`,
      app: toGitOpsApp(input.context, input.kind, targets[0].kind === input.kind ? finals[0].latest : await read(input.kind, input.namespace, input.name)),
    };
  }

  private async desired(input: DriftInput): Promise<{ kc: ContextConfig; objects: KubeObject[] }> {
    const [{ kc }] = await this.clusters([input.context]);
    const yaml = await this.options.render(input.workspace, input.overlay, !!input.allowRemote);
    const objects = streamObjects(yaml).filter((o) => o.kind) as unknown as KubeObject[];
    if (!objects.length) throw new FleetdeckError('invalid-input', `${input.overlay || '.'} renders no objects`);
    return { kc, objects };
  }

  async drift(input: DriftInput): Promise<DriftItem[]> {
    const { kc, objects } = await this.desired(input);
    return detectDrift(kc, input.context, objects);
  }

  async selfHeal(input: DriftInput): Promise<{ applied: number; remaining: DriftItem[] }> {
    const { kc, objects } = await this.desired(input);
    const applied = await selfHeal(kc, input.context, objects);
    return { applied, remaining: await detectDrift(kc, input.context, objects) };
  }
}
