// Argo CD and Flux across the fleet through each cluster's Kubernetes API only (no Argo CD API
// server, no flux CLI): every application in one list, and the actions the controllers understand.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ActInput, ActResult, DriftInput, DriftItem, GitOpsNotice, GitOpsService, GitOpsStatus } from '../../../shared/contract/gitops.ts';
import type { KubeObject } from '../../../shared/migration/rules.ts';
import { detectDrift, selfHeal } from './drift.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { streamObjects } from '../../../shared/manifests/documents.ts';
import { actionPatch, actionProblem, actionSettled, sourceOf } from '../../../shared/gitops/actions.ts';
import { attentionRank, gitopsKinds, kindInfo, toGitOpsApp, type GitOpsApp, type GitOpsKind } from '../../../shared/gitops/status.ts';
import { canI, forbiddenMessage } from '../clusters/access.ts';
import { classifyStatus, kubeRequest, statusMessage } from '../clusters/http.ts';
import { kubeConfigFor, selectEntries } from '../clusters/kubeconfig.ts';
import type { KubeconfigStore } from '../clusters/kubeconfig-store.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export interface GitOpsServiceOptions {
  store: KubeconfigStore;
  /** renders a workspace folder's kustomization to a YAML stream (the manifests service) */
  render(workspace: string, overlay: string): Promise<string>;
}

/**
 * For each resource of an API group, the version to use: the preferred one when it serves the
 * resource, else the first that does (an older Flux serves OCIRepository only as v1beta2).
 */
async function servedVersions(kc: KubeConfig, group: string): Promise<{ versions?: Map<string, string>; notice?: string }> {
  const res = await kubeRequest(kc, `/apis/${group}`, { timeoutMs: 15_000 });
  if (res.status === 404) return { notice: 'not installed (no such API group)' };
  if (res.status >= 300) throw classifyStatus(res.status, res.body, `GET /apis/${group}`);
  const body = JSON.parse(res.body) as { preferredVersion?: { version?: string }; versions?: { version: string }[] };
  const ordered = [...new Set([body.preferredVersion?.version, ...(body.versions ?? []).map((v) => v.version)].filter((v): v is string => !!v))];
  const versions = new Map<string, string>();
  for (const version of ordered) {
    const list = await kubeRequest(kc, `/apis/${group}/${version}`, { timeoutMs: 15_000 });
    if (list.status >= 300) continue;
    for (const r of (JSON.parse(list.body) as { resources?: { name: string }[] }).resources ?? []) if (!r.name.includes('/') && !versions.has(r.name)) versions.set(r.name, version);
  }
  return { versions };
}

export class KubeGitOpsService implements GitOpsService {
  private readonly options: GitOpsServiceOptions;

  constructor(options: GitOpsServiceOptions) {
    this.options = options;
  }

  private async clusters(contexts?: string[]) {
    const { config } = await this.options.store.load();
    return selectEntries(config, contexts).map((entry) => ({ entry, kc: kubeConfigFor(config, entry.context) }));
  }

