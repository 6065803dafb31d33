// What a workload needs to run elsewhere: the objects its pod template names, the Services that
// select its pods, the Ingresses in front of those Services, its autoscaler, disruption budget and
// the RBAC of its service account. Used when one workload, not a whole namespace, is migrated.
import type { KubeObject } from '../kube-object.ts';

type Ref = { name?: string };
type Container = { envFrom?: { configMapRef?: Ref; secretRef?: Ref }[]; env?: { valueFrom?: { configMapKeyRef?: Ref; secretKeyRef?: Ref } }[] };
type PodSpec = {
  serviceAccountName?: string;
  imagePullSecrets?: Ref[];
  containers?: Container[];
  initContainers?: Container[];
  volumes?: { configMap?: Ref; secret?: { secretName?: string }; persistentVolumeClaim?: { claimName?: string }; projected?: { sources?: { configMap?: Ref; secret?: Ref }[] } }[];
};
type Template = { metadata?: { labels?: Record<string, string> }; spec?: PodSpec };

export const objectKey = (kind: string, name: string) => `${kind}/${name}`;

function templateOf(workload: KubeObject): Template | undefined {
  const spec = workload.spec as { template?: Template; jobTemplate?: { spec?: { template?: Template } } } | undefined;
  return workload.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : spec?.template;
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) => !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The keys ("Kind/name") of the workload and everything in its namespace it depends on, among `related`. */
export function workloadClosure(workload: KubeObject, related: KubeObject[]): Set<string> {
  const keep = new Set([objectKey(workload.kind, workload.metadata.name)]);
  const template = templateOf(workload);
  const pod = template?.spec ?? {};
  const labels = template?.metadata?.labels ?? {};
  const add = (kind: string, ...names: (string | undefined)[]) => {
    for (const name of names) if (name) keep.add(objectKey(kind, name));
  };

  add('ServiceAccount', pod.serviceAccountName);
  for (const s of pod.imagePullSecrets ?? []) add('Secret', s.name);
  for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
    add('ConfigMap', ...(c.envFrom ?? []).map((f) => f.configMapRef?.name), ...(c.env ?? []).map((e) => e.valueFrom?.configMapKeyRef?.name));
    add('Secret', ...(c.envFrom ?? []).map((f) => f.secretRef?.name), ...(c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name));
  }
  for (const v of pod.volumes ?? []) {
    add('ConfigMap', v.configMap?.name);
    add('Secret', v.secret?.secretName);
    add('PersistentVolumeClaim', v.persistentVolumeClaim?.claimName);
    add('ConfigMap', ...(v.projected?.sources ?? []).map((p) => p.configMap?.name));
    add('Secret', ...(v.projected?.sources ?? []).map((p) => p.secret?.name));
  }
  if (workload.kind === 'StatefulSet') {
    const spec = workload.spec as { replicas?: number; volumeClaimTemplates?: { metadata?: { name?: string } }[] };
    for (const t of spec.volumeClaimTemplates ?? []) for (let i = 0; i < (spec.replicas ?? 1); i++) add('PersistentVolumeClaim', `${t.metadata?.name}-${workload.metadata.name}-${i}`);
  }

  const services = new Set<string>();
  for (const o of related) {
    const spec = o.spec as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (o.kind === 'Service' && selects(spec?.selector, labels)) services.add(o.metadata.name);
    if (o.kind === 'HorizontalPodAutoscaler' && spec?.scaleTargetRef?.kind === workload.kind && spec.scaleTargetRef.name === workload.metadata.name) add(o.kind, o.metadata.name);
    if (o.kind === 'PodDisruptionBudget' && selects(spec?.selector?.matchLabels, labels)) add(o.kind, o.metadata.name);
    if (o.kind === 'RoleBinding' && pod.serviceAccountName && ((o.subjects ?? []) as { kind: string; name: string }[]).some((s) => s.kind === 'ServiceAccount' && s.name === pod.serviceAccountName)) {
      add(o.kind, o.metadata.name);
      const roleRef = o.roleRef as { kind: string; name: string };
      if (roleRef.kind === 'Role') add('Role', roleRef.name);
    }
  }
  for (const name of services) add('Service', name);
  for (const o of related.filter((r) => r.kind === 'Ingress')) {
    const spec = o.spec as { defaultBackend?: { service?: Ref }; rules?: { http?: { paths?: { backend?: { service?: Ref } }[] } }[] } | undefined;
    const backends = [spec?.defaultBackend?.service?.name, ...(spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend?.service?.name))];
    if (backends.some((b) => b && services.has(b))) add('Ingress', o.metadata.name);
  }
  return keep;
}
