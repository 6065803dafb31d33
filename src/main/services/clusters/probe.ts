import type { ContextConfig } from './context-config.ts';
import { execPluginInstallHints } from '../../../shared/cloud.ts';
import type { Connection } from '../../../shared/contract/clusters.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
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
      const hint = execPluginInstallHints[exec.command.split('/').pop()!];
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
      version: (JSON.parse(version) as { gitVersion: string }).gitVersion,
      latencyMs,
      user: (JSON.parse(review) as { status?: { userInfo?: { username?: string } } }).status?.userInfo?.username,
      checkedAt: checkedAt(),
    };
  } catch (error) {
    const failure = error instanceof FleetdeckError ? error : execFailure(error);
    return { state: 'failed', reason: failure.code, message: failure.message, checkedAt: checkedAt() };
  }
}

/** Errors thrown while client-node ran an exec plugin or auth provider. */
function execFailure(error: unknown): FleetdeckError {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  return new FleetdeckError('exec-plugin-failed', `credential plugin failed: ${message.slice(0, 400)}`);
}
