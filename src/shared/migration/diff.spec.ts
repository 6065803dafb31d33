import { describe, expect, it } from 'vitest';
import { diffObjects } from './diff.ts';

const password = 'hunter2-correct-horse';
const encoded = Buffer.from(password).toString('base64');
const lastApplied = (value: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, data: { password: value } });

const secret = (value: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'Opaque',
  metadata: { name: 'db', namespace: 'shop', labels: { app: 'shop' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied(value), note: value } },
  data: { password: value },
  stringData: { plain: value },
  ...extra,
});

describe('diffObjects on a Secret', () => {
  it('shows no value derived from it: data, stringData, every annotation, any other field', () => {
    const lines = diffObjects(secret(Buffer.from('old').toString('base64'), { immutable: false, extra: { nested: 'old' } }), secret(encoded, { immutable: true, extra: { nested: password } }));
    const text = lines.join('\n');
    expect(text).not.toContain(password);
    expect(text).not.toContain(encoded);
    expect(text).not.toContain('b2xk');
    expect(lines).toEqual([
      'metadata.annotations.kubectl.kubernetes.io/last-applied-configuration: (value changed, not shown)',
      'metadata.annotations.note: (value changed, not shown)',
      'data.password: (value changed, not shown)',
      'stringData.plain: (value changed, not shown)',
      'immutable: (value changed, not shown)',
      'extra.nested: (value changed, not shown)',
    ]);
  });

  it('masks an annotation block that appears or disappears as a whole', () => {
    const before = secret(encoded);
    const after = { ...before, metadata: { name: 'db', namespace: 'shop', labels: { app: 'shop' } } };
    expect(diffObjects(before, after)).toEqual(['metadata.annotations: (value changed, not shown)']);
    expect(diffObjects(after, before)).toEqual(['metadata.annotations: (value changed, not shown)']);
  });

  it('still shows what identifies it: name, namespace, labels and type', () => {
    const before = secret(encoded);
    const after = { ...secret(encoded), type: 'kubernetes.io/basic-auth', metadata: { ...before.metadata, namespace: 'shop-2', labels: { app: 'shop', tier: 'db' } } };
    expect(diffObjects(before, after)).toEqual(['metadata.namespace: "shop" → "shop-2"', 'metadata.labels.tier: (none) → "db"', 'type: "Opaque" → "kubernetes.io/basic-auth"']);
  });

  it('masks when only the cluster side is a Secret', () => {
    expect(diffObjects(secret(encoded), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'db' } }).join('\n')).not.toContain(encoded);
  });
});
