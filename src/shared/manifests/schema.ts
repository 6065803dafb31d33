// Kubernetes schema validation, completion and hover, offline, from the bundle that
// scripts/generate-schemas.ts writes from a real API server's OpenAPI v3 (resources/schemas).
import type { FieldPath } from './documents.ts';

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** A trimmed OpenAPI v3 schema: `ref` names a definition of the bundle. */
export interface Schema {
  ref?: string;
  type?: SchemaType | SchemaType[];
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  enum?: (string | number | boolean | null)[];
  /** x-kubernetes-preserve-unknown-fields: any field is allowed below this point */
  open?: true;
}

export interface SchemaBundle {
  /** the API server the bundle was generated from, e.g. "v1.37.2" */
  kubernetesVersion: string;
  /** "group/version/Kind" ("v1/Kind" for the core group) → definition name */
  kinds: Record<string, string>;
  definitions: Record<string, Schema>;
}

export type SchemaIssueCode = 'unknown-field' | 'type' | 'required' | 'enum';

export interface SchemaIssue {
  code: SchemaIssueCode;
  path: FieldPath;
  message: string;
}

export const kindKey = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

export function schemaOfKind(bundle: SchemaBundle, apiVersion: string, kind: string): Schema | undefined {
  const name = bundle.kinds[kindKey(apiVersion, kind)];
  return name ? bundle.definitions[name] : undefined;
}

/** Follows refs; a ref's own description wins over the definition's (it is the field's). */
export function resolve(bundle: SchemaBundle, schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; current.ref && hops < 32; hops++) {
    const target = bundle.definitions[current.ref];
    if (!target) return { open: true };
    current = current.description && !target.description ? { ...target, description: current.description } : { ...target, description: current.description ?? target.description };
  }
  return current;
}

function typeOf(value: unknown): SchemaType {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  return 'object';
}

function typeMatches(expected: SchemaType | SchemaType[], actual: SchemaType): boolean {
  const types = Array.isArray(expected) ? expected : [expected];
  return types.includes(actual) || (actual === 'integer' && types.includes('number'));
}

/**
 * Validates one object against its kind's schema. `partial` is for patches: a patch may leave out
 * required fields. Stops at 200 issues so a pasted blob cannot flood the problems list.
 */
export function validateAgainst(bundle: SchemaBundle, schema: Schema, value: unknown, options: { partial?: boolean } = {}): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const walk = (raw: Schema, v: unknown, path: FieldPath) => {
    if (issues.length >= 200 || v === null || v === undefined) return;
    const s = resolve(bundle, raw);
    const actual = typeOf(v);
    if (s.type && !typeMatches(s.type, actual)) {
      const expected = Array.isArray(s.type) ? s.type.join(' or ') : s.type;
      issues.push({ code: 'type', path, message: `expected ${expected}, got ${actual}` });
      return;
    }
    if (s.enum && !s.enum.includes(v as string)) {
      issues.push({ code: 'enum', path, message: `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}` });
    }
    if (actual === 'array' && s.items) {
      (v as unknown[]).forEach((item, i) => walk(s.items!, item, [...path, i]));
    } else if (actual === 'object' && (s.properties || s.additionalProperties)) {
      const object = v as Record<string, unknown>;
      if (!options.partial) {
        for (const name of s.required ?? []) {
          if (object[name] === undefined) issues.push({ code: 'required', path: [...path, name], message: `missing required field "${name}"` });
        }
      }
      for (const [name, child] of Object.entries(object)) {
        // strategic-merge directives ($patch, $setElementOrder/…) belong to patches
        if (options.partial && name.startsWith('$')) continue;
        const property = s.properties?.[name] ?? s.additionalProperties;
        if (property) walk(property, child, [...path, name]);
        else if (!s.open && s.properties) {
          issues.push({ code: 'unknown-field', path: [...path, name], message: `unknown field "${name}"` });
        }
      }
    }
  };
  walk(schema, value, []);
  return issues;
}

/** The schema at a path of an object of this kind (array indices step into items), or undefined past its end. */
export function schemaAtPath(bundle: SchemaBundle, root: Schema, path: FieldPath): Schema | undefined {
  let current: Schema | undefined = resolve(bundle, root);
  for (const segment of path) {
    if (!current) return undefined;
    const next: Schema | undefined = typeof segment === 'number' ? current.items : (current.properties?.[segment] ?? current.additionalProperties);
    current = next ? resolve(bundle, next) : undefined;
  }
  return current;
}

export interface FieldSuggestion {
  name: string;
  type: string;
  description: string;
  required: boolean;
}

/** The fields an object at this path may have, required ones first. */
export function fieldSuggestions(bundle: SchemaBundle, root: Schema, path: FieldPath): FieldSuggestion[] {
  const s = schemaAtPath(bundle, root, path);
  if (!s?.properties) return [];
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties)
    .map(([name, child]) => {
      const r = resolve(bundle, child);
      const type = Array.isArray(r.type) ? r.type.join(' | ') : (r.type ?? (r.open ? 'any' : 'object'));
      return { name, type: r.items ? `${type} of ${describeType(bundle, r.items)}` : type, description: r.description ?? '', required: required.has(name) };
    })
    .sort((a, b) => Number(b.required) - Number(a.required) || a.name.localeCompare(b.name));
}

function describeType(bundle: SchemaBundle, schema: Schema): string {
  const r = resolve(bundle, schema);
  return Array.isArray(r.type) ? r.type.join(' | ') : (r.type ?? 'object');
}
