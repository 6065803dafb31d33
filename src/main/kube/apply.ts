import type { KubeObject } from '../../shared/kube-object.ts';
import type { ApiResponse, ClusterClient } from './cluster-client.ts';

/** The field manager of every write Fleetdeck makes: what marks an object as written by it. */
export const FIELD_MANAGER = 'fleetdeck';

/**
 * A server-side apply of object at its URL as Fleetdeck's field manager, taking over fields other
 * managers own (force) and, on request, only as a server-side dry run (the answer is what the
 * object would become, with the cluster's own defaulting). The answer whatever its status.
 */
export function serverSideApply<T = KubeObject>(client: ClusterClient, objectUrl: string, object: unknown, { dryRun = false }: { dryRun?: boolean } = {}): Promise<ApiResponse<T>> {
  const params = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: 'true', ...(dryRun ? { dryRun: 'All' } : {}) });
  return client.request<T>('PATCH', `${objectUrl}?${params}`, { body: object, contentType: 'application/apply-patch+yaml' });
}
