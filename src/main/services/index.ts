import { contracts, type FleetdeckApi } from '../../shared/contract/index.ts';
import { exposeService, type ServiceContract, type ServiceHost } from '../../shared/rpc.ts';
import { KubeconfigClustersService } from './clusters/clusters-service.ts';
import { kubeconfigPaths } from '../kube/kubeconfig.ts';
import { KubeconfigStore } from '../kube/kubeconfig-store.ts';
import { Vault, type KeyStore } from '../kube/vault.ts';
import { KubeFleetService } from './fleet/fleet-service.ts';
import { KubeGitOpsService } from './gitops/gitops-service.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { JobsCenter } from './jobs/jobs-center.ts';
import { SavedRepositories } from './jobs/saved-repositories.ts';
import { LocalManifestsService } from './manifests/manifests-service.ts';
import { KubeMonitoringService } from './monitoring/monitoring-service.ts';
import { KubeSecurityService } from './security/security-service.ts';

export interface ServicesOptions {
  /** an explicit kubeconfig file; otherwise $KUBECONFIG, then ~/.kube/config */
  kubeconfig?: string;
  /** Fleetdeck's own data: the vault of imported kubeconfigs, job journals */
  dataDir: string;
  /** the key of the vault, and of the Secrets in backups made without a passphrase */
  keys: KeyStore;
  /** limit live caches to these contexts */
  contexts?: string[];
  /** workspace folders named on the command line: the renderer may open only folders granted through main */
  workspaces?: string[];
  /** main's folder dialog, where there is one (the desktop app) */
  pickFolder?: (title: string) => Promise<string | undefined>;
}

export type Services = FleetdeckApi & {
  fleet: KubeFleetService;
  gitops: KubeGitOpsService;
  jobs: JobsCenter;
  manifests: LocalManifestsService;
  monitoring: KubeMonitoringService;
  security: KubeSecurityService;
  runner: JobRunner;
  /** Stops what the services keep running (caches, watches, the kubeconfig watch, queries and jobs in flight); the host calls it on exit. */
  dispose(): void;
};

/** The composition root shared by the Electron main process, the web shell and the CLI. */
export function createServices(options: ServicesOptions): Services {
  const vault = new Vault(options.dataDir, options.keys);
  const store = new KubeconfigStore(kubeconfigPaths(options.kubeconfig), vault);
  const runner = new JobRunner({ store, keys: options.keys, dir: options.dataDir, usedBytes: (context) => claimsUsedBytes(monitoring, context), copyHistory: (input, onProgress, signal) => monitoring.copyHistory(input, onProgress, signal) });
  const manifests = new LocalManifestsService({ dataDir: options.dataDir, workspaces: options.workspaces, pickFolder: options.pickFolder });
  const fleet = new KubeFleetService({ store, contexts: options.contexts });
  const gitops = new KubeGitOpsService({ store, render: (workspace, overlay, allowRemote) => manifests.render({ root: workspace, dir: overlay, allowRemote }).then((r) => r.yaml) });
  const jobs = new JobsCenter(runner, options.dataDir, new SavedRepositories(vault));
  const monitoring = new KubeMonitoringService({ store, dataDir: options.dataDir });
  return {
    clusters: new KubeconfigClustersService({ store }),
    fleet,
    gitops,
    jobs,
    manifests,
    monitoring,
    security: new KubeSecurityService({ store, dataDir: options.dataDir, cached: (context) => fleet.cached(context, ['pods', 'namespaces']) }),
    runner,
    dispose: () => [fleet, gitops, jobs, monitoring, store].forEach((part) => part.dispose()),
  };
}

/** kubelet_volume_stats_used_bytes per "namespace/claim" from a context's Prometheus; undefined when it has none or it did not answer. */
async function claimsUsedBytes(monitoring: KubeMonitoringService, context: string): Promise<Map<string, number> | undefined> {
  const result = await monitoring.query({ query: 'max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes)', contexts: [context] });
  if (!result.answered.includes(context)) return undefined;
  return new Map(result.series.filter((s) => s.value).map((s) => [`${s.metric.namespace}/${s.metric.persistentvolumeclaim}`, Number(s.value![1])]));
}

/** Serves every service through the host; the returned function stops forwarding their events. */
export function exposeServices(api: FleetdeckApi, host: ServiceHost): () => void {
  const stops = (Object.keys(contracts) as (keyof FleetdeckApi)[]).map((name) => exposeService(contracts[name] as ServiceContract<FleetdeckApi[typeof name]>, api[name], host));
  return () => stops.forEach((stop) => stop());
}
