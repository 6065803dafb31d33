import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { newClusters, newContexts, newUsers } from '@kubernetes/client-node/dist/config_types.js';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { detectCloud } from '../../../shared/cloud.ts';
import type { AuthKind, ClusterEntry, KubeconfigSourceError } from '../../../shared/contract/clusters.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { ContextConfig } from './context-config.ts';

const extensions = z.array(z.object({ name: z.string(), extension: z.unknown() })).nullish();

const rawCluster = z
  .object({ server: z.string().optional(), 'proxy-url': z.string().optional(), extensions })
  .loose();
const rawUser = z
  .object({
    token: z.string().optional(),
    tokenFile: z.string().optional(),
    'client-certificate': z.string().optional(),
    'client-certificate-data': z.string().optional(),
    exec: z.object({ command: z.string(), args: z.array(z.string()).nullish() }).loose().optional(),
    'auth-provider': z.object({ name: z.string() }).loose().optional(),
    username: z.string().optional(),
  })
  .loose();
const rawContext = z
  .object({ cluster: z.string().optional(), user: z.string().optional(), namespace: z.string().optional(), extensions })
  .loose();

const kubeconfigSchema = z
  .object({
    'current-context': z.string().nullish(),
    clusters: z.array(z.object({ name: z.string().min(1), cluster: rawCluster.nullish() }).loose()).nullish(),
    users: z.array(z.object({ name: z.string().min(1), user: rawUser.nullish() }).loose()).nullish(),
    contexts: z.array(z.object({ name: z.string().min(1), context: rawContext.nullish() }).loose()).nullish(),
  })
  .loose();

type RawCluster = z.infer<typeof rawCluster>;
type RawUser = z.infer<typeof rawUser>;
type RawContext = z.infer<typeof rawContext>;

interface Entry<T> {
  value: T;
  source: string;
  /** relative certificate paths are resolved against this folder */
  baseDir: string;
  /** the file's own parsed entry, in the shape client-node reads */
  raw: unknown;
}

/** The merged view of several kubeconfig files, by kubectl's rule: the first file to define a name wins. */
export interface MergedKubeconfig {
  currentContext?: string;
  clusters: Map<string, Entry<RawCluster>>;
  users: Map<string, Entry<RawUser>>;
  contexts: Map<string, Entry<RawContext>>;
  errors: KubeconfigSourceError[];
}

/** Resolves which kubeconfig files to read: an explicit file, else $KUBECONFIG (colon-separated), else ~/.kube/config. */
export function kubeconfigPaths(explicit?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (explicit) return [path.resolve(explicit)];
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  if (fromEnv.length) return [...new Set(fromEnv.map((p) => path.resolve(p)))];
  return [path.join(homedir(), '.kube', 'config')];
}

export function parseKubeconfig(text: string, source: string): z.infer<typeof kubeconfigSchema> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  if (doc.errors.length) {
    const first = doc.errors[0];
    const line = first.linePos?.[0]?.line;
    const reason = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new FleetdeckError('kubeconfig-invalid', `${source}: invalid YAML${line ? ` at line ${line}` : ''}: ${reason}`);
  }
  const parsed = kubeconfigSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FleetdeckError('kubeconfig-invalid', `${source}: not a kubeconfig: ${issue.path.join('.') || 'document'}: ${issue.message}`);
  }
  return parsed.data;
}

/** A kubeconfig held in memory (the vault's), with where its relative paths point. */
export interface InlineKubeconfig {
  source: string;
  baseDir: string;
  text: string;
}

/** Merges kubeconfig files, then inline kubeconfigs, in order; a file that cannot be read is reported, not fatal. */
export async function loadKubeconfigs(paths: string[], inline: InlineKubeconfig[] = []): Promise<MergedKubeconfig> {
  const merged: MergedKubeconfig = { clusters: new Map(), users: new Map(), contexts: new Map(), errors: [] };
  const read = async (file: string): Promise<InlineKubeconfig | undefined> => {
    try {
      return { source: file, baseDir: path.dirname(file), text: await readFile(file, 'utf8') };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      merged.errors.push(
        code === 'ENOENT'
          ? { source: file, code: 'kubeconfig-not-found', message: `kubeconfig not found: ${file}` }
          : { source: file, code: 'kubeconfig-invalid', message: `cannot read kubeconfig ${file}: ${(error as Error).message}` },
      );
      return undefined;
    }
  };
  for (const next of [...paths, ...inline]) {
    const kubeconfig = typeof next === 'string' ? await read(next) : next;
    if (!kubeconfig) continue;
    const { source, baseDir, text } = kubeconfig;
    try {
      const config = parseKubeconfig(text, source);
      merged.currentContext ??= config['current-context'] ?? undefined;
      const add = <T>(map: Map<string, Entry<T>>, name: string, value: T, raw: unknown) => {
        if (!map.has(name)) map.set(name, { value, source, baseDir, raw });
      };
      for (const c of config.clusters ?? []) add(merged.clusters, c.name, c.cluster ?? {}, c);
      for (const u of config.users ?? []) add(merged.users, u.name, u.user ?? {}, u);
      for (const c of config.contexts ?? []) add(merged.contexts, c.name, c.context ?? {}, c);
    } catch (error) {
      if (!(error instanceof FleetdeckError)) throw error;
      merged.errors.push({ source, code: error.code, message: error.message });
    }
  }
  return merged;
}

