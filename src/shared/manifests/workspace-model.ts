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
 * `user@host:path`, a github.com / gitlab.com / bitbucket.org path, or a `?ref=` query.
 */
export function isRemoteReference(ref: string): boolean {
  const r = ref.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(r) || /^[a-z0-9]+::/i.test(r) || /^gh:/i.test(r) || /^[^/\s]+@[^/\s]+:/.test(r) || /^(www\.)?(github\.com|gitlab\.com|bitbucket\.org)[/:]/i.test(r) || r.includes('?ref=');
}

/** A path or URL a kustomization names, as written (a generator's `key=path` without its key). */
export interface KustomizationEntry {
  /** where it sits in the kustomization, for its line */
  field: FieldPath;
  ref: string;
  /** resource: a file or a kustomization folder; patch; file: a generator's input; other: transformer, generator, validator, OpenAPI and Helm sources */
  kind: 'resource' | 'patch' | 'file' | 'other';
}

export interface KustomizationReference {
  /** where the reference sits in the kustomization, for its line */
  field: FieldPath;
  /** the referenced path, relative to the workspace root */
  target: string;
  kind: 'resource' | 'patch' | 'file';
}

type Entries = unknown[] | undefined;
interface Kustomization {
  namespace?: string;
  resources?: Entries;
  bases?: Entries;
  components?: Entries;
  crds?: Entries;
  configurations?: Entries;
  generators?: Entries;
  transformers?: Entries;
  validators?: Entries;
  patches?: { path?: unknown }[];
  patchesStrategicMerge?: Entries;
  patchesJson6902?: { path?: unknown }[];
  replacements?: { path?: unknown }[];
  configMapGenerator?: { files?: Entries; envs?: Entries; env?: unknown }[];
  secretGenerator?: { files?: Entries; envs?: Entries; env?: unknown }[];
  openapi?: { path?: unknown };
  helmCharts?: { repo?: unknown }[];
  helmChartInflationGenerator?: { chartRepoUrl?: unknown }[];
}

/** Every path or URL a kustomization names: what kustomize reads, clones or fetches to build it. */
export function kustomizationEntries(value: unknown): KustomizationEntry[] {
  if (!value || typeof value !== 'object') return [];
  const k = value as Kustomization;
  const entries: KustomizationEntry[] = [];
  const list = <T>(items: T[] | undefined): T[] => (Array.isArray(items) ? items : []);
  const add = (field: FieldPath, ref: unknown, kind: KustomizationEntry['kind']) => {
    if (typeof ref === 'string' && ref) entries.push({ field, ref, kind });
  };
  for (const key of ['resources', 'bases', 'components', 'crds'] as const) list(k[key]).forEach((ref, i) => add([key, i], ref, 'resource'));
  for (const key of ['patches', 'patchesJson6902'] as const) list(k[key]).forEach((p, i) => add([key, i, 'path'], p?.path, 'patch'));
  list(k.patchesStrategicMerge).forEach((ref, i) => add(['patchesStrategicMerge', i], ref, 'patch'));
  for (const key of ['configMapGenerator', 'secretGenerator'] as const) {
    list(k[key]).forEach((g, i) => {
      // kustomize splits `key=path` at the first "="
      list(g?.files).forEach((ref, j) => add([key, i, 'files', j], typeof ref === 'string' ? ref.slice(ref.indexOf('=') + 1) : ref, 'file'));
      list(g?.envs).forEach((ref, j) => add([key, i, 'envs', j], ref, 'file'));
      add([key, i, 'env'], g?.env, 'file');
    });
  }
  for (const key of ['configurations', 'generators', 'transformers', 'validators'] as const) list(k[key]).forEach((ref, i) => add([key, i], ref, 'other'));
  list(k.replacements).forEach((r, i) => add(['replacements', i, 'path'], r?.path, 'other'));
  add(['openapi', 'path'], k.openapi?.path, 'other');
  list(k.helmCharts).forEach((h, i) => add(['helmCharts', i, 'repo'], h?.repo, 'other'));
  list(k.helmChartInflationGenerator).forEach((h, i) => add(['helmChartInflationGenerator', i, 'chartRepoUrl'], h?.chartRepoUrl, 'other'));
  return entries;
}

/** Every local path inside the workspace that a kustomization names (remote ones and ones above the root cannot be checked here). */
export function kustomizationReferences(file: string, value: unknown): KustomizationReference[] {
  const dir = dirname(file);
  return kustomizationEntries(value).flatMap(({ field, ref, kind }) => {
    // a strategic-merge patch may be written inline
    if (kind === 'other' || isRemoteReference(ref) || (kind === 'patch' && ref.includes('\n'))) return [];
    const target = joinPath(dir, ref);
    return target === undefined ? [] : [{ field, target, kind }];
  });
}

/** Each file's context, given every kustomization of the workspace (file → parsed value). */
export function fileContexts(files: string[], kustomizations: Map<string, unknown>): Map<string, FileContext> {
  const listed = new Map<string, { role: FileRole; namespace?: string }>();
  for (const [file, value] of kustomizations) {
    const namespace = typeof (value as Kustomization | undefined)?.namespace === 'string' ? (value as Kustomization).namespace : undefined;
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
