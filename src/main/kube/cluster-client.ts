import type http from 'node:http';
import type { ContextConfig } from './context-config.ts';
import { classifyStatus, kubeRequest } from './http.ts';
import { withRetries } from './retry.ts';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  /** the raw body, for the API server's message */
  text: string;
  /** an earlier attempt was lost after it may have reached the server: a write may already be done */
  resent: boolean;
}

/** How long one request may take, connecting and the whole answer included; see PAGE_TIMEOUT_MS for list pages. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * A handle on one cluster for work that sends many requests (jobs, drift): keep-alive sockets, and
 * the one retry policy, so a restart of the API server pauses the work instead of failing it. Past
 * retryForMs the failure is thrown. A cluster that has not answered yet is not waited for: its
 * first connection failure is thrown at once.
 */
export class ClusterClient {
  readonly context: string;
  readonly kc: ContextConfig;
  private agent?: Promise<http.Agent>;
  private readonly retryForMs: number;
  private readonly onWaiting?: (message: string) => void;
  private answered = false;

  constructor(kc: ContextConfig, context: string, options: { retryForMs?: number; onWaiting?: (message: string) => void } = {}) {
    this.kc = kc;
    this.context = context;
    this.retryForMs = options.retryForMs ?? 60_000;
    this.onWaiting = options.onWaiting;
  }

  async request<T = unknown>(method: string, path: string, options: { body?: unknown; contentType?: string; timeoutMs?: number } = {}): Promise<ApiResponse<T>> {
    const send = async () => {
      this.agent ??= this.kc.agent({ keepAlive: true, maxSockets: 32 });
      const res = await kubeRequest(this.kc, path, { method, timeoutMs: REQUEST_TIMEOUT_MS, ...options, agent: await this.agent });
      this.answered = true;
      return res;
    };
    const res = await withRetries(send, { retryForMs: this.retryForMs, retryConnection: () => this.answered, onRetry: (reason) => this.onWaiting?.(`${this.context}: ${reason}; retrying`) });
    return { status: res.status, text: res.body, body: (res.body && res.body.startsWith('{') ? JSON.parse(res.body) : undefined) as T, resent: res.resent };
  }

  /** A request that must answer 2xx; anything else is the classified failure. */
  async ok<T = unknown>(method: string, path: string, options: { body?: unknown; contentType?: string; timeoutMs?: number } = {}): Promise<T> {
    const res = await this.request<T>(method, path, options);
    if (res.status >= 200 && res.status < 300) return res.body;
    throw classifyStatus(res.status, res.text, `${method} ${path} on ${this.context}`);
  }

  close(): void {
    // an agent that could not be built failed the request that asked for it
    void this.agent?.then(
      (agent) => agent.destroy(),
      () => undefined,
    );
  }
}
