import { parse } from 'yaml';
import { errorCodeForStatus, FleetdeckError } from '../../../shared/errors.ts';
import type { PromData } from '../../../shared/monitoring/promql.ts';
import type { KubeResponse } from '../../kube/http.ts';
import { withRetries } from '../../kube/retry.ts';
import { request, type Target } from './endpoints.ts';

/** A 2xx answer's JSON, or a failure saying the server answered something else. */
function json<T>(answer: KubeResponse, where: string): T {
  try {
    return JSON.parse(answer.body) as T;
  } catch {
    throw new FleetdeckError('internal', `${where} answered HTTP ${answer.status} with a body that is not JSON`);
  }
}

/** Prometheus's own error text (`{status:"error", errorType, error}`), else the start of the body. */
function prometheusError(answer: KubeResponse, where: string): FleetdeckError {
  try {
    const body = JSON.parse(answer.body) as { status?: string; errorType?: string; error?: string };
    if (body.status === 'error' && body.error) return new FleetdeckError(errorCodeForStatus(answer.status), body.error);
  } catch {
    // not Prometheus's JSON: a proxy's or load balancer's page
  }
  return new FleetdeckError(errorCodeForStatus(answer.status), `${where}: HTTP ${answer.status}${answer.body.trim() ? `: ${answer.body.trim().slice(0, 200)}` : ''}`);
}

/** The `data` of a GET of Prometheus's HTTP API (`api/v1/…`); a failed answer in Prometheus's own words. */
export async function prometheusApi<T>(target: Target, relative: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<T> {
  const where = `${target.location}: /${relative.split('?')[0]}`;
  const answer = await request(target, relative, options);
  if (answer.status !== 200) throw prometheusError(answer, where);
  const body = json<{ status?: string; data?: T } | null>(answer, where);
  if (body?.status !== 'success' || body.data === undefined) throw new FleetdeckError('internal', `${where} did not answer Prometheus's JSON`);
  return body.data;
}

/** An instant query (`time` absent: now) or a range query; answers with Prometheus's `data`. */
export async function prometheusQuery(target: Target, query: string, options: { range?: { start: number; end: number; step: number }; time?: number; signal?: AbortSignal }): Promise<PromData> {
  const params = new URLSearchParams({ query });
  if (options.range) {
    params.set('start', String(options.range.start));
    params.set('end', String(options.range.end));
    params.set('step', String(options.range.step));
  } else if (options.time !== undefined) params.set('time', String(options.time));
  const data = await prometheusApi<PromData>(target, `api/v1/${options.range ? 'query_range' : 'query'}?${params}`, { ...(options.signal ? { signal: options.signal } : {}), timeoutMs: 120_000 });
  if (!Array.isArray(data.result)) throw new FleetdeckError('internal', 'Prometheus answered without a query result');
  return data;
}

/** The Prometheus's external `cluster` label, if it sets one. */
export async function externalClusterLabel(target: Target): Promise<string | undefined> {
  const answer = await request(target, 'api/v1/status/config', { timeoutMs: 10_000 });
  if (answer.status !== 200) return undefined;
  const yaml = json<{ data?: { yaml?: string } } | null>(answer, 'Prometheus')?.data?.yaml ?? '';
  const config = parse(yaml) as { global?: { external_labels?: Record<string, string> } } | null;
  return config?.global?.external_labels?.cluster;
}

/**
 * A call to Alertmanager's v2 API, sent again by the one retry policy while Alertmanager cannot
 * answer (it restarts and reloads); any other failed answer is final and carries its own message.
 */
export async function alertmanagerCall<T>(target: Target, relative: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const answer = await withRetries(() => request(target, `api/v2/${relative}`, { ...options, timeoutMs: 15_000 }), { retryForMs: 5_000 });
  if (answer.status >= 200 && answer.status < 300) return (answer.body ? json<T>(answer, 'Alertmanager') : undefined) as T;
  let message = answer.body.trim();
  try {
    const parsed = JSON.parse(message) as unknown;
    message = typeof parsed === 'string' ? parsed : ((parsed as { message?: string }).message ?? message);
  } catch {
    // plain text
  }
  throw new FleetdeckError(errorCodeForStatus(answer.status), `Alertmanager: ${message || `HTTP ${answer.status}`}`);
}
