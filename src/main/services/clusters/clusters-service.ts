import type { ClusterList, ClustersService, Connection, ConnectionChange } from '../../../shared/contract/clusters.ts';
import { Emitter } from '../../../shared/emitter.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { kubeConfigFor, listEntries, loadKubeconfigs } from './kubeconfig.ts';
import { probe } from './probe.ts';

export interface ClustersServiceOptions {
  /** kubeconfig files, merged in order (see kubeconfigPaths) */
  kubeconfigPaths: string[];
  connectTimeoutMs?: number;
}

export class KubeconfigClustersService implements ClustersService {
  private readonly connections = new Map<string, Connection>();
  private readonly connectionChanged = new Emitter<ConnectionChange>();
  readonly onDidChangeConnection = this.connectionChanged.event;
  private readonly options: ClustersServiceOptions;

  constructor(options: ClustersServiceOptions) {
    this.options = options;
  }

  async list(): Promise<ClusterList> {
    const config = await loadKubeconfigs(this.options.kubeconfigPaths);
    const clusters = listEntries(config).map((entry) => {
      const connection = this.connections.get(entry.context);
      return connection ? { ...entry, connection } : entry;
    });
    return { clusters, errors: config.errors };
  }

  async connect({ context }: { context: string }): Promise<Connection> {
    const config = await loadKubeconfigs(this.options.kubeconfigPaths);
    if (!config.contexts.has(context)) throw new FleetdeckError('not-found', `context "${context}" not found in ${this.options.kubeconfigPaths.join(', ')}`);
    let connection: Connection;
    try {
      connection = await probe(kubeConfigFor(config, context), this.options.connectTimeoutMs);
    } catch (error) {
      if (!(error instanceof FleetdeckError)) throw error;
      connection = { state: 'failed', reason: error.code, message: error.message, checkedAt: new Date().toISOString() };
    }
    this.connections.set(context, connection);
    this.connectionChanged.fire({ context, connection });
    return connection;
  }
}
