// A readable field-level diff between what a cluster has and what a restore would write.

/** Fields the API server owns, never part of a diff. */
const ignoredMetadata = new Set(['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'ownerReferences', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'finalizers']);

const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));

function walk(path: string, before: unknown, after: unknown, out: string[], mask: boolean) {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) walk(path ? `${path}.${key}` : key, before[key], after[key], out, mask);
    return;
  }
  out.push(mask ? `${path}: (value changed, not shown)` : `${path}: ${show(before)} → ${show(after)}`);
}

/**
 * Lines "path: before → after" for every field that differs, ignoring status and server-set
 * metadata. Secret values are never shown, only that they changed.
 */
export function diffObjects(before: Record<string, unknown> | undefined, after: Record<string, unknown>): string[] {
  const strip = (o: Record<string, unknown> | undefined) => {
    if (!o) return {};
    const { status: _status, metadata, ...rest } = o;
    const kept = Object.fromEntries(Object.entries((metadata ?? {}) as Record<string, unknown>).filter(([k]) => !ignoredMetadata.has(k)));
    return { metadata: kept, ...rest };
  };
  const out: string[] = [];
  const secret = after.kind === 'Secret';
  const a = strip(before);
  const b = strip(after);
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    walk(key, (a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], out, secret && (key === 'data' || key === 'stringData'));
  }
  return out;
}
