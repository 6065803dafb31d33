// One cluster's Argo CD and Flux objects kept live: the served version of each kind is discovered,
// then each installed kind is listed and watched (a reflector, as the fleet caches do).
import type { ContextConfig } from '../../kube/context-config.ts';
import type { GitOpsNotice } from '../../../shared/contract/gitops.ts';
import { gitopsKinds, kindInfo, toGitOpsApp, type GitOpsApp, type GitOpsKind } from '../../../shared/gitops/status.ts';
import { canI, forbiddenMessage } from '../../kube/access.ts';
import type { ListedObject } from '../../../shared/kube-object.ts';
import { servedVersions } from '../../kube/discovery.ts';
import { listWatch } from '../../kube/list-watch.ts';
import { Reflector } from '../../kube/reflector.ts';

/** A kind found missing is looked for again after this long (the CRD may have been installed since). */
const REDISCOVER_AFTER_MS = 60_000;
/** How long a "may patch" answer is trusted. */
const ACCESS_TTL_MS = 60_000;

/** Resolves once the reflector has answered: listed, failed for good, or lost its connection. */
const answered = (reflector: Reflector<ListedObject>) =>
  new Promise<void>((resolve) => {
    if (reflector.state.phase !== 'listing') return resolve();
    const off = reflector.onState((state) => state.phase !== 'listing' && (off(), resolve()));
  });

export interface ClusterReading {
  apps: GitOpsApp[];
  notices: GitOpsNotice[];
  /** set while the watches are reconnecting: the apps are the last state seen */
  error?: string;
}

export class ClusterGitOps {
  readonly context: string;
  private readonly kc: ContextConfig;
  private readonly onChange: () => void;
  private readonly watches = new Map<GitOpsKind, { apiVersion: string; reflector: Reflector<ListedObject> }>();
  /** kinds not served, and why */
  private readonly missing = new Map<GitOpsKind, string>();
  private discoveredAt = 0;
  /** a discovery still running when the cluster is dropped starts no watches */
  private stopped = false;
  private discovering?: Promise<void>;
  /** "may patch" per kind and namespace, with when it was asked */
  private readonly access = new Map<string, { at: number; forbidden: Promise<string | undefined> }>();

  constructor(context: string, kc: ContextConfig, onChange: () => void) {
    this.context = context;
    this.kc = kc;
    this.onChange = onChange;
  }

  /** Discovers the kinds and waits until each watched kind has answered; missing kinds are looked for again once in a while. */
  async ready(): Promise<void> {
    if (!this.discoveredAt) {
      this.discovering ??= this.discover().finally(() => (this.discovering = undefined));
      await this.discovering;
    } else if (this.missing.size > 0 && Date.now() - this.discoveredAt > REDISCOVER_AFTER_MS) {
      // in the background: a kind found now is announced once its watch has listed it
      this.discovering ??= this.discover()
        .catch(() => undefined)
        .finally(() => (this.discovering = undefined));
    }
    await Promise.all([...this.watches.values()].map(({ reflector }) => answered(reflector)));
  }

  private async discover() {
    const kinds = gitopsKinds.filter((k) => !this.watches.has(k.kind));
    const groups = new Map<string, Awaited<ReturnType<typeof servedVersions>>>();
    for (const group of new Set(kinds.map((k) => k.group))) groups.set(group, await servedVersions(this.kc, group));
    if (this.stopped) return;
    for (const { kind, group, plural } of kinds) {
      const { versions, notice } = groups.get(group)!;
      const version = versions?.get(plural);
      if (!version) {
        this.missing.set(kind, notice ? `${group} ${notice}` : `${plural}.${group} not installed`);
        continue;
      }
      this.missing.delete(kind);
      const reflector = new Reflector(listWatch<ListedObject>(this.kc, `/apis/${group}/${version}/${plural}`), `${plural}.${group}`);
      reflector.onChange(this.onChange);
      reflector.onState(this.onChange);
      void reflector.start();
      this.watches.set(kind, { apiVersion: `${group}/${version}`, reflector });
    }
    this.discoveredAt = Date.now();
  }

  /** The apps as last seen, each marked when the user may not patch it (its actions are then not offered). */
  async read(): Promise<ClusterReading> {
    const notices: GitOpsNotice[] = [...this.missing].map(([kind, reason]) => ({ cluster: this.context, kind, reason }));
    const apps: GitOpsApp[] = [];
    let error: string | undefined;
    for (const [kind, { apiVersion, reflector }] of this.watches) {
      const { group, plural } = kindInfo(kind);
      const state = reflector.state;
      if (state.phase === 'failed') {
        const reason = state.code === 'forbidden' ? forbiddenMessage({ verb: 'list', resource: plural }) : state.code === 'not-found' ? `${plural}.${group} not installed` : state.error;
        notices.push({ cluster: this.context, kind, reason });
        continue;
      }
      if (state.phase === 'reconnecting') error = `reconnecting (showing the last state seen): ${state.error}`;
      for (const object of reflector.store.values()) apps.push(toGitOpsApp(this.context, kind, { apiVersion, ...object }));
    }
    await Promise.all(apps.map(async (app) => (app.forbidden = await this.patchForbidden(app.kind, app.namespace))));
    return { apps, notices, ...(error ? { error } : {}) };
  }

  /** Why the user may not patch this kind in this namespace (every action is a patch); undefined when allowed. */
  private async patchForbidden(kind: GitOpsKind, namespace: string): Promise<string | undefined> {
    const key = `${kind}/${namespace}`;
    const known = this.access.get(key);
    if (known && Date.now() - known.at < ACCESS_TTL_MS) return known.forbidden;
    const { group, plural } = kindInfo(kind);
    const question = { verb: 'patch', resource: plural, group, namespace };
    // when the review itself fails, the actions stay offered: the write then says what went wrong
    const forbidden = canI(this.kc, question).then((allowed) => (allowed ? undefined : forbiddenMessage(question)), () => undefined);
    this.access.set(key, { at: Date.now(), forbidden });
    return forbidden;
  }

  stop(): void {
    this.stopped = true;
    for (const { reflector } of this.watches.values()) reflector.stop();
  }
}
