import { createClient, type ClientTransport, type ServiceContract } from '../rpc.ts';
import { clustersContract, type ClustersService } from './clusters.ts';
import { fleetContract, type FleetService } from './fleet.ts';
import { gitopsContract, type GitOpsService } from './gitops.ts';
import { jobsContract, type JobsService } from './jobs.ts';
import { manifestsContract, type ManifestsService } from './manifests.ts';
import { monitoringContract, type MonitoringService } from './monitoring.ts';
import { securityContract, type SecurityService } from './security.ts';

/** Every service the renderer, the web shell and the CLI can reach. */
export interface FleetdeckApi {
  clusters: ClustersService;
  fleet: FleetService;
  gitops: GitOpsService;
  jobs: JobsService;
  manifests: ManifestsService;
  monitoring: MonitoringService;
  security: SecurityService;
}

export const contracts = {
  clusters: clustersContract,
  fleet: fleetContract,
  gitops: gitopsContract,
  jobs: jobsContract,
  manifests: manifestsContract,
  monitoring: monitoringContract,
  security: securityContract,
} as const satisfies { [K in keyof FleetdeckApi]: ServiceContract<FleetdeckApi[K]> };

/** A client for every service over one transport. */
export function createApiClient(transport: ClientTransport): FleetdeckApi {
  return Object.fromEntries(
    Object.entries(contracts).map(([name, contract]) => [name, createClient(contract as ServiceContract<unknown>, transport)]),
  ) as unknown as FleetdeckApi;
}
