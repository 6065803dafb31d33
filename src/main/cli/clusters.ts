import type { ClusterEntry, ClusterList, ClustersService, Connection, KubeconfigSourceError } from '../../shared/contract/clusters.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { kubeconfigPaths } from '../kube/kubeconfig.ts';
import { defineCommand, noArguments } from './command.ts';
import { table } from './table.ts';

/**
 * What every command that reaches clusters checks first, as kubectl does: a kubeconfig file that
 * cannot be read stops it with one line (only ~/.kube/config may be absent, when the vault holds
 * contexts), and so does a context that no source defines. Returns the sources' other problems
 * (the vault's).
 */
export async function checkSources(clusters: ClustersService, paths: string[], contexts: string[]): Promise<ClusterList> {
  const { clusters: entries, errors } = await clusters.list();
  const [defaultPath] = kubeconfigPaths(undefined, {});
  const tolerated = (e: KubeconfigSourceError) => e.code === 'kubeconfig-not-found' && e.source === defaultPath && entries.length > 0;
  const fatal = errors.find((e) => paths.includes(e.source) && !tolerated(e));
  if (fatal) throw new FleetdeckError(fatal.code, fatal.code === 'kubeconfig-not-found' ? `kubeconfig ${fatal.source} does not exist` : fatal.message);
  const others = errors.filter((e) => !paths.includes(e.source));
  const unknown = contexts.filter((c) => !entries.some((e) => e.context === c));
  if (unknown.length) {
    const names = entries.map((e) => e.context);
    const available = names.length ? `available: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ` and ${names.length - 20} more` : ''}` : 'no context is defined';
    throw new FleetdeckError('not-found', `context ${unknown.map((c) => `"${c}"`).join(', ')} not found; ${available}${others.length ? `; ${others[0].message}` : ''}`);
  }
  return { clusters: entries, errors: others };
}

/**
 * `fleetdeck clusters [--connect]`: the sources as every command checks them, listed; each failed
 * connection is also named on stderr. Exit 1 when the vault could not be read (not when it is the
 * desktop app's) or every connection failed, 2 when some did.
 */
export const clusters = defineCommand({
  name: 'clusters',
  options: { connect: { type: 'boolean', default: false } },
  prepare: ({ args, values, json }) => {
    noArguments('clusters', args);
    return {
      contexts: values.context,
      run: async (api, { clusters, errors }) => {
        const entries: ClusterEntry[] = values.connect
          ? await Promise.all(clusters.map(async (entry) => ({ ...entry, connection: await api.clusters.connect({ context: entry.context }) })))
          : clusters;
        const output = json
          ? JSON.stringify(entries, null, 2)
          : table(
              ['CONTEXT', 'CLOUD', 'CLUSTER', 'SERVER', 'AUTH', ...(values.connect ? ['CONNECTION'] : [])],
              entries.map((e) => [
                `${e.current ? '*' : ''}${e.context}`,
                e.cloud,
                e.cluster,
                e.server,
                e.authDetail ? `${e.authKind} (${e.authDetail})` : e.authKind,
                ...(values.connect ? [describe(e.connection!)] : []),
              ]),
            );
        const failed = entries.flatMap((e) => (e.connection?.state === 'failed' ? [`${e.context}: ${e.connection.message}`] : []));
        const exitCode = errors.some((e) => !e.notice) || (failed.length && failed.length === entries.length) ? 1 : failed.length ? 2 : 0;
        return { output, errors: [...errors.map((e) => (e.notice ? `note: ${e.message}` : e.message)), ...failed], exitCode };
      },
    };
  },
});

function describe(connection: Connection): string {
  return connection.state === 'connected'
    ? `connected ${connection.version} in ${connection.latencyMs} ms`
    : `${connection.reason}: ${connection.message}`;
}
