import type http from 'node:http';
import type { ContextConfig } from './context-config.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { classifyStatus, kubeRequest } from './http.ts';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  /** the raw body, for the API server's message */
  text: string;
  /** an earlier attempt was lost after it may have reached the server: a write may already be done */
  resent: boolean;
}

const transient = new Set(['unreachable', 'timeout']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long one request may take, connecting and the whole answer included; see PAGE_TIMEOUT_MS for list pages. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The connection a job uses to one cluster: keep-alive sockets (a job sends thousands of
 * requests), and retries while the API server is unreachable or overloaded, so a restart of the
 * server pauses the job instead of failing it. Past retryForMs the failure is thrown. A cluster
 * that has not answered yet is not waited for: its first connection failure is thrown at once.
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
    const deadline = Date.now() + this.retryForMs;
    let resent = false;
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      try {
        this.agent ??= this.kc.agent({ keepAlive: true, maxSockets: 32 });
        const res = await kubeRequest(this.kc, path, { method, timeoutMs: REQUEST_TIMEOUT_MS, ...options, agent: await this.agent });
        this.answered = true;
        if (!((res.status === 429 || res.status === 503 || res.status === 504) && Date.now() < deadline)) {
          return { status: res.status, text: res.body, body: (res.body && res.body.startsWith('{') ? JSON.parse(res.body) : undefined) as T, resent };
        }
        reason = `HTTP ${res.status}`;
        // a gateway timeout may come after the API server did the work
        resent ||= res.status === 504;
      } catch (error) {
        if (!(error instanceof FleetdeckError) || !transient.has(error.code) || !this.answered || Date.now() >= deadline) throw error;
        reason = error.message;
        resent = true;
      }
      this.onWaiting?.(`${this.context}: ${reason}; retrying`);
      await sleep(Math.min(250 * 2 ** attempt, 5_000));
    }
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
