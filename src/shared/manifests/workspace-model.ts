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

export const isRemoteReference = (ref: string) => /^[a-z]+:\/\//i.test(ref) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(ref) || ref.includes('?ref=');

export interface KustomizationReference {
  /** where the reference sits in the kustomization, for its line */
  field: FieldPath;
  /** the referenced path, relative to the workspace root */
  target: string;
  kind: 'resource' | 'patch' | 'file';
}

interface Kustomization {
  namespace?: string;
  resources?: unknown[];
  bases?: unknown[];
  components?: unknown[];
  crds?: unknown[];
  patches?: { path?: unknown }[];
  patchesStrategicMerge?: unknown[];
  patchesJson6902?: { path?: unknown }[];
  configMapGenerator?: { files?: unknown[]; envs?: unknown[]; env?: unknown }[];
  secretGenerator?: { files?: unknown[]; envs?: unknown[]; env?: unknown }[];
}

/** Every local path inside the workspace that a kustomization names (remote ones and ones above the root cannot be checked here). */
export function kustomizationReferences(file: string, value: unknown): KustomizationReference[] {
  if (!value || typeof value !== 'object') return [];
  const k = value as Kustomization;
  const dir = dirname(file);
  const refs: KustomizationReference[] = [];
  const add = (field: FieldPath, ref: unknown, kind: KustomizationReference['kind']) => {
    if (typeof ref !== 'string' || isRemoteReference(ref)) return;
    // a strategic-merge patch may be written inline
    if (kind === 'patch' && ref.includes('\n')) return;
    // generator entries may be `key=path`
    const target = joinPath(dir, kind === 'file' ? ref.split('=').pop()! : ref);
    if (target !== undefined) refs.push({ field, target, kind });
  };
  for (const key of ['resources', 'bases', 'components', 'crds'] as const) {
    (Array.isArray(k[key]) ? k[key] : []).forEach((ref, i) => add([key, i], ref, 'resource'));
  }
  (Array.isArray(k.patches) ? k.patches : []).forEach((p, i) => add(['patches', i, 'path'], p?.path, 'patch'));
  (Array.isArray(k.patchesJson6902) ? k.patchesJson6902 : []).forEach((p, i) => add(['patchesJson6902', i, 'path'], p?.path, 'patch'));
  (Array.isArray(k.patchesStrategicMerge) ? k.patchesStrategicMerge : []).forEach((ref, i) => add(['patchesStrategicMerge', i], ref, 'patch'));
  for (const key of ['configMapGenerator', 'secretGenerator'] as const) {
    (Array.isArray(k[key]) ? k[key] : []).forEach((g, i) => {
      for (const list of ['files', 'envs'] as const) (Array.isArray(g?.[list]) ? g[list] : []).forEach((ref, j) => add([key, i, list, j], ref, 'file'));
      if (g?.env) add([key, i, 'env'], g.env, 'file');
    });
  }
  return refs;
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
