import type { ClusterEntry, Connection } from '../../shared/contract/clusters.ts';
import type { FleetdeckApi } from '../../shared/contract/index.ts';
import { table } from './table.ts';
import type { CommandResult } from './index.ts';

export async function clustersCommand(api: FleetdeckApi, flags: { connect: boolean; json: boolean }): Promise<CommandResult> {
  const { clusters, errors } = await api.clusters.list();
  const entries: ClusterEntry[] = flags.connect
    ? await Promise.all(clusters.map(async (entry) => ({ ...entry, connection: await api.clusters.connect({ context: entry.context }) })))
    : clusters;
  const output = flags.json
    ? JSON.stringify(entries, null, 2)
    : table(
        ['CONTEXT', 'CLOUD', 'CLUSTER', 'SERVER', 'AUTH', ...(flags.connect ? ['CONNECTION'] : [])],
        entries.map((e) => [
          `${e.current ? '*' : ''}${e.context}`,
          e.cloud,
          e.cluster,
          e.server,
          e.authDetail ? `${e.authKind} (${e.authDetail})` : e.authKind,
          ...(flags.connect ? [describe(e.connection!)] : []),
        ]),
      );
  return { output, errors: errors.map((e) => e.message), exitCode: errors.length ? 1 : 0 };
}

function describe(connection: Connection): string {
  return connection.state === 'connected'
    ? `connected ${connection.version} in ${connection.latencyMs} ms`
    : `${connection.reason}: ${connection.message}`;
}