  async status({ contexts }: { contexts?: string[] }): Promise<GitOpsStatus> {
    const apps: GitOpsApp[] = [];
    const notices: GitOpsNotice[] = [];
    const errors: { cluster: string; message: string }[] = [];
    const answered: string[] = [];
    await Promise.all(
      (await this.clusters(contexts)).map(async ({ entry, kc }) => {
        try {
          const groups = new Map<string, Awaited<ReturnType<typeof servedVersions>>>();
          for (const group of new Set(gitopsKinds.map((k) => k.group))) groups.set(group, await servedVersions(kc, group));
          await Promise.all(
            gitopsKinds.map(async ({ kind, group, plural }) => {
              const { versions, notice } = groups.get(group)!;
              if (notice) return notices.push({ cluster: entry.context, kind, reason: `${group} ${notice}` });
              const version = versions!.get(plural);
              if (!version) return notices.push({ cluster: entry.context, kind, reason: `${plural}.${group} not installed` });
              const res = await kubeRequest(kc, `/apis/${group}/${version}/${plural}`, { timeoutMs: 30_000 });
              if (res.status === 404) return notices.push({ cluster: entry.context, kind, reason: `${plural}.${group} not installed` });
              if (res.status === 403) return notices.push({ cluster: entry.context, kind, reason: forbiddenMessage({ verb: 'list', resource: plural }) });
              if (res.status >= 300) return notices.push({ cluster: entry.context, kind, reason: `listing ${plural} failed: ${statusMessage(res.body)}` });
              const items = (JSON.parse(res.body) as { items?: unknown[] }).items ?? [];
              for (const item of items) apps.push(toGitOpsApp(entry.context, kind, { apiVersion: `${group}/${version}`, ...(item as object) }));
            }),
          );
          answered.push(entry.context);
        } catch (error) {
          errors.push({ cluster: entry.context, message: messageOf(error) });
        }
      }),
    );
    apps.sort((a, b) => attentionRank(a) - attentionRank(b) || a.context.localeCompare(b.context) || a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    const order = (x: { cluster: string }, y: { cluster: string }) => x.cluster.localeCompare(y.cluster);
    return { apps, notices: notices.sort(order), answered: answered.sort(), errors: errors.sort(order) };
  }

  /** Writes what the controller expects, then follows the object until the controller has acted or the timeout passes. */
  async act(input: ActInput): Promise<ActResult> {
    const [{ kc }] = await this.clusters([input.context]);
    const groups = new Map<string, ReturnType<typeof servedVersions>>();
    const path = async (kind: GitOpsKind, namespace: string, name: string) => {
      const { group, plural } = kindInfo(kind);
      if (!groups.has(group)) groups.set(group, servedVersions(kc, group));
      const version = (await groups.get(group)!).versions?.get(plural);
      if (!version) throw new FleetdeckError('not-found', `${input.context}: ${plural}.${group} is not installed`);
      return `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}`;
    };
    const get = async (kind: GitOpsKind, namespace: string, name: string) => {
      const res = await kubeRequest(kc, await path(kind, namespace, name), { timeoutMs: 15_000 });
      if (res.status === 404) throw new FleetdeckError('not-found', `${kind} ${namespace}/${name} not found in ${input.context}`);
      if (res.status === 403) throw new FleetdeckError('forbidden', forbiddenMessage({ verb: 'get', resource: kindInfo(kind).plural, namespace }));
      if (res.status >= 300) throw classifyStatus(res.status, res.body, `GET ${kind} ${namespace}/${name}`);
      return JSON.parse(res.body) as unknown;
    };
    const patch = async (kind: GitOpsKind, namespace: string, name: string, body: unknown) => {
      const question = { verb: 'patch', resource: kindInfo(kind).plural, group: kindInfo(kind).group, namespace };
      if (!(await canI(kc, question))) throw new FleetdeckError('forbidden', forbiddenMessage(question));
      const res = await kubeRequest(kc, await path(kind, namespace, name), { method: 'PATCH', body, contentType: 'application/merge-patch+json', timeoutMs: 15_000 });
      if (res.status === 403) throw new FleetdeckError('forbidden', forbiddenMessage(question));
      if (res.status >= 300) throw classifyStatus(res.status, res.body, `PATCH ${kind} ${namespace}/${name}`);
    };

    const current = await get(input.kind, input.namespace, input.name);
    const problem = actionProblem(input.kind, input.action, current);
    if (problem) throw new FleetdeckError('invalid-input', `${input.kind} ${input.namespace}/${input.name}: ${problem}`);
    const requestedAt = new Date().toISOString();
    const written: ActResult['written'] = [];
    if (input.action === 'reconcile' && input.withSource) {
      const source = sourceOf(input.kind, current);
      if (!source) throw new FleetdeckError('invalid-input', `${input.kind} ${input.namespace}/${input.name} names no GitRepository, OCIRepository or HelmRepository source`);
      const sourcePatch = actionPatch('reconcile', requestedAt);
      await patch(source.kind, source.namespace ?? input.namespace, source.name, sourcePatch);
      written.push({ kind: source.kind, namespace: source.namespace ?? input.namespace, name: source.name, patch: sourcePatch });
    }
    const body = actionPatch(input.action, requestedAt, input);
    await patch(input.kind, input.namespace, input.name, body);
    written.push({ kind: input.kind, namespace: input.namespace, name: input.name, patch: body });

    const deadline = Date.now() + (input.timeoutSeconds ?? 60) * 1000;
    let latest = await get(input.kind, input.namespace, input.name);
    while (!actionSettled(input.action, latest, requestedAt) && Date.now() < deadline) {
      await sleep(1_000);
      latest = await get(input.kind, input.namespace, input.name);
    }
    const settled = actionSettled(input.action, latest, requestedAt);
    return {
      written,
      settled,
      requestedAt,
      message: settled ? `${input.action} done: the controller has acted` : `${input.action} requested; the controller did not act within ${input.timeoutSeconds ?? 60} s (is ${kindInfo(input.kind).tool === 'argo' ? 'the Argo CD application controller' : 'the Flux controller'} running in ${input.context}?)`,
      app: toGitOpsApp(input.context, input.kind, latest),
    };
  }

  private async desired(input: DriftInput): Promise<{ kc: KubeConfig; objects: KubeObject[] }> {
    const [{ kc }] = await this.clusters([input.context]);
    const yaml = await this.options.render(input.workspace, input.overlay);
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
