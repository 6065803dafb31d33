// Writes resources/schemas/kubernetes.json — the offline schemas of the workspace editor and of
// `fleetdeck validate` — from a real API server's OpenAPI v3: every built-in kind plus the CRDs it
// serves (the lab serves Argo CD's and Flux's own CRDs). Run with the lab up:
//   node scripts/generate-schemas.ts [--context aks-lab]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { clusterByContext } from '../lab/config.ts';
import { LabApi } from '../lab/kube.ts';
import type { Schema, SchemaBundle, SchemaType } from '../src/shared/manifests/schema.ts';

export const bundlePath = path.resolve(import.meta.dirname, '../resources/schemas/kubernetes.json');

interface OpenApiSchema {
  $ref?: string;
  type?: SchemaType;
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  required?: string[];
  enum?: Schema['enum'];
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
  format?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

const refName = (ref: string) => ref.replace('#/components/schemas/', '');

/** The first paragraph, at most 400 characters: enough for hover, small enough to bundle. */
function shortDescription(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const first = text.split('\n\n')[0].trim();
  return first.length > 400 ? `${first.slice(0, 397)}…` : first;
}

function trim(s: OpenApiSchema): Schema {
  const description = shortDescription(s.description);
  const single = s.allOf?.length === 1 ? s.allOf[0] : undefined;
  if (s.$ref || single?.$ref) return { ref: refName((s.$ref ?? single!.$ref)!), ...(description ? { description } : {}) };
  const out: Schema = {};
  const alternatives = s.oneOf ?? s.anyOf;
  if (s['x-kubernetes-int-or-string']) out.type = ['integer', 'string'];
  else if (s.type) out.type = s.type;
  else if (alternatives?.every((a) => a.type && Object.keys(a).length === 1)) out.type = alternatives.map((a) => a.type!);
  if (description) out.description = description;
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, trim(v)]));
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = trim(s.additionalProperties);
  if (s.additionalProperties === true || s['x-kubernetes-preserve-unknown-fields']) out.open = true;
  if (s.items) out.items = trim(s.items);
  if (s.required?.length) out.required = s.required;
  if (s.enum) out.enum = s.enum;
  return out;
}

/**
 * CRD schemas are inline, and Argo CD's ApplicationSet repeats the Application template in every
 * generator: a subtree seen before becomes a shared definition, which shrinks the bundle several-fold.
 */
function shareRepeats(definitions: Record<string, Schema>): void {
  const seen = new Map<string, { name?: string }>();
  let shared = 0;
  const visit = (s: Schema): Schema => {
    if (s.properties) s.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, visit(v)]));
    if (s.items) s.items = visit(s.items);
    if (s.additionalProperties) s.additionalProperties = visit(s.additionalProperties);
    const json = JSON.stringify(s);
    if (json.length < 2_000) return s;
    const entry = seen.get(json);
    if (!entry) {
      seen.set(json, {});
      return s;
    }
    entry.name ??= `shared.${++shared}`;
    definitions[entry.name] = s;
    return { ref: entry.name };
  };
  for (const name of Object.keys(definitions)) definitions[name] = visit(definitions[name]);
}

/** The OpenAPI endpoints do not always answer with a JSON content type. */
async function getJson<T>(api: LabApi, url: string): Promise<T> {
  const body = await api.request<T | string>('GET', url, undefined, 'application/json', 60_000);
  return typeof body === 'string' ? (JSON.parse(body) as T) : body;
}

const TEST_GROUP = 'test.fleetdeck.io';

export async function generateSchemaBundle(api: LabApi): Promise<SchemaBundle> {
  const index = await getJson<{ paths: Record<string, { serverRelativeURL: string }> }>(api, '/openapi/v3');
  const definitions: Record<string, Schema> = {};
  const kinds: Record<string, string> = {};
  for (const key of Object.keys(index.paths).sort()) {
    const doc = await getJson<{ components?: { schemas?: Record<string, OpenApiSchema> } }>(api, index.paths[key].serverRelativeURL);
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
      // lab tests create short-lived CRDs of this group while others run: they are nobody's documents
      if (definitions[name] || (schema['x-kubernetes-group-version-kind'] ?? []).some((gvk) => gvk.group === TEST_GROUP)) continue;
      definitions[name] = trim(schema);
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
        // List kinds and the meta types that every group repeats are not documents anyone writes
        if (gvk.kind.endsWith('List') || ['WatchEvent', 'DeleteOptions', 'Status', 'APIVersions', 'APIGroup', 'APIGroupList', 'APIResourceList'].includes(gvk.kind)) continue;
        kinds[`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`] ??= name;
      }
    }
  }
  shareRepeats(definitions);
  const { gitVersion } = await getJson<{ gitVersion: string }>(api, '/version');
  const sortedKinds = Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => a.localeCompare(b)));
  return { kubernetesVersion: gitVersion, kinds: sortedKinds, definitions };
}

if (import.meta.main) {
  const at = process.argv.indexOf('--context');
  const context = at > 0 ? process.argv[at + 1] : 'aks-lab';
  const bundle = await generateSchemaBundle(new LabApi(clusterByContext(context)));
  writeFileSync(bundlePath, JSON.stringify(bundle));
  console.log(`wrote ${path.relative(process.cwd(), bundlePath)}: ${Object.keys(bundle.kinds).length} kinds, ${Object.keys(bundle.definitions).length} definitions from ${context} (${bundle.kubernetesVersion})`);
}
