// A readable field-level diff between what a cluster has and what a restore would write.
import { isObject } from '../kube-object.ts';

/** Fields the API server owns, never part of a diff. */
const ignoredMetadata = new Set(['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'ownerReferences', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'finalizers']);

/**
 * What a Secret's diff may show the value of. Anything else can carry its values: data and
 * stringData, and annotations such as kubectl's last-applied-configuration, which copies them.
 */
const secretVisible = (path: string) => ['apiVersion', 'kind', 'type', 'metadata.name', 'metadata.namespace'].includes(path) || path === 'metadata.labels' || path.startsWith('metadata.labels.');

const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));

function walk(path: string, before: unknown, after: unknown, out: string[], masked: (path: string) => boolean) {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  if (isObject(before) && isObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) walk(path ? `${path}.${key}` : key, before[key], after[key], out, masked);
    return;
  }
  out.push(masked(path) ? `${path}: (value changed, not shown)` : `${path}: ${show(before)} → ${show(after)}`);
}

/**
 * Lines "path: before → after" for every field that differs, ignoring status and server-set
 * metadata. Of a Secret only the name, namespace, labels and type are shown; for every other
 * field, only that it changed.
 */
export function diffObjects(before: Record<string, unknown> | undefined, after: Record<string, unknown>): string[] {
  const strip = (o: Record<string, unknown> | undefined) => {
    if (!o) return {};
    const { status: _status, metadata, ...rest } = o;
    const kept = Object.fromEntries(Object.entries((metadata ?? {}) as Record<string, unknown>).filter(([k]) => !ignoredMetadata.has(k)));
    return { metadata: kept, ...rest };
  };
  const secret = after.kind === 'Secret' || before?.kind === 'Secret';
  const out: string[] = [];
  walk('', strip(before), strip(after), out, (path) => secret && !secretVisible(path));
  return out;
}
