// What a file is within a GitOps workspace, from its path and the kustomizations that list it:
// a resource or a patch, in a base or an overlay, for which cloud, production or not.
import type { ManagedCloud } from '../cloud-profiles.ts';
import type { FieldPath } from './documents.ts';

export type FileRole = 'resource' | 'patch' | 'kustomization' | 'other';

export interface FileContext {
  role: FileRole;
  /** the namespace the listing kustomization sets */
  namespace?: string;
  /** the cloud an overlay targets, from a path segment such as `overlays/eks` or `eks-prod` */
  cloud?: ManagedCloud;
  overlay: boolean;
  production: boolean;
}

export const isKustomizationFile = (file: string) => /(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(file);
export const isYamlFile = (file: string) => /\.ya?ml$/i.test(file) || isKustomizationFile(file);

export function dirname(file: string): string {
  const at = file.lastIndexOf('/');
  return at < 0 ? '' : file.slice(0, at);
}

/** Joins and normalizes posix paths relative to the workspace root; undefined when it leaves the root. */
export function joinPath(dir: string, relative: string): string | undefined {
  const out: string[] = [];
  for (const part of `${dir}/${relative}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

const tokens = (file: string) => file.toLowerCase().split('/').flatMap((segment) => segment.split(/[-_.]/));

export function cloudOfPath(file: string): ManagedCloud | undefined {
  const found = tokens(file).find((t) => t === 'aks' || t === 'gke' || t === 'eks');
  return found as ManagedCloud | undefined;
}

export function contextOfPath(file: string): Omit<FileContext, 'role' | 'namespace'> {
  const parts = tokens(file);
  const cloud = cloudOfPath(file);
  return {
    cloud,
    overlay: !!cloud || parts.includes('overlays') || parts.includes('overlay'),
    production: parts.some((t) => t === 'prod' || t === 'production' || t === 'prd'),
  };
}

/**
 * Whether kustomize would fetch a reference (or clone it) instead of reading it from the folder:
 * a URL of any scheme (file:// is a clone too), go-getter's `git::…`, `gh:…`, scp-like
 * `user@host:path`, a github.com / gitlab.com / bitbucket.org path, a `?ref=` query, or a UNC path
 * (`\\host\share`, `//host/share`: Windows reaches it over the network, even to check it exists).
 */
export function isRemoteReference(ref: string): boolean {
  const r = ref.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(r) || /^[\\/]{2}/.test(r) || /^[a-z0-9]+::/i.test(r) || /^gh:/i.test(r) || /^[^/\s]+@[^/\s]+:/.test(r) || /^(www\.)?(github\.com|gitlab\.com|bitbucket\.org)[/:]/i.test(r) || r.includes('?ref=');
}

/** A path or URL a kustomization names, as written (a generator's `key=path` without its key). */
export interface KustomizationEntry {
  /** where it sits in the kustomization (its keys as written), for its line */
  field: FieldPath;
  /** undefined where a list or a mapping stands in place of text (kustomize fails on it; a check must not pass it over) */
  ref?: string;
  /**
   * resource: a file or a kustomization folder; patch; file: a generator's input; plugin: a
   * generator, transformer or validator (a file or a kustomization folder of plugin
   * configurations, or one written inline); other: OpenAPI, replacement, configuration and Helm
   * sources
   */
  kind: 'resource' | 'patch' | 'file' | 'plugin' | 'other';
}

export interface KustomizationReference {
  /** where the reference sits in the kustomization, for its line */
  field: FieldPath;
  /** the referenced path, relative to the workspace root */
  target: string;
  kind: 'resource' | 'patch' | 'file';
}

/**
 * A key as Go's encoding/json compares it with a field's name (kustomize decodes a kustomization
 * with it): without ASCII case, and with the two other letters that fold into ASCII ones (ſ is s,
 * the Kelvin sign K is k). Any other letter folds to a letter outside ASCII, so matches no field.
 */
const foldKey = (key: string) => key.replace(/[A-Z\u017F\u212A]/g, (c) => (c === '\u017F' ? 's' : c === '\u212A' ? 'k' : c.toLowerCase()));

/**
 * The values of every key kustomize may read as the field `name`, with their paths. When two
 * keys match (`resources` and `Resources`), kustomize keeps one of them: both are returned, so
 * whatever is checked in them is checked whichever kustomize takes.
 */
function fields(at: FieldPath, object: unknown, name: string): [FieldPath, unknown][] {
  if (!object || typeof object !== 'object' || Array.isArray(object)) return [];
  return Object.entries(object).flatMap(([key, value]): [FieldPath, unknown][] => (foldKey(key) === foldKey(name) ? [[[...at, key], value]] : []));
}

/** A list's items with their paths; a value that is not a list stands for itself. */
const itemsOf = ([field, list]: [FieldPath, unknown]): [FieldPath, unknown][] => (Array.isArray(list) ? list.map((item, i): [FieldPath, unknown] => [[...field, i], item]) : [[field, list]]);

/** The items of every list kustomize may read as the field `name`. */
const items = (at: FieldPath, object: unknown, name: string) => fields(at, object, name).flatMap(itemsOf);

/**
 * Every path or URL a kustomization names: what kustomize reads, clones or fetches to build it.
 * Keys are matched as kustomize matches them, in any case.
 */
export function kustomizationEntries(value: unknown): KustomizationEntry[] {
  const entries: KustomizationEntry[] = [];
  const add = ([field, ref]: [FieldPath, unknown], kind: KustomizationEntry['kind']) => {
    if (typeof ref === 'string' ? ref : ref !== null && ref !== undefined) entries.push({ field, ref: typeof ref === 'string' ? ref : undefined, kind });
  };
  /** `name` in each object of `objects`; what is not an object stands for the value */
  const inEach = (objects: [FieldPath, unknown][], name: string) => objects.flatMap(([at, object]): [FieldPath, unknown][] => (object !== null && typeof object === 'object' && !Array.isArray(object) ? fields(at, object, name) : [[at, object]]));
  const listsInEach = (objects: [FieldPath, unknown][], name: string) => inEach(objects, name).flatMap(itemsOf);
  for (const key of ['resources', 'bases', 'components', 'crds']) items([], value, key).forEach((e) => add(e, 'resource'));
  for (const key of ['patches', 'patchesJson6902']) inEach(items([], value, key), 'path').forEach((e) => add(e, 'patch'));
  items([], value, 'patchesStrategicMerge').forEach((e) => add(e, 'patch'));
  for (const key of ['configMapGenerator', 'secretGenerator']) {
    const generators = items([], value, key);
    // kustomize splits `key=path` at its "="
    listsInEach(generators, 'files').forEach(([field, ref]) => add([field, typeof ref === 'string' ? ref.slice(ref.indexOf('=') + 1) : ref], 'file'));
    listsInEach(generators, 'envs').forEach((e) => add(e, 'file'));
    inEach(generators, 'env').forEach((e) => add(e, 'file'));
  }
  items([], value, 'configurations').forEach((e) => add(e, 'other'));
  for (const key of ['generators', 'transformers', 'validators']) items([], value, key).forEach((e) => add(e, 'plugin'));
  inEach(items([], value, 'replacements'), 'path').forEach((e) => add(e, 'other'));
  inEach(fields([], value, 'openapi'), 'path').forEach((e) => add(e, 'other'));
  const charts = items([], value, 'helmCharts');
  for (const key of ['repo', 'valuesFile']) inEach(charts, key).forEach((e) => add(e, 'other'));
  listsInEach(charts, 'additionalValuesFiles').forEach((e) => add(e, 'other'));
  for (const key of ['chartRepoUrl', 'chartHome', 'values']) inEach(items([], value, 'helmChartInflationGenerator'), key).forEach((e) => add(e, 'other'));
  for (const key of ['chartHome', 'configHome']) inEach(fields([], value, 'helmGlobals'), key).forEach((e) => add(e, 'other'));
  return entries;
}

/** Every local path inside the workspace that a kustomization names (remote ones and ones above the root cannot be checked here). */
export function kustomizationReferences(file: string, value: unknown): KustomizationReference[] {
  const dir = dirname(file);
  return kustomizationEntries(value).flatMap(({ field, ref, kind }) => {
    // a strategic-merge patch may be written inline
    if (ref === undefined || kind === 'other' || kind === 'plugin' || isRemoteReference(ref) || (kind === 'patch' && ref.includes('\n'))) return [];
    const target = joinPath(dir, ref);
    return target === undefined ? [] : [{ field, target, kind }];
  });
}

/** Each file's context, given every kustomization of the workspace (file → parsed value). */
export function fileContexts(files: string[], kustomizations: Map<string, unknown>): Map<string, FileContext> {
  const listed = new Map<string, { role: FileRole; namespace?: string }>();
  for (const [file, value] of kustomizations) {
    const namespace = fields([], value, 'namespace').map(([, v]) => v).find((v): v is string => typeof v === 'string');
    for (const ref of kustomizationReferences(file, value)) {
      if (ref.kind === 'file') continue;
      const previous = listed.get(ref.target);
      // a file listed as a resource anywhere is validated as a whole object
      if (!previous || ref.kind === 'resource') listed.set(ref.target, { role: ref.kind, namespace: namespace ?? previous?.namespace });
    }
  }
  return new Map(
    files.map((file) => {
      const fromKustomization = listed.get(file);
      const role: FileRole = isKustomizationFile(file) ? 'kustomization' : (fromKustomization?.role ?? (isYamlFile(file) ? 'resource' : 'other'));
      return [file, { role, namespace: fromKustomization?.namespace, ...contextOfPath(file) }];
    }),
  );
}
