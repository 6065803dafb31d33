import path from 'node:path';

export type LabCloud = 'aks' | 'gke' | 'eks';

export const labDir = import.meta.dirname;
// LAB_STATE_DIR and LAB_PORT_BASE let a second lab run beside the first (e.g. to try a new node-sim)
export const stateDir = process.env.LAB_STATE_DIR ? path.resolve(process.env.LAB_STATE_DIR) : path.join(labDir, '.state');
export const binDir = path.join(labDir, 'bin');
export const pkiDir = path.join(stateDir, 'pki');
export const logDir = path.join(stateDir, 'logs');
export const kubeconfigPath = path.join(stateDir, 'kubeconfig');
export const k8sVersion = 'v1.37.2';

// below the kernel's ephemeral range (32768+), so outgoing connections never hold a lab port
const portBase = Number(process.env.LAB_PORT_BASE ?? 27000);

export const etcdPorts = { client: portBase, peer: portBase + 1 };
export const webhookPort = portBase + 2;
// the S3-compatible store the volume movers of every cluster share (lab/s3)
export const objectStorePort = portBase + 3;

export interface LabCluster {
  context: string;
  cloud: LabCloud;
  index: number;
  ports: { apiserver: number; controllerManager: number; scheduler: number; nodeSim: number; ksm: number; ksmTelemetry: number; prometheus: number; alertmanager: number };
  serviceCidr: string;
  podCidr: string;
  dir: string;
}

function cluster(cloud: LabCloud, index: number, serviceCidr: string, podCidr: string): LabCluster {
  const block = portBase + 100 * (index + 1);
  const context = `${cloud}-lab`;
  return {
    context,
    cloud,
    index,
    ports: {
      apiserver: block + 1,
      controllerManager: block + 2,
      scheduler: block + 3,
      nodeSim: block + 4,
      ksm: block + 5,
      ksmTelemetry: block + 6,
      prometheus: block + 7,
      alertmanager: block + 8,
    },
    serviceCidr,
    podCidr,
    dir: path.join(stateDir, context),
  };
}

export const clusters: LabCluster[] = [
  cluster('aks', 0, '10.0.0.0/16', '10.244.0.0/16'),
  cluster('gke', 1, '10.4.0.0/16', '10.8.0.0/14'),
  cluster('eks', 2, '172.20.0.0/16', '10.100.0.0/16'),
];

export function clusterByContext(context: string): LabCluster {
  const found = clusters.find((c) => c.context === context || `${c.context}-viewer` === context);
  if (!found) throw new Error(`unknown lab context "${context}" (one of ${clusters.map((c) => c.context).join(', ')})`);
  return found;
}

export const urls = (c: LabCluster) => ({
  apiserver: `https://127.0.0.1:${c.ports.apiserver}`,
  prometheus: `http://127.0.0.1:${c.ports.prometheus}`,
  alertmanager: `http://127.0.0.1:${c.ports.alertmanager}`,
});
