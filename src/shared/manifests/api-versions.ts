// API versions deprecated or removed upstream (Kubernetes' deprecated API migration guide, and Flux's
// and Argo CD's own), so a manifest is flagged for the Kubernetes version it will meet.

export interface ApiVersionChange {
  apiVersion: string;
  /** undefined: every kind of that group version */
  kinds?: string[];
  /** undefined: deprecated by its own project (Flux), whatever the Kubernetes version */
  deprecatedIn?: string;
  removedIn?: string;
  replacement?: string;
}

const workloads = ['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet'];

export const apiVersionChanges: ApiVersionChange[] = [
  { apiVersion: 'extensions/v1beta1', kinds: workloads, deprecatedIn: '1.9', removedIn: '1.16', replacement: 'apps/v1' },
  { apiVersion: 'apps/v1beta1', deprecatedIn: '1.9', removedIn: '1.16', replacement: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', deprecatedIn: '1.9', removedIn: '1.16', replacement: 'apps/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['NetworkPolicy'], deprecatedIn: '1.9', removedIn: '1.16', replacement: 'networking.k8s.io/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['Ingress'], deprecatedIn: '1.14', removedIn: '1.22', replacement: 'networking.k8s.io/v1' },
  { apiVersion: 'networking.k8s.io/v1beta1', deprecatedIn: '1.19', removedIn: '1.22', replacement: 'networking.k8s.io/v1' },
  ...['admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'certificates.k8s.io', 'coordination.k8s.io', 'rbac.authorization.k8s.io', 'scheduling.k8s.io'].map(
    (group): ApiVersionChange => ({ apiVersion: `${group}/v1beta1`, deprecatedIn: '1.19', removedIn: '1.22', replacement: `${group}/v1` }),
  ),
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], deprecatedIn: '1.19', removedIn: '1.22', replacement: 'storage.k8s.io/v1' },
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], deprecatedIn: '1.21', removedIn: '1.25', replacement: 'batch/v1' },
  { apiVersion: 'discovery.k8s.io/v1beta1', deprecatedIn: '1.21', removedIn: '1.25', replacement: 'discovery.k8s.io/v1' },
  { apiVersion: 'events.k8s.io/v1beta1', deprecatedIn: '1.19', removedIn: '1.25', replacement: 'events.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta1', deprecatedIn: '1.22', removedIn: '1.25', replacement: 'autoscaling/v2' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodDisruptionBudget'], deprecatedIn: '1.21', removedIn: '1.25', replacement: 'policy/v1' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodSecurityPolicy'], deprecatedIn: '1.21', removedIn: '1.25', replacement: 'Pod Security Admission (namespace labels)' },
  { apiVersion: 'node.k8s.io/v1beta1', deprecatedIn: '1.20', removedIn: '1.25', replacement: 'node.k8s.io/v1' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', deprecatedIn: '1.23', removedIn: '1.26', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta2', deprecatedIn: '1.23', removedIn: '1.26', replacement: 'autoscaling/v2' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIStorageCapacity'], deprecatedIn: '1.24', removedIn: '1.27', replacement: 'storage.k8s.io/v1' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', deprecatedIn: '1.26', removedIn: '1.29', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', deprecatedIn: '1.29', removedIn: '1.32', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  { apiVersion: 'v1', kinds: ['Endpoints'], deprecatedIn: '1.33', replacement: 'discovery.k8s.io/v1 EndpointSlice' },
  { apiVersion: 'v1', kinds: ['ComponentStatus'], deprecatedIn: '1.19' },
  // Flux v2.x: the beta APIs are deprecated since v2.0 and v2.3
  { apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta1', replacement: 'kustomize.toolkit.fluxcd.io/v1' },
  { apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2', replacement: 'kustomize.toolkit.fluxcd.io/v1' },
  { apiVersion: 'source.toolkit.fluxcd.io/v1beta1', replacement: 'source.toolkit.fluxcd.io/v1' },
  { apiVersion: 'source.toolkit.fluxcd.io/v1beta2', kinds: ['GitRepository', 'HelmRepository', 'HelmChart', 'Bucket'], replacement: 'source.toolkit.fluxcd.io/v1' },
  { apiVersion: 'helm.toolkit.fluxcd.io/v2beta1', replacement: 'helm.toolkit.fluxcd.io/v2' },
  { apiVersion: 'helm.toolkit.fluxcd.io/v2beta2', replacement: 'helm.toolkit.fluxcd.io/v2' },
];

/** "v1.37.2" or "1.37" → [1, 37] */
export function minorVersion(version: string): [number, number] {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!match) throw new Error(`not a Kubernetes version: "${version}" (expected e.g. 1.31)`);
  return [Number(match[1]), Number(match[2])];
}

const atLeast = (version: [number, number], than: string) => {
  const [major, minor] = minorVersion(than);
  return version[0] > major || (version[0] === major && version[1] >= minor);
};

/** How this apiVersion/kind stands at the given Kubernetes version, if it changed upstream. */
export function apiVersionStatus(apiVersion: string, kind: string, kubernetesVersion: string): { state: 'removed' | 'deprecated'; change: ApiVersionChange } | undefined {
  const version = minorVersion(kubernetesVersion);
  const change = apiVersionChanges.find((c) => c.apiVersion === apiVersion && (!c.kinds || c.kinds.includes(kind)));
  if (!change) return undefined;
  if (change.removedIn && atLeast(version, change.removedIn)) return { state: 'removed', change };
  if (!change.deprecatedIn || atLeast(version, change.deprecatedIn)) return { state: 'deprecated', change };
  return undefined;
}
