// Rendered overlays side by side (AKS vs GKE vs EKS): which objects each has, and which fields
// differ, with the per-cloud ones (storage class, load-balancer annotations, ingress class) marked.
import { stringify } from 'yaml';
import { internalLoadBalancerKeys } from '../cloud-profiles.ts';
import { formatPath, parseManifests, type FieldPath } from './documents.ts';

export interface RenderedOverlay {
  dir: string;
  objects: { apiVersion: string; kind: string; metadata?: { name?: string; namespace?: string } }[];
}

export interface FieldDifference {
  path: string;
  /** storage class, load-balancer annotation, ingress class: what is meant to differ per cloud */
  cloudSpecific: boolean;
  /** the value in each overlay, as JSON; undefined where the field is absent */
  values: (string | undefined)[];
  /** the 1-based line of the field in each overlay's YAML, for highlighting */
  lines: (number | undefined)[];
}

export interface ObjectComparison {
  kind: string;
  namespace?: string;
  name: string;
  /** the object's YAML in each overlay; undefined where the overlay does not render it */
  yaml: (string | undefined)[];
  differences: FieldDifference[];
}

export interface OverlayComparison {
  overlays: string[];
  objects: ObjectComparison[];
}

function leaves(value: unknown, path: FieldPath, out: Map<string, { path: FieldPath; json: string }>): void {
  if (value && typeof value === 'object' && (Array.isArray(value) ? value.length : Object.keys(value).length)) {
    for (const [k, v] of Object.entries(value)) leaves(v, [...path, Array.isArray(value) ? Number(k) : k], out);
  } else {
    out.set(formatPath(path), { path, json: JSON.stringify(value) });
  }
}

function isCloudSpecific(path: FieldPath): boolean {
  const last = path[path.length - 1];
  if (last === 'storageClassName' || last === 'ingressClassName') return true;
  const annotation = path[path.length - 2] === 'annotations' && typeof last === 'string';
  return annotation && (internalLoadBalancerKeys.has(last) || last === 'kubernetes.io/ingress.class' || last.startsWith('service.beta.kubernetes.io/') || last.startsWith('networking.gke.io/'));
}

export function compareOverlays(rendered: RenderedOverlay[]): OverlayComparison {
  const byKey = new Map<string, { kind: string; namespace?: string; name: string; objects: (object | undefined)[] }>();
  rendered.forEach((overlay, i) => {
    for (const object of overlay.objects) {
      const namespace = object.metadata?.namespace;
      const name = object.metadata?.name ?? '';
      const key = `${object.kind}/${namespace ?? ''}/${name}`;
      const entry = byKey.get(key) ?? { kind: object.kind, namespace, name, objects: rendered.map(() => undefined) };
      entry.objects[i] = object;
      byKey.set(key, entry);
    }
  });
  const objects = [...byKey.values()].map(({ kind, namespace, name, objects: versions }): ObjectComparison => {
    const yaml = versions.map((o) => (o ? stringify(o, { lineWidth: 0 }) : undefined));
    const docs = yaml.map((text) => (text ? parseManifests(text)[0] : undefined));
    const fields = versions.map((o) => {
      const out = new Map<string, { path: FieldPath; json: string }>();
      if (o) leaves(o, [], out);
      return out;
    });
    const paths = new Map<string, FieldPath>();
    for (const f of fields) for (const [key, { path }] of f) paths.set(key, path);
    const differences: FieldDifference[] = [];
    for (const [key, path] of paths) {
      const values = fields.map((f, i) => (versions[i] ? f.get(key)?.json : undefined));
      const present = values.filter((_, i) => versions[i]);
      if (present.every((v) => v === present[0])) continue;
      differences.push({ path: key, cloudSpecific: isCloudSpecific(path), values, lines: docs.map((d, i) => (d && fields[i].has(key) ? d.lineOf(path) : undefined)) });
    }
    return { kind, namespace, name, yaml, differences };
  });
  objects.sort((a, b) => a.kind.localeCompare(b.kind) || (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name));
  return { overlays: rendered.map((r) => r.dir), objects };
}
