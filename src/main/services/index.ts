import { contracts, type FleetdeckApi } from '../../shared/contract/index.ts';
import { exposeService, type ServiceContract, type ServiceHost } from '../../shared/rpc.ts';
import { KubeconfigClustersService } from './clusters/clusters-service.ts';
import { kubeconfigPaths } from './clusters/kubeconfig.ts';

export interface ServicesOptions {
  /** an explicit kubeconfig file; otherwise $KUBECONFIG, then ~/.kube/config */
  kubeconfig?: string;
}

/** The composition root shared by the Electron main process, the web shell and the CLI. */
export function createServices(options: ServicesOptions = {}): FleetdeckApi {
  return {
    clusters: new KubeconfigClustersService({ kubeconfigPaths: kubeconfigPaths(options.kubeconfig) }),
  };
}

export function exposeServices(api: FleetdeckApi, host: ServiceHost): void {
  for (const name of Object.keys(contracts) as (keyof FleetdeckApi)[]) {
    exposeService(contracts[name] as ServiceContract<FleetdeckApi[typeof name]>, api[name], host);
  }
}
