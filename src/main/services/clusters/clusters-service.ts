import type { ClusterList, ClustersService, Connection, ConnectionChange } from '../../../shared/contract/clusters.ts';
import { Emitter } from '../../../shared/emitter.ts';
import type { Event } from '../../../shared/rpc.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { kubeConfigFor, listEntries } from '../../kube/kubeconfig.ts';
import type { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { probe } from '../../kube/probe.ts';

export interface ClustersServiceOptions {
  store: KubeconfigStore;
  connectTimeoutMs?: number;
}

export class KubeconfigClustersService implements ClustersService {
  private readonly connections = new Map<string, Connection>();
  private readonly connectionChanged = new Emitter<ConnectionChange>();
  readonly onDidChangeConnection = this.connectionChanged.event;
  readonly onDidChangeClusters: Event<{ reason: string }>;
  private readonly options: ClustersServiceOptions;

  constructor(options: ClustersServiceOptions) {
    this.options = options;
    this.onDidChangeClusters = options.store.onDidChange;
  }

  async list(): Promise<ClusterList> {
    const { config, displayNames, vaultIds } = await this.options.store.load();
    const clusters = listEntries(config).map((entry) => {
      const connection = this.connections.get(entry.context);
      const displayName = displayNames[entry.context];
      const vaultId = vaultIds.get(entry.source);
      return { ...entry, ...(connection ? { connection } : {}), ...(displayName ? { displayName } : {}), ...(vaultId ? { vaultId } : {}) };
    });
    return { clusters, errors: config.errors };
  }

  async importKubeconfig({ yaml, origin }: { yaml: string; origin: string }): Promise<{ contexts: string[] }> {
    return { contexts: await this.options.store.import(yaml, origin) };
  }

  removeKubeconfig({ id }: { id: string }): Promise<void> {
    return this.options.store.remove(id);
  }

  rename({ context, displayName }: { context: string; displayName: string }): Promise<void> {
    return this.options.store.rename(context, displayName);
  }

  async connect({ context }: { context: string }): Promise<Connection> {
    const { config } = await this.options.store.load();
    if (!config.contexts.has(context)) throw new FleetdeckError('not-found', `context "${context}" not found in the kubeconfig files or the vault`);
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
