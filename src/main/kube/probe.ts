import type { ContextConfig } from './context-config.ts';
import { credentialPlugins, pluginName } from '../../shared/cloud.ts';
import type { Connection } from '../../shared/contract/clusters.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { findExecutable } from './exec-path.ts';
import { kubeOk } from './http.ts';

/**
 * Connects to a context's API server: server version and latency, the identity the server
 * sees, and whether namespaces can be listed; or one specific reason why not.
 */
export async function probe(kc: ContextConfig, timeoutMs = 8_000): Promise<Connection> {
  const checkedAt = () => new Date().toISOString();
  try {
    const exec = kc.user.exec as { command?: string } | undefined;
    if (exec?.command && !findExecutable(exec.command)) {
      const hint = credentialPlugins.get(pluginName(exec.command))?.install;
      throw new FleetdeckError('exec-plugin-not-found', `exec plugin not found: ${exec.command}${hint ? ` (${hint})` : ''}`);
    }
    const started = performance.now();
    const version = await kubeOk(kc, '/version', { timeoutMs });
    const latencyMs = Math.round(performance.now() - started);
    const review = await kubeOk(kc, '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      timeoutMs,
    });
    await kubeOk(kc, '/api/v1/namespaces?limit=1', { timeoutMs });
    return {
      state: 'connected',
      version: versionOf(kc, version),
      latencyMs,
      user: userOf(review),
      checkedAt: checkedAt(),
    };
  } catch (error) {
    const { code, message } = error instanceof FleetdeckError ? error : new FleetdeckError('internal', kc.quote(error));
    return { state: 'failed', reason: code, message, checkedAt: checkedAt() };
  }
}

/**
 * The user the server sees, or undefined when its answer names none. An answer that is no JSON is
 * never quoted: a parser's excerpt of one that echoes the request would show the credentials.
 */
function userOf(review: string): string | undefined {
  try {
    const username = (JSON.parse(review) as { status?: { userInfo?: { username?: unknown } } } | null)?.status?.userInfo?.username;
    return typeof username === 'string' ? username : undefined;
  } catch {
    return undefined;
  }
}

/** The server's gitVersion; a server that answers /version with something else is no API server. */
function versionOf(kc: ContextConfig, body: string): string {
  try {
    const version = (JSON.parse(body) as { gitVersion?: unknown } | null)?.gitVersion;
    if (typeof version === 'string') return version;
  } catch {
    // not JSON: a web page
  }
  throw new FleetdeckError('unreachable', `${kc.endpoint} does not answer as a Kubernetes API server (no version at /version)`);
}
