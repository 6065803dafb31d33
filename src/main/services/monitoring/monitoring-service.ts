import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import type { z } from 'zod';
import type { ClusterEntry } from '../../../shared/contract/clusters.ts';
import type {
  AlertsResult,
  ClusterMonitoring,
  ClusterRouting,
  CreatedSilences,
  MonitoringService,
  QueryResult,
  RulePackResult,
  Silence,
  SilencesResult,
  alertsInput,
  createSilenceInput,
  deployRulePackInput,
  endpointsInput,
  expireSilenceInput,
  historyCopyInput,
  queryInput,
  routingInput,
  setEndpointsInput,
  silencesInput,
} from '../../../shared/contract/monitoring.ts';
import { FleetdeckError, messageOf } from '../../../shared/errors.ts';
import { mergeAlerts, type AlertmanagerAlert } from '../../../shared/monitoring/alerts.ts';
import { silenceMatchersProblem, type Matcher } from '../../../shared/monitoring/matchers.ts';
import { chooseStep, labelSeries, type ClusterError, type Series } from '../../../shared/monitoring/promql.ts';
import { routeTree } from '../../../shared/monitoring/routing.ts';
import { serverSideApply } from '../../kube/apply.ts';
import { ClusterClient } from '../../kube/cluster-client.ts';
import { objectPath, resolveType } from '../../kube/discovery.ts';
import { classifyStatus } from '../../kube/http.ts';
import { displayUrl } from '../../kube/redact.ts';
import { extension, kubeConfigFor, selectEntries, type MergedKubeconfig } from '../../kube/kubeconfig.ts';
import type { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { alertmanagerCall, externalClusterLabel, prometheusQuery } from './clients.ts';
import { checkedUrl, describeTarget, discoverCandidates, monitoringUrls, probe, targetKey, urlTarget, MonitoringSettings, type MonitoringUrls, type Target } from './endpoints.ts';
import type { HistoryReport } from '../../../shared/monitoring/history.ts';
import { copyHistory, type HistoryCopyInput } from './history/copy.ts';
import { rulePackObject } from './rule-pack.ts';

interface ClusterAnswer {
  resultType: QueryResult['resultType'];
  series: Series[];
}

interface Resolved {
  entry: ClusterEntry;
  prometheus?: Target;
  alertmanager?: Target;
  /** for display and links: without credentials, query or fragment */
  grafana?: string;
  problem?: string;
}

const whereSet = { settings: 'set in the app', kubeconfig: "in the kubeconfig's fleetdeck.io/monitoring extension" } as const;

export interface MonitoringServiceOptions {
  store: KubeconfigStore;
  /** Fleetdeck's data: the URLs set in the app (monitoring.json), the journals of history copies */
  dataDir: string;
}

/** How long a resolved endpoint (and a Prometheus's external cluster label) is reused. */
const RESOLVE_TTL_MS = 5 * 60_000;
const KUBECONFIG_TTL_MS = 5_000;
const PROBLEM_TTL_MS = 30_000;

/**
 * Prometheus and Alertmanager of every cluster: where they are, one PromQL query fanned out to all
 * of them, and one merged alert view with silences and routing.
 */
export class KubeMonitoringService implements MonitoringService {
  private readonly options: MonitoringServiceOptions;
  private readonly resolved = new Map<string, { at: number; value: Promise<Resolved> }>();
  private readonly clusterLabels = new Map<string, Promise<string | undefined>>();
  /** identical queries in flight share one request per cluster, cancelled when nobody waits for it any more */
  private readonly inFlight = new Map<string, { answer: Promise<ClusterAnswer>; controller: AbortController; waiting: number }>();
  /** the query each panel is waiting for; a newer one aborts it */
  private readonly panels = new Map<string, AbortController>();
  /** the kubeconfig as last read: a dashboard asks many queries a second, and the vault is encrypted */
  private loaded?: { at: number; value: ReturnType<KubeconfigStore['load']> };

  private readonly unsubscribe: () => void;

  private readonly settings: MonitoringSettings;

  constructor(options: MonitoringServiceOptions) {
    this.options = options;
    this.settings = new MonitoringSettings(options.dataDir);
    this.unsubscribe = options.store.onDidChange(() => {
      this.loaded = undefined;
      this.resolved.clear();
    });
  }

  /** Stops following the kubeconfig and aborts the queries in flight. */
  dispose(): void {
    this.unsubscribe();
    for (const { controller } of this.inFlight.values()) controller.abort();
    for (const controller of this.panels.values()) controller.abort();
  }

  private load(): ReturnType<KubeconfigStore['load']> {
    // kubeconfig files are read live, like kubectl does: a few seconds old at most
    if (!this.loaded || Date.now() - this.loaded.at > KUBECONFIG_TTL_MS) {
      const value = this.options.store.load();
      this.loaded = { at: Date.now(), value };
      value.catch(() => (this.loaded = undefined));
    }
    return this.loaded.value;
  }

  private async entries(contexts?: string[]): Promise<{ entries: ClusterEntry[]; config: MergedKubeconfig }> {
    const { config } = await this.load();
    return { entries: selectEntries(config, contexts), config };
  }

  /** Settings first (the user said so), then the context's extension, then discovery through the API server. */
  private resolve(entry: ClusterEntry, config: MergedKubeconfig, refresh = false): Promise<Resolved> {
    const cached = this.resolved.get(entry.context);
    if (cached && !refresh && Date.now() - cached.at < RESOLVE_TTL_MS) return cached.value;
    const value = (async (): Promise<Resolved> => {
      const settings = (await this.settings.read())[entry.context] ?? {};
      const fromKubeconfig = monitoringUrls(extension(config.contexts.get(entry.context)?.value.extensions, 'fleetdeck.io/monitoring'));
      const configured = (kind: keyof MonitoringUrls): { raw: string; source: keyof typeof whereSet } | undefined =>
        settings[kind] ? { raw: settings[kind], source: 'settings' } : fromKubeconfig[kind] ? { raw: fromKubeconfig[kind], source: 'kubeconfig' } : undefined;
      const what = (kind: keyof MonitoringUrls, source: keyof typeof whereSet) => `the ${kind} URL of context "${entry.context}" ${whereSet[source]}`;
      const resolved: Resolved = { entry };
      const missing: string[] = [];
      const grafana = configured('grafana');
      if (grafana) {
        try {
          checkedUrl(grafana.raw, what('grafana', grafana.source), false);
          resolved.grafana = displayUrl(grafana.raw);
        } catch (error) {
          missing.push(messageOf(error));
        }
      }
      for (const kind of ['prometheus', 'alertmanager'] as const) {
        const url = configured(kind);
        let target: Target | undefined;
        try {
          if (url) target = urlTarget(url.raw, url.source, what(kind, url.source));
          else {
            const kc = kubeConfigFor(config, entry.context);
            for (const candidate of await discoverCandidates(kc, kind)) {
              if (await probe(candidate, kind)) {
                target = candidate;
                break;
              }
            }
            if (!target) missing.push(`no ${kind} configured, and none found in the monitoring or prometheus namespaces`);
          }
        } catch (error) {
          missing.push(url ? messageOf(error) : `${kind} discovery failed: ${messageOf(error)}`);
        }
        if (target) resolved[kind] = target;
      }
      if (missing.length) resolved.problem = missing.join('; ');
      return resolved;
    })();
    this.resolved.set(entry.context, { at: Date.now(), value });
    // what is missing may turn up soon (a cluster back online, a Prometheus being installed)
    const forget = () => this.resolved.get(entry.context)?.value === value && this.resolved.delete(entry.context);
    value.then((r) => r.problem && setTimeout(forget, PROBLEM_TTL_MS).unref(), forget);
    return value;
  }

  private async resolveAll(contexts?: string[], refresh = false): Promise<Resolved[]> {
    const { entries, config } = await this.entries(contexts);
    return Promise.all(entries.map((e) => this.resolve(e, config, refresh)));
  }

  /** One context per Prometheus (or Alertmanager): contexts sharing one would report everything twice. */
  private async distinct(contexts: string[] | undefined, kind: 'prometheus' | 'alertmanager'): Promise<Resolved[]> {
    const seen = new Set<string>();
    return (await this.resolveAll(contexts)).filter((r) => {
      const target = r[kind];
      if (!target) return true;
      const key = targetKey(target);
      return !seen.has(key) && !!seen.add(key);
    });
  }

  private describe(r: Resolved): ClusterMonitoring {
    return {
      context: r.entry.context,
      cloud: r.entry.cloud,
      ...(r.prometheus ? { prometheus: describeTarget(r.prometheus) } : {}),
      ...(r.alertmanager ? { alertmanager: describeTarget(r.alertmanager) } : {}),
      ...(r.grafana ? { grafana: r.grafana } : {}),
      ...(r.problem ? { problem: r.problem } : {}),
    };
  }

  async endpoints(input: z.infer<typeof endpointsInput>): Promise<ClusterMonitoring[]> {
    const first = new Map<string, string>();
    return (await this.resolveAll(input.contexts, input.refresh)).map((r) => {
      const key = r.prometheus && targetKey(r.prometheus);
      const sameAs = key ? first.get(key) : undefined;
      if (key && !sameAs) first.set(key, r.entry.context);
      return { ...this.describe(r), ...(sameAs ? { sameAs } : {}) };
    });
  }

  async setEndpoints(input: z.infer<typeof setEndpointsInput>): Promise<ClusterMonitoring> {
    const { entries, config } = await this.entries([input.context]);
    const { context, ...change } = input;
    for (const [kind, raw] of Object.entries(change)) if (raw) checkedUrl(raw, `the ${kind} URL`, kind !== 'grafana');
    await this.settings.update(context, change);
    return this.describe(await this.resolve(entries[0], config, true));
  }

  private clusterLabel(target: Target): Promise<string | undefined> {
    const key = targetKey(target);
    if (!this.clusterLabels.has(key)) {
      const label = externalClusterLabel(target).catch(() => undefined);
      this.clusterLabels.set(key, label);
      setTimeout(() => this.clusterLabels.delete(key), RESOLVE_TTL_MS).unref();
    }
    return this.clusterLabels.get(key)!;
  }

  /** Copies (or with dryRun plans) the history of the selected series from one context's Prometheus into another's. */
  async copyHistory(input: z.infer<typeof historyCopyInput>, onProgress?: HistoryCopyInput['onProgress'], signal?: AbortSignal): Promise<HistoryReport> {
    const { entries, config } = await this.entries([input.fromContext, input.toContext]);
    const prometheusOf = async (context: string) => {
      const entry = entries.find((e) => e.context === context);
      if (!entry) throw new FleetdeckError('not-found', `no context ${context} in the kubeconfig`);
      const resolved = await this.resolve(entry, config);
      if (!resolved.prometheus) throw new FleetdeckError('not-found', `${context} has no Prometheus Fleetdeck can reach${resolved.problem ? `: ${resolved.problem}` : ''}`);
      return resolved.prometheus;
    };
    const [source, target] = await Promise.all([prometheusOf(input.fromContext), prometheusOf(input.toContext)]);
    const targetCluster = (await this.clusterLabel(target)) ?? input.toContext;
    return copyHistory({ ...input, source, target, targetCluster, dir: this.options.dataDir, ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
  }

  async query(input: z.infer<typeof queryInput>): Promise<QueryResult> {
    const controller = new AbortController();
    if (input.panel) {
      this.panels.get(input.panel)?.abort();
      this.panels.set(input.panel, controller);
    }
    const range = input.range ? { start: input.range.start, end: input.range.end, step: chooseStep(input.range.end - input.range.start, input.range.step) } : undefined;
    try {
      const resolved = await this.distinct(input.contexts, 'prometheus');
      const errors: ClusterError[] = [];
      const answers = await Promise.all(
        resolved.map(async (r): Promise<ClusterAnswer | undefined> => {
          if (!r.prometheus) {
            errors.push({ cluster: r.entry.context, message: r.problem ?? 'no Prometheus' });
            return undefined;
          }
          try {
            return await this.clusterQuery(r.entry.context, r.prometheus, input.query, range, input.time, controller.signal);
          } catch (error) {
            if (!controller.signal.aborted) errors.push({ cluster: r.entry.context, message: messageOf(error) });
            return undefined;
          }
        }),
      );
      const fallbackType = range ? 'matrix' : 'vector';
      if (controller.signal.aborted) return { resultType: fallbackType, series: [], answered: [], errors: [], cancelled: true };
      return {
        resultType: answers.find((a) => a)?.resultType ?? fallbackType,
        answered: resolved.filter((_, i) => answers[i]).map((r) => r.entry.context),
        series: answers.flatMap((a) => a?.series ?? []),
        errors: errors.sort((a, b) => a.cluster.localeCompare(b.cluster)),
        ...(range ? { step: range.step } : {}),
      };
    } finally {
      if (input.panel && this.panels.get(input.panel) === controller) this.panels.delete(input.panel);
    }
  }

  /** One cluster's part of a federated query; identical ones in flight share a request. */
  private clusterQuery(cluster: string, target: Target, query: string, range: { start: number; end: number; step: number } | undefined, time: number | undefined, signal: AbortSignal): Promise<ClusterAnswer> {
    const key = JSON.stringify([cluster, query, range, time]);
    let shared = this.inFlight.get(key);
    if (!shared) {
      const controller = new AbortController();
      const answer = (async () => {
        const [data, label] = await Promise.all([prometheusQuery(target, query, { ...(range ? { range } : {}), ...(time !== undefined ? { time } : {}), signal: controller.signal }), this.clusterLabel(target)]);
        return { resultType: data.resultType, series: labelSeries(cluster, data, label) };
      })().finally(() => this.inFlight.delete(key));
      answer.catch(() => undefined);
      shared = { answer, controller, waiting: 0 };
      this.inFlight.set(key, shared);
    }
    const request = shared;
    request.waiting++;
    return new Promise((resolve, reject) => {
      const leave = () => {
        // the last caller gone: Prometheus stops evaluating when the connection closes
        if (--request.waiting === 0) request.controller.abort();
        reject(signal.reason);
      };
      if (signal.aborted) return leave();
      signal.addEventListener('abort', leave, { once: true });
      request.answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', leave));
    });
  }

  /** Runs work on each cluster's Alertmanager; a failing cluster becomes an error beside the others' results. */
  private async eachAlertmanager<T>(contexts: string[] | undefined, work: (target: Target, cluster: string) => Promise<T>): Promise<{ results: { cluster: string; value: T }[]; errors: ClusterError[] }> {
    const resolved = await this.distinct(contexts, 'alertmanager');
    const results: { cluster: string; value: T }[] = [];
    const errors: ClusterError[] = [];
    await Promise.all(
      resolved.map(async (r) => {
        const cluster = r.entry.context;
        if (!r.alertmanager) return errors.push({ cluster, message: r.problem ?? 'no Alertmanager' });
        try {
          results.push({ cluster, value: await work(r.alertmanager, cluster) });
        } catch (error) {
          errors.push({ cluster, message: messageOf(error) });
        }
      }),
    );
    const byCluster = (a: { cluster: string }, b: { cluster: string }) => a.cluster.localeCompare(b.cluster);
    return { results: results.sort(byCluster), errors: errors.sort(byCluster) };
  }

  async alerts(input: z.infer<typeof alertsInput>): Promise<AlertsResult> {
    const { results, errors } = await this.eachAlertmanager(input.contexts, (target) => alertmanagerCall<AlertmanagerAlert[]>(target, 'alerts'));
    const merged = { alerts: mergeAlerts(results.map(({ cluster, value }) => ({ cluster, alerts: value }))), answered: results.map((r) => r.cluster), errors };
    // a refresh of thousands of alerts that did not change is not sent (and parsed by the renderer) again
    const version = createHash('sha256').update(JSON.stringify(merged)).digest('hex').slice(0, 32);
    return version === input.unlessVersion ? { alerts: [], answered: [], errors: [], version, unchanged: true } : { ...merged, version };
  }

  async silences(input: z.infer<typeof silencesInput>): Promise<SilencesResult> {
    type Gettable = { id: string; matchers: Matcher[]; startsAt: string; endsAt: string; createdBy: string; comment: string; status: { state: Silence['state'] } };
    const { results, errors } = await this.eachAlertmanager(input.contexts, (target) => alertmanagerCall<Gettable[]>(target, 'silences'));
    const silences = results.flatMap(({ cluster, value }) =>
      value.map((s) => ({ cluster, id: s.id, matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual ?? true })), startsAt: s.startsAt, endsAt: s.endsAt, createdBy: s.createdBy, comment: s.comment, state: s.status.state })),
    );
    const order = { active: 0, pending: 1, expired: 2 };
    return { silences: silences.sort((a, b) => order[a.state] - order[b.state] || b.startsAt.localeCompare(a.startsAt)), answered: results.map((r) => r.cluster), errors };
  }

  async createSilence(input: z.infer<typeof createSilenceInput>): Promise<CreatedSilences> {
    const problem = silenceMatchersProblem(input.matchers);
    if (problem) throw new FleetdeckError('invalid-input', problem);
    const startsAt = new Date();
    const endsAt = new Date(startsAt.getTime() + input.durationMinutes * 60_000);
    const body = { matchers: input.matchers, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), createdBy: input.createdBy, comment: input.comment };
    const { results, errors } = await this.eachAlertmanager(input.contexts, (target) => alertmanagerCall<{ silenceID: string }>(target, 'silences', { method: 'POST', body }));
    return { created: results.map(({ cluster, value }) => ({ cluster, id: value.silenceID })), errors };
  }

  async expireSilence(input: z.infer<typeof expireSilenceInput>): Promise<{ cluster: string; id: string }> {
    const [{ alertmanager, problem }] = await this.distinct([input.context], 'alertmanager');
    if (!alertmanager) throw new FleetdeckError('unreachable', `${input.context}: ${problem ?? 'no Alertmanager'}`);
    const silence = `silence/${encodeURIComponent(input.id)}`;
    try {
      // Alertmanager answers the DELETE of an unknown id with HTTP 500, the GET of it with 404
      await alertmanagerCall<unknown>(alertmanager, silence);
      await alertmanagerCall<unknown>(alertmanager, silence, { method: 'DELETE' });
    } catch (error) {
      if (!(error instanceof FleetdeckError)) throw error;
      throw new FleetdeckError(error.code, error.code === 'not-found' ? `${input.context}: Alertmanager has no silence ${input.id} (not found)` : `${input.context}: ${error.message}`);
    }
    return { cluster: input.context, id: input.id };
  }

  async routing(input: z.infer<typeof routingInput>): Promise<ClusterRouting[]> {
    type Status = { config?: { original?: string } };
    const { results, errors } = await this.eachAlertmanager(input.contexts, (target) => alertmanagerCall<Status>(target, 'status'));
    const routed = results.map(({ cluster, value }): ClusterRouting => {
      try {
        const config = (parse(value.config?.original ?? '') ?? {}) as { route?: object; receivers?: { name: string }[] };
        const route = routeTree(config);
        return { cluster, ...(route ? { route } : {}), receivers: (config.receivers ?? []).map((r) => r.name) };
      } catch (error) {
        return { cluster, receivers: [], error: `cannot read the routing configuration: ${messageOf(error)}` };
      }
    });
    return [...routed, ...errors.map((e) => ({ cluster: e.cluster, receivers: [], error: e.message }))].sort((a, b) => a.cluster.localeCompare(b.cluster));
  }

  async deployRulePack(input: z.infer<typeof deployRulePackInput>): Promise<RulePackResult> {
    const { config } = await this.entries([input.context]);
    const client = new ClusterClient(kubeConfigFor(config, input.context), input.context, { retryForMs: 10_000 });
    try {
      const rule = await rulePackObject(input.namespace);
      const { namespace, name } = rule.metadata;
      const type = await resolveType(client, [], 'monitoring.coreos.com/v1', 'PrometheusRule');
      if (!type) {
        throw new FleetdeckError('not-found', `${input.context} does not serve monitoring.coreos.com/v1 PrometheusRule: install prometheus-operator (kube-prometheus-stack) first, or load resources/alert-rules/fleetdeck.rules.yaml into Prometheus's rule_files`);
      }
      const url = objectPath(type, namespace, name);
      const what = `PrometheusRule ${namespace}/${name} on ${input.context}`;
      const existing = await client.request<{ spec?: unknown }>('GET', url);
      if (existing.status !== 200 && existing.status !== 404) throw classifyStatus(existing.status, existing.text, `read ${what}`);
      // always a server-side dry run first: a rejected rule file never half-applies
      const preview = await serverSideApply<{ spec?: unknown }>(client, url, rule, { dryRun: true });
      if (preview.status >= 300) throw classifyStatus(preview.status, preview.text, what);
      const before = existing.status === 200 ? existing.body.spec : undefined;
      const after = preview.body.spec;
      const result = before === undefined ? 'created' : JSON.stringify(before) === JSON.stringify(after) ? 'unchanged' : 'updated';
      if (!input.dryRun && result !== 'unchanged') {
        const applied = await serverSideApply(client, url, rule);
        if (applied.status >= 300) throw classifyStatus(applied.status, applied.text, what);
      }
      return { context: input.context, namespace, name, dryRun: input.dryRun, result, rules: rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert ?? r.record ?? '')).filter(Boolean) };
    } finally {
      client.close();
    }
  }
}
