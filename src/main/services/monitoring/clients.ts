import { parse } from 'yaml';
import { FleetdeckError } from '../../../shared/errors.ts';
import type { PromData } from '../../../shared/monitoring/promql.ts';
import type { KubeResponse } from '../../kube/http.ts';
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
    if (body.status === 'error' && body.error) return new FleetdeckError(answer.status === 400 || answer.status === 422 ? 'invalid-input' : 'internal', body.error);
  } catch {
    // not Prometheus's JSON: a proxy's or load balancer's page
  }
  const code = answer.status === 401 ? 'unauthorized' : answer.status === 403 ? 'forbidden' : answer.status === 404 ? 'not-found' : answer.status === 503 || answer.status === 502 ? 'unreachable' : 'internal';
  return new FleetdeckError(code, `${where}: HTTP ${answer.status}${answer.body.trim() ? `: ${answer.body.trim().slice(0, 200)}` : ''}`);
}

/** An instant query (`time` absent: now) or a range query; answers with Prometheus's `data`. */
export async function prometheusQuery(target: Target, query: string, options: { range?: { start: number; end: number; step: number }; time?: number; signal?: AbortSignal }): Promise<PromData> {
  const params = new URLSearchParams({ query });
  if (options.range) {
    params.set('start', String(options.range.start));
    params.set('end', String(options.range.end));
    params.set('step', String(options.range.step));
  } else if (options.time !== undefined) params.set('time', String(options.time));
  const answer = await request(target, `api/v1/${options.range ? 'query_range' : 'query'}?${params}`, { ...(options.signal ? { signal: options.signal } : {}), timeoutMs: 120_000 });
  if (answer.status !== 200) throw prometheusError(answer, 'Prometheus');
  const data = json<{ data?: PromData } | null>(answer, 'Prometheus')?.data;
  if (!data || !Array.isArray(data.result)) throw new FleetdeckError('internal', 'Prometheus answered without a query result');
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

const RETRIES = [250, 1000, 3000];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** failures worth another attempt: the connection, not the answer (a too-large one stays too large) */
const retried = new Set(['unreachable', 'timeout']);

/**
 * A call to Alertmanager's v2 API. Connection failures and 5xx answers are retried with backoff
 * (Alertmanager restarts and reloads); its 4xx answers are final and carry its own message.
 */
export async function alertmanagerCall<T>(target: Target, relative: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let answer: KubeResponse | undefined;
    let failure: unknown;
    try {
      answer = await request(target, `api/v2/${relative}`, { ...options, timeoutMs: 15_000 });
    } catch (error) {
      if (!(error instanceof FleetdeckError && retried.has(error.code))) throw error;
      failure = error;
    }
    // Alertmanager answers an unknown silence id with a 500 saying "silence not found"
    const final = answer && (answer.status < 500 || /not found/i.test(answer.body));
    if (answer && final) {
      if (answer.status >= 200 && answer.status < 300) return (answer.body ? json<T>(answer, 'Alertmanager') : undefined) as T;
      let message = answer.body.trim();
      try {
        const parsed = JSON.parse(message) as unknown;
        message = typeof parsed === 'string' ? parsed : ((parsed as { message?: string }).message ?? message);
      } catch {
        // plain text
      }
      const code = answer.status === 404 || /not found/i.test(message) ? 'not-found' : answer.status === 401 ? 'unauthorized' : answer.status === 403 ? 'forbidden' : 'invalid-input';
      throw new FleetdeckError(code, `Alertmanager: ${message || `HTTP ${answer.status}`}`);
    }
    if (attempt >= RETRIES.length) {
      if (failure) throw failure;
      throw new FleetdeckError('unreachable', `Alertmanager: HTTP ${answer!.status}: ${answer!.body.trim().slice(0, 200)} (after ${RETRIES.length + 1} attempts)`);
    }
    await sleep(RETRIES[attempt]);
  }
}