function authOf(user: RawUser | undefined): { authKind: AuthKind; authDetail?: string } {
  if (!user) return { authKind: 'none' };
  if (user.exec) return { authKind: 'exec', authDetail: [user.exec.command, ...(user.exec.args ?? [])].join(' ') };
  if (user['auth-provider']) return { authKind: 'auth-provider', authDetail: user['auth-provider'].name };
  if (user['client-certificate'] || user['client-certificate-data']) return { authKind: 'client-certificate' };
  if (user.token || user.tokenFile) return { authKind: 'token' };
  if (user.username) return { authKind: 'basic' };
  return { authKind: 'none' };
}

export function extension(extensions: RawCluster['extensions'], name: string): unknown {
  return extensions?.find((e) => e.name === name)?.extension;
}

/** The declared cloud of a cluster: `extensions: [{name: fleetdeck.io/cloud, extension: {cloud: aks}}]`. */
function declaredCloud(cluster: RawCluster | undefined): string | undefined {
  const value = extension(cluster?.extensions, 'fleetdeck.io/cloud') as { cloud?: unknown } | undefined;
  return typeof value?.cloud === 'string' ? value.cloud : undefined;
}

export function contextProblem(config: MergedKubeconfig, name: string): string | undefined {
  const context = config.contexts.get(name)?.value;
  if (!context) return `context "${name}" not found`;
  if (!context.cluster) return `context "${name}" names no cluster`;
  const cluster = config.clusters.get(context.cluster)?.value;
  if (!cluster) return `context "${name}" references missing cluster "${context.cluster}"`;
  if (!cluster.server) return `cluster "${context.cluster}" has no server URL`;
  const proxy = cluster['proxy-url'];
  if (proxy && !/^(https?|socks4a?|socks5h?):\/\/[^/]/.test(proxy)) return `cluster "${context.cluster}" has a proxy-url that is not an http://, https://, socks4:// or socks5:// URL`;
  if (context.user && !config.users.has(context.user)) return `context "${name}" references missing user "${context.user}"`;
  return undefined;
}

export function listEntries(config: MergedKubeconfig): ClusterEntry[] {
  return [...config.contexts].map(([name, { value: context, source }]) => {
    const cluster = context.cluster ? config.clusters.get(context.cluster)?.value : undefined;
    const user = context.user ? config.users.get(context.user)?.value : undefined;
    const auth = authOf(user);
    const problem = contextProblem(config, name);
    return {
      context: name,
      cluster: context.cluster ?? '',
      server: cluster?.server ?? '',
      user: context.user ?? '',
      ...(context.namespace ? { namespace: context.namespace } : {}),
      ...auth,
      cloud: detectCloud({
        server: cluster?.server,
        execCommand: user?.exec?.command,
        execArgs: user?.exec?.args ?? undefined,
        authProvider: user?.['auth-provider']?.name,
        declared: declaredCloud(cluster),
      }),
      ...(problem ? { problem } : {}),
      current: name === config.currentContext,
      source,
    };
  });
}

/** The named contexts' entries, or every usable one when none is named; a name not in the kubeconfig is an error. */
export function selectEntries(config: MergedKubeconfig, contexts?: string[]): ClusterEntry[] {
  const all = listEntries(config);
  if (!contexts?.length) return all.filter((e) => !e.problem);
  const unknown = contexts.filter((c) => !all.some((e) => e.context === c));
  if (unknown.length) throw new FleetdeckError('not-found', `context ${unknown.map((c) => `"${c}"`).join(', ')} not found in the kubeconfig`);
  return all.filter((e) => contexts.includes(e.context));
}

/** One context's cluster and user, with file paths resolved against the file that defined each part. */
export function kubeConfigFor(config: MergedKubeconfig, name: string): ContextConfig {
  const problem = contextProblem(config, name);
  if (problem) throw new FleetdeckError('context-invalid', problem);
  const context = config.contexts.get(name)!;
  const cluster = config.clusters.get(context.value.cluster!)!;
  const user = context.value.user ? config.users.get(context.value.user) : undefined;
  const first = <T>(entry: Entry<unknown>, build: (raw: unknown[]) => T[]): T => {
    const [built] = build([entry.raw]);
    if (!built) throw new FleetdeckError('context-invalid', `${entry.source}: the entry used by context "${name}" is incomplete`);
    return absolutize(built, entry.baseDir, ['caFile', 'certFile', 'keyFile']);
  };
  const clusterPart = first(cluster, (raw) => newClusters(raw, { onInvalidEntry: 'filter' }));
  const userPart = user ? first(user, (raw) => newUsers(raw, { onInvalidEntry: 'filter' })) : { name: '' };
  const contextPart = first(context, (raw) => newContexts(raw, { onInvalidEntry: 'filter' }));
  return new ContextConfig(contextPart.name, clusterPart, userPart);
}

function absolutize<T>(entry: T, dir: string, keys: string[]): T {
  const copy = { ...entry } as Record<string, unknown>;
  for (const key of keys) {
    const value = copy[key];
    if (typeof value === 'string' && value && !path.isAbsolute(value)) copy[key] = path.join(dir, value);
  }
  return copy as T;
}
