import { z } from 'zod';
import type { Cloud } from '../cloud.ts';
import type { MergedAlert } from '../monitoring/alerts.ts';
import type { Matcher } from '../monitoring/matchers.ts';
import type { ClusterError, Series } from '../monitoring/promql.ts';
import type { RouteNode } from '../monitoring/routing.ts';
import { defineService } from '../rpc.ts';
import { namespaceName } from './names.ts';

/** Where a monitoring URL came from: the context's `fleetdeck.io/monitoring` extension, the app's settings, or the API server's service proxy. */
export type EndpointSource = 'kubeconfig' | 'settings' | 'discovered';

export interface MonitoringEndpoint {
  /** for display: a URL without its user, password, query or fragment, or `namespace/service:port via the API server` */
  location: string;
  source: EndpointSource;
}

export interface ClusterMonitoring {
  context: string;
  cloud: Cloud;
  prometheus?: MonitoringEndpoint;
  alertmanager?: MonitoringEndpoint;
  /** Grafana's URL when known, without its user, password, query or fragment: dashboards link out to it, and the browser asks for the credentials */
  grafana?: string;
  /** what is missing and why (nothing configured, none found by discovery, the cluster unreachable) */
  problem?: string;
  /** another context (admin and viewer of one cluster, say) reaches the same Prometheus: queries go through that one */
  sameAs?: string;
}

const context = z.string().min(1).max(253);
const contexts = z.array(context).max(100).optional();
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).max(2000);

export const endpointsInput = z.object({ contexts, refresh: z.boolean().optional() }).strict();
/** a URL set in the app; null removes it */
export const setEndpointsInput = z.object({ context, prometheus: httpUrl.nullable().optional(), alertmanager: httpUrl.nullable().optional(), grafana: httpUrl.nullable().optional() }).strict();

export const queryInput = z
  .object({
    query: z.string().trim().min(1, 'a PromQL expression').max(20_000),
    contexts,
    /** unix seconds; absent: an instant query */
    range: z
      .object({ start: z.number().finite(), end: z.number().finite(), step: z.number().positive().max(86_400 * 30, 'at most 30 days').optional() })
      .strict()
      .refine((r) => r.end > r.start, 'range end must be after its start')
      .optional(),
    time: z.number().finite().optional(),
    /** a later query with the same panel cancels this one while it is in flight */
    panel: z.string().max(200).optional(),
  })
  .strict();

export interface QueryResult {
  resultType: 'matrix' | 'vector' | 'scalar' | 'string';
  series: Series[];
  /** clusters whose Prometheus answered */
  answered: string[];
  /** clusters whose Prometheus failed; the others' series are still returned */
  errors: ClusterError[];
  /** range queries: the step used, in seconds */
  step?: number;
  /** the query was superseded by a later one of the same panel */
  cancelled?: boolean;
}

const matcher = z.object({ name: z.string().min(1).max(200), value: z.string().max(1000), isRegex: z.boolean(), isEqual: z.boolean() }).strict();
export const alertsInput = z
  .object({
    contexts,
    /** the version the caller already has: when nothing changed, the answer is `unchanged` without the alerts */
    unlessVersion: z.string().max(64).optional(),
  })
  .strict();
export const silencesInput = z.object({ contexts }).strict();
export const createSilenceInput = z
  .object({
    contexts: z.array(context).min(1, 'choose at least one cluster').max(100),
    matchers: z.array(matcher).min(1, 'a silence needs at least one matcher').max(50),
    /** from now */
    durationMinutes: z.number().int().min(1, 'at least a minute').max(60 * 24 * 365, 'at most a year'),
    createdBy: z.string().trim().min(1).max(200),
    comment: z.string().trim().min(1, 'a comment saying why').max(2000),
  })
  .strict();
export const expireSilenceInput = z.object({ context, id: z.string().regex(/^[0-9a-f-]{8,64}$/i, 'a silence id') }).strict();
export const routingInput = z.object({ contexts }).strict();
/** how far back a copy of metrics history reaches, in seconds (at most the source's retention) */
export const historySince = z.number().int('whole seconds').min(60, 'at least a minute').max(366 * 86_400, 'at most a year');
/** A copy of metrics history from one context's Prometheus into another's (remote read, remote write). */
export const historyCopyInput = z
  .object({
    fromContext: context,
    toContext: context,
    /** PromQL series selectors, at least one */
    selectors: z.array(z.string().min(1).max(2000)).min(1, 'at least one --selector').max(50),
    sinceSeconds: historySince,
    /** the copy's end in ms since the epoch (now when not given) */
    until: z.number().int().positive().optional(),
    namespaceMap: z.record(namespaceName, namespaceName),
    dryRun: z.boolean(),
  })
  .strict();
export const deployRulePackInput = z.object({ context, namespace: namespaceName.optional(), dryRun: z.boolean() }).strict();

export interface AlertsResult {
  alerts: MergedAlert[];
  /** clusters whose Alertmanager answered */
  answered: string[];
  errors: ClusterError[];
  /** changes whenever anything above changes */
  version: string;
  /** the caller's version is current: the lists above are left empty */
  unchanged?: true;
}

export interface Silence {
  cluster: string;
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  state: 'active' | 'pending' | 'expired';
}

export interface SilencesResult {
  silences: Silence[];
  /** clusters whose Alertmanager answered */
  answered: string[];
  errors: ClusterError[];
}

export interface CreatedSilences {
  created: { cluster: string; id: string }[];
  errors: ClusterError[];
}

export interface ClusterRouting {
  cluster: string;
  route?: RouteNode;
  receivers: string[];
  error?: string;
}

export interface RulePackResult {
  context: string;
  namespace: string;
  name: string;
  dryRun: boolean;
  result: 'created' | 'updated' | 'unchanged';
  /** rule names in the pack */
  rules: string[];
}

export interface MonitoringService {
  endpoints(input: z.infer<typeof endpointsInput>): Promise<ClusterMonitoring[]>;
  setEndpoints(input: z.infer<typeof setEndpointsInput>): Promise<ClusterMonitoring>;
  query(input: z.infer<typeof queryInput>): Promise<QueryResult>;
  alerts(input: z.infer<typeof alertsInput>): Promise<AlertsResult>;
  silences(input: z.infer<typeof silencesInput>): Promise<SilencesResult>;
  createSilence(input: z.infer<typeof createSilenceInput>): Promise<CreatedSilences>;
  expireSilence(input: z.infer<typeof expireSilenceInput>): Promise<{ cluster: string; id: string }>;
  routing(input: z.infer<typeof routingInput>): Promise<ClusterRouting[]>;
  /** server-side apply of the rule pack's PrometheusRule; dryRun first shows what it would do */
  deployRulePack(input: z.infer<typeof deployRulePackInput>): Promise<RulePackResult>;
}

export const monitoringContract = defineService<MonitoringService>({
  name: 'monitoring',
  methods: {
    endpoints: endpointsInput,
    setEndpoints: setEndpointsInput,
    query: queryInput,
    alerts: alertsInput,
    silences: silencesInput,
    createSilence: createSilenceInput,
    expireSilence: expireSilenceInput,
    routing: routingInput,
    deployRulePack: deployRulePackInput,
  },
  events: [],
});
