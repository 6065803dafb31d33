// Rewrites an object for its target cluster and cloud: namespaces, storage classes, internal
// load balancers, ingress classes, image registries. Every change is returned so plans and
// reports can list it.
import { cloudProfiles, internalLoadBalancerKeys, isInternalLoadBalancer, isManagedCloud } from '../cloud-profiles.ts';
import type { Cloud } from '../cloud.ts';
import type { KubeObject } from '../kube-object.ts';

export interface Mappings {
  namespaces: Record<string, string>;
  /** source → target class: the user's choices, completed by pre-flight from the target's classes (class-choice.ts) */
  storageClasses: Record<string, string>;
  ingressClasses: Record<string, string>;
  /** image registry prefixes, e.g. "acme.azurecr.io" → "123.dkr.ecr.eu-west-1.amazonaws.com" */
  registries: Record<string, string>;
  /** the cloud whose load-balancer annotations internal Services get; none: left as they are */
  targetCloud?: Cloud;
  /** the archive's cloud: its classes are judged by its profile */
  sourceCloud?: Cloud;
}

export interface TransformRecord {
  kind: string;
  namespace?: string;
  name: string;
  /** where in the object, e.g. "spec.storageClassName", "metadata.annotations" */
  path: string;
  from: string;
  to: string;
}

/** What the user mapped explicitly, and the two clouds; the classes they left out are chosen by pre-flight from what the target has. */
export function resolveMappings(sourceCloud: Cloud, targetCloud: Cloud | undefined, explicit: Partial<Mappings>): Mappings {
  return {
    namespaces: { ...explicit.namespaces },
    storageClasses: { ...explicit.storageClasses },
    ingressClasses: { ...explicit.ingressClasses },
    registries: { ...explicit.registries },
    sourceCloud,
    ...(targetCloud ? { targetCloud } : {}),
  };
}

type PodSpec = { containers?: { image?: string }[]; initContainers?: { image?: string }[]; ephemeralContainers?: { image?: string }[] };

/** The pod template inside each workload kind, with its path for the report. */
function podSpecOf(object: KubeObject): { spec: PodSpec; path: string } | undefined {
  const spec = object.spec as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!spec) return undefined;
  if (object.kind === 'Pod') return { spec, path: 'spec' };
  if (object.kind === 'CronJob' && spec.jobTemplate?.spec?.template?.spec) return { spec: spec.jobTemplate.spec.template.spec, path: 'spec.jobTemplate.spec.template.spec' };
  if (spec.template?.spec) return { spec: spec.template.spec, path: 'spec.template.spec' };
  return undefined;
}

export function rewriteImage(image: string, registries: Record<string, string>): string {
  for (const [from, to] of Object.entries(registries)) {
    const prefix = from.endsWith('/') ? from : `${from}/`;
    if (image.startsWith(prefix)) return `${to.replace(/\/$/, '')}/${image.slice(prefix.length)}`;
  }
  return image;
}

/**
 * A transformed copy of an already sanitized object, and the list of what changed. `namespaced` says whether the
 * target keeps the object's kind in namespaces: the namespace map never moves a cluster-scoped object, whatever
 * namespace it claims (references to namespaced objects in it, such as a binding's subjects, are still mapped).
 */
export function transformObject(input: KubeObject, mappings: Mappings, { namespaced }: { namespaced: boolean }): { object: KubeObject; transforms: TransformRecord[] } {
  const object = structuredClone(input);
  const { kind } = object;
  const sourceNamespace = namespaced ? object.metadata.namespace : undefined;
  const transforms: TransformRecord[] = [];
  const record = (path: string, from: string, to: string) => transforms.push({ kind, ...(sourceNamespace ? { namespace: sourceNamespace } : {}), name: input.metadata.name, path, from, to });
  const mapNamespace = (ns: string | undefined, path: string, set: (to: string) => void) => {
    const to = ns && mappings.namespaces[ns];
    if (!to || to === ns) return;
    set(to);
    record(path, ns, to);
  };
  const mapStorageClass = (holder: { storageClassName?: string } | undefined, path: string) => {
    const from = holder?.storageClassName;
    const to = from && mappings.storageClasses[from];
    if (!to || to === from) return;
    holder.storageClassName = to;
    record(path, from, to);
  };
  const spec = object.spec as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any

  mapNamespace(sourceNamespace, 'metadata.namespace', (to) => (object.metadata.namespace = to));
  if (kind === 'Namespace') mapNamespace(object.metadata.name, 'metadata.name', (to) => (object.metadata.name = to));
  if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
    ((object.subjects ?? []) as { kind: string; namespace?: string }[]).forEach((subject, i) => {
      if (subject.kind === 'ServiceAccount') mapNamespace(subject.namespace, `subjects[${i}].namespace`, (to) => (subject.namespace = to));
    });
  }

  if (kind === 'PersistentVolumeClaim' || kind === 'PersistentVolume') mapStorageClass(spec, 'spec.storageClassName');
  if (kind === 'PersistentVolume' && spec?.claimRef) mapNamespace(spec.claimRef.namespace, 'spec.claimRef.namespace', (to) => (spec.claimRef.namespace = to));
  if (kind === 'StatefulSet') {
    ((spec?.volumeClaimTemplates ?? []) as { metadata?: { name?: string }; spec?: { storageClassName?: string } }[]).forEach((template, i) =>
      mapStorageClass(template.spec, `spec.volumeClaimTemplates[${i}].spec.storageClassName`),
    );
  }

  const annotations = object.metadata.annotations;
  if (kind === 'Service' && spec?.type === 'LoadBalancer' && annotations && isManagedCloud(mappings.targetCloud) && isInternalLoadBalancer(annotations)) {
    const target = cloudProfiles[mappings.targetCloud].internalLoadBalancer;
    const from = Object.entries(annotations).filter(([key]) => internalLoadBalancerKeys.has(key));
    const changed = from.length !== Object.keys(target).length || from.some(([key, value]) => target[key] !== value);
    if (changed) {
      for (const [key] of from) delete annotations[key];
      Object.assign(annotations, target);
      const show = (pairs: [string, string][]) => pairs.map(([k, v]) => `${k}: ${v}`).join(', ');
      record('metadata.annotations', show(from), show(Object.entries(target)));
    }
  }

  if (kind === 'Ingress') {
    const from = spec?.ingressClassName as string | undefined;
    const to = from && mappings.ingressClasses[from];
    if (to && to !== from) {
      spec!.ingressClassName = to;
      record('spec.ingressClassName', from, to);
    }
    const legacy = annotations?.['kubernetes.io/ingress.class'];
    const legacyTo = legacy && mappings.ingressClasses[legacy];
    if (legacyTo && legacyTo !== legacy) {
      annotations['kubernetes.io/ingress.class'] = legacyTo;
      record("metadata.annotations['kubernetes.io/ingress.class']", legacy, legacyTo);
    }
  }

  const pod = podSpecOf(object);
  if (pod && Object.keys(mappings.registries).length) {
    for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
      pod.spec[list]?.forEach((container, i) => {
        const to = container.image && rewriteImage(container.image, mappings.registries);
        if (!to || to === container.image) return;
        record(`${pod.path}.${list}[${i}].image`, container.image!, to);
        container.image = to;
      });
    }
  }
  return { object, transforms };
}
