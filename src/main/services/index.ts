import { contracts, type FleetdeckApi } from '../../shared/contract/index.ts';
import { exposeService, type ServiceContract, type ServiceHost } from '../../shared/rpc.ts';
import { KubeconfigClustersService } from './clusters/clusters-service.ts';
import { kubeconfigPaths } from './clusters/kubeconfig.ts';
import { KubeconfigStore } from './clusters/kubeconfig-store.ts';
import type { Vault } from './clusters/vault.ts';
import { KubeFleetService } from './fleet/fleet-service.ts';

export interface ServicesOptions {
  /** an explicit kubeconfig file; otherwise $KUBECONFIG, then ~/.kube/config */
  kubeconfig?: string;
  /** where imported kubeconfigs are kept, encrypted; none: no vault (only the kubeconfig files) */
  vault?: Vault;
  /** limit live caches to these contexts */
  contexts?: string[];
}

/** The composition root shared by the Electron main process, the web shell and the CLI. */
export function createServices(options: ServicesOptions = {}): FleetdeckApi & { fleet: KubeFleetService } {
  const store = new KubeconfigStore(kubeconfigPaths(options.kubeconfig), options.vault);
  return {
    clusters: new KubeconfigClustersService({ store }),
    fleet: new KubeFleetService({ store, contexts: options.contexts }),
  };
}

export function exposeServices(api: FleetdeckApi, host: ServiceHost): void {
  for (const name of Object.keys(contracts) as (keyof FleetdeckApi)[]) {
    exposeService(contracts[name] as ServiceContract<FleetdeckApi[typeof name]>, api[name], host);
  }
}
