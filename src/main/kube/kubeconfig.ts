import { homedir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { credentialPlugins, detectCloud, pluginName } from '../../shared/cloud.ts';
import type { AuthKind, ClusterEntry, KubeconfigSourceError } from '../../shared/contract/clusters.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { ContextConfig } from './context-config.ts';
import { readRegularFile } from '../base/files.ts';
import { environmentProxy, isHostName, isLoopback, parseProxyUrl, type Proxy } from './proxy.ts';
import { describeExec, displayUrl, validUserInfo } from './redact.ts';

const extensions = z.array(z.object({ name: z.string(), extension: z.unknown() })).nullish();
// what Fleetdeck reads is typed (kubectl too refuses a file with a wrongly typed field); null is absent
const text = z.string().nullish();

const rawCluster = z
  .object({
    server: text,
    'proxy-url': text,
    'certificate-authority': text,
    'certificate-authority-data': text,
    'insecure-skip-tls-verify': z.boolean().nullish(),
    'tls-server-name': text,
    extensions,
  })
  .loose();
const rawUser = z
  .object({
    token: text,
    tokenFile: text,
    'client-certificate': text,
    'client-certificate-data': text,
    'client-key': text,
    'client-key-data': text,
    username: text,
    password: text,
    as: text,
    'as-uid': text,
    'as-groups': z.array(z.string()).nullish(),
    'as-user-extra': z.record(z.string(), z.array(z.string())).nullish(),
    exec: z
      .object({
        command: z.string().min(1),
        args: z.array(z.string()).nullish(),
        env: z.array(z.object({ name: z.string(), value: z.string() }).loose()).nullish(),
      })
      .loose()
      .nullish(),
    'auth-provider': z.object({ name: z.string(), config: z.record(z.string(), z.string()).nullish() }).loose().nullish(),
  })
  .loose();
const rawContext = z.object({ cluster: text, user: text, namespace: text, extensions }).loose();

const kubeconfigSchema = z
  .object({
    'current-context': text,
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
  /** relative file paths are resolved against this folder */
  baseDir: string;
}

/** The clusters and users a context's names are looked up in. */
interface Definitions {
  clusters: Map<string, Entry<RawCluster>>;
  users: Map<string, Entry<RawUser>>;
}

interface ContextEntry extends Entry<RawContext> {
  /** the kubeconfig files' merged definitions, or only those of the imported kubeconfig that holds this context */
  scope: Definitions;
  /** from an imported kubeconfig (the renderer's input, not a file the user named): it may run only known credential plugins */
  imported: boolean;
}

/**
 * The contexts of several kubeconfigs, by kubectl's rule: the first source to define a name wins.
 * The files' clusters and users merge as kubectl merges them; an imported kubeconfig's contexts
 * resolve only against its own, so an import can neither borrow nor shadow another source's.
 */
export interface MergedKubeconfig {
  currentContext?: string;
  contexts: Map<string, ContextEntry>;
  errors: KubeconfigSourceError[];
}

/** Resolves which kubeconfig files to read: an explicit file, else $KUBECONFIG (colon-separated), else ~/.kube/config. */
export function kubeconfigPaths(explicit?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (explicit) return [path.resolve(explicit)];
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  if (fromEnv.length) return [...new Set(fromEnv.map((p) => path.resolve(p)))];
  return [path.join(homedir(), '.kube', 'config')];
}

/** A kubeconfig file larger than this is refused: the biggest real ones (hundreds of clusters with their CAs) are a few MB. */
const MAX_KUBECONFIG_BYTES = 16 * 2 ** 20;

export function parseKubeconfig(text: string, source: string): z.infer<typeof kubeconfigSchema> {
  let document: unknown;
  try {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false, logLevel: 'error' });
    if (doc.errors.length) {
      // the kind of error, not the library's wording: that quotes the text around it, which may be a token
      const { code, linePos } = doc.errors[0];
      const line = linePos?.[0]?.line;
      throw new FleetdeckError('kubeconfig-invalid', `${source}: invalid YAML${line ? ` at line ${line}` : ''}: ${code.toLowerCase().replaceAll('_', ' ')}`);
    }
    // toJS refuses a "billion laughs" document (aliases of aliases) before it expands into gigabytes;
    // the JSON round trip, kubectl's own YAML-to-JSON step, refuses an alias inside its own anchor
    // and turns tagged values (!!binary, !!set, !!timestamp) into plain data
    document = JSON.parse(JSON.stringify(doc.toJS() ?? {}));
  } catch (error) {
    if (error instanceof FleetdeckError) throw error;
    // the YAML library's own refusals (too many aliases, an unknown alias) and a cycle, without what
    // follows a colon: the alias's name or the keys of the cycle
    throw new FleetdeckError('kubeconfig-invalid', `${source}: invalid YAML: ${(error as Error).message.split('\n')[0].split(': ')[0].slice(0, 200)}`);
  }
  const parsed = kubeconfigSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FleetdeckError('kubeconfig-invalid', `${source}: not a kubeconfig: ${issue.path.join('.') || 'document'}: ${issue.message}`);
  }
  return parsed.data;
}

/** A kubeconfig held in memory (the vault's), with where its relative paths point; each resolves only against itself. */
export interface InlineKubeconfig {
  source: string;
  baseDir: string;
  text: string;
  /** came from the renderer (an import): see importProblem */
  imported?: boolean;
}

/** Merges kubeconfig files, then inline kubeconfigs, in order; a file that cannot be read is reported, not fatal. */
export async function loadKubeconfigs(paths: string[], inline: InlineKubeconfig[] = []): Promise<MergedKubeconfig> {
  const merged: MergedKubeconfig = { contexts: new Map(), errors: [] };
  const files: Definitions = { clusters: new Map(), users: new Map() };
  const read = async (file: string): Promise<InlineKubeconfig | undefined> => {
    try {
      return { source: file, baseDir: path.dirname(file), text: (await readRegularFile(file, MAX_KUBECONFIG_BYTES, 'kubeconfig-invalid')).toString('utf8') };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      merged.errors.push(
        error instanceof FleetdeckError
          ? { source: file, code: error.code, message: `kubeconfig ${error.message}` }
          : code === 'ENOENT'
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
      const scope: Definitions = typeof next === 'string' ? files : { clusters: new Map(), users: new Map() };
      const add = <T>(map: Map<string, Entry<T>>, name: string, value: T) => {
        if (!map.has(name)) map.set(name, { value, source, baseDir });
      };
      for (const c of config.clusters ?? []) add(scope.clusters, c.name, c.cluster ?? {});
      for (const u of config.users ?? []) add(scope.users, u.name, u.user ?? {});
      const imported = typeof next !== 'string' && next.imported === true;
      for (const c of config.contexts ?? []) {
        if (!merged.contexts.has(c.name)) merged.contexts.set(c.name, { value: c.context ?? {}, source, baseDir, scope, imported });
      }
    } catch (error) {
      if (!(error instanceof FleetdeckError)) throw error;
      merged.errors.push({ source, code: error.code, message: error.message });
    }
  }
  return merged;
}

function authOf(user: RawUser | undefined): { authKind: AuthKind; authDetail?: string } {
  if (!user) return { authKind: 'none' };
  if (user.exec) return { authKind: 'exec', authDetail: describeExec(user.exec.command, user.exec.args ?? []).text };
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

/** Variables an imported kubeconfig may set for its plugin: cloud settings and credentials, none naming a file, folder or program. */
const cloudVariable = /^(?:AWS|AZURE|AAD|ARM|GOOGLE|CLOUDSDK|KUBELOGIN|DIGITALOCEAN|OCI)_/i;
const namesElsewhere = /(?:^|_)(?:FILE|PATH|DIR|HOME|CONFIG|PYTHON|EXECUTABLES?|COMMAND|CMD|PROCESS|PROGRAM|BIN)(?:_|$)/i;
/** A flag that names a program for the plugin to run (int128's kubelogin has --browser-command). */
const programFlag = /command|exec|browser|program|script|shell/i;
/** Options that may come before a plugin's credential subcommand: aws --region X eks get-token. */
const leadingOption = /^--(?:region|profile)(?:=.+)?$/;
const quoted = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);

/**
 * Why a user of an imported kubeconfig (the renderer's input) may not be used: it would run a
 * program other than a known credential plugin's credential subcommand, or send a file of this machine.
 */
function importedUserProblem(user: RawUser): string | undefined {
  const exec = user.exec;
  if (exec) {
    const name = pluginName(exec.command);
    const subcommand = name === exec.command.replace(/\.exe$/i, '') ? credentialPlugins.get(name)?.subcommand : undefined;
    if (!subcommand) return `its exec plugin ${quoted(exec.command)} is not a known credential plugin named without a path (${[...credentialPlugins.keys()].join(', ')})`;
    const args = exec.args ?? [];
    let at = 0;
    while (at < args.length && leadingOption.test(args[at])) at += args[at].includes('=') ? 1 : 2;
    if (subcommand.some((word, i) => args[at + i] !== word)) return `its exec plugin must be run as "${[name, ...subcommand].join(' ')} …"`;
    const flag = args.find((arg) => arg.startsWith('-') && programFlag.test(arg.split('=')[0]));
    if (flag) return `its exec plugin's flag ${quoted(flag.split('=')[0])} names a program to run`;
    const variable = (exec.env ?? []).find((e) => !cloudVariable.test(e.name) || namesElsewhere.test(e.name));
    if (variable) return `its exec plugin's environment variable ${quoted(variable.name)} is not a cloud credential setting`;
  }
  const provider = user['auth-provider'];
  if (provider && Object.keys(provider.config ?? {}).some((key) => key.startsWith('cmd-'))) return `its auth-provider ${quoted(provider.name)} runs a command (cmd-path, cmd-args)`;
  if (user.tokenFile) return 'it reads its token from a file of this machine (tokenFile)';
  return undefined;
}

/**
 * Refuses a kubeconfig about to be imported that reaches outside itself: a context naming a
 * cluster or user it does not define, or a user that would run a program or read a local token.
 */
export function checkImport(config: ReturnType<typeof parseKubeconfig>, origin: string): void {
  const refuse = (why: string) => {
    throw new FleetdeckError('kubeconfig-invalid', `${origin}: ${why}; an imported kubeconfig must define every cluster and user its contexts name, and may run only known credential plugins`);
  };
  const clusters = new Set((config.clusters ?? []).map((c) => c.name));
  const users = new Set((config.users ?? []).map((u) => u.name));
  for (const { name, context } of config.contexts ?? []) {
    if (!context?.cluster || !clusters.has(context.cluster)) refuse(`context ${quoted(name)} names cluster ${quoted(context?.cluster ?? '')}, which this kubeconfig does not define`);
    if (context?.user && !users.has(context.user)) refuse(`context ${quoted(name)} names user ${quoted(context.user)}, which this kubeconfig does not define`);
  }
  for (const { name, user } of config.users ?? []) {
    const problem = user && importedUserProblem(user);
    if (problem) refuse(`user ${quoted(name)}: ${problem}`);
  }
}

interface ResolvedContext {
  context: ContextEntry;
  cluster: Entry<RawCluster>;
  user?: Entry<RawUser>;
  server: URL;
  proxy?: Proxy;
}

/** One context's parts, checked; or why it cannot be used, in a sentence that names the context. */
function resolve(config: MergedKubeconfig, name: string, env: NodeJS.ProcessEnv): ResolvedContext | string {
  const context = config.contexts.get(name);
  if (!context) return `context "${name}" not found`;
  const { cluster: clusterName, user: userName } = context.value;
  if (!clusterName) return `context "${name}" names no cluster`;
  const own = context.imported ? ' (an imported kubeconfig uses only the clusters and users it defines)' : '';
  const cluster = context.scope.clusters.get(clusterName);
  if (!cluster) return `context "${name}" references missing cluster "${clusterName}"${own}`;
  const user = userName ? context.scope.users.get(userName) : undefined;
  if (userName && !user) return `context "${name}" references missing user "${userName}"${own}`;
  const untrusted = context.imported && user && importedUserProblem(user.value);
  if (untrusted) return `context "${name}": user "${userName}" of an imported kubeconfig cannot be used: ${untrusted}`;
  const rawServer = cluster.value.server;
  if (!rawServer) return `context "${name}": cluster "${clusterName}" has no server URL`;
  const server = URL.parse(rawServer);
  if (!server || !['https:', 'http:'].includes(server.protocol) || !isHostName(server.hostname) || !validUserInfo(server)) {
    return `context "${name}": cluster "${clusterName}" has a server that is not an https:// or http:// URL: ${displayUrl(rawServer)}`;
  }
  const serverName = cluster.value['tls-server-name'];
  if (serverName && !isHostName(serverName)) return `context "${name}": cluster "${clusterName}" has a tls-server-name that is not a host name`;
  let proxy: Proxy | undefined;
  const proxyUrl = cluster.value['proxy-url'];
  if (proxyUrl) {
    const url = parseProxyUrl(proxyUrl);
    if (!url) return `context "${name}": cluster "${clusterName}" has a proxy-url that is not an http://, https://, socks4:// or socks5:// URL: ${displayUrl(proxyUrl)}`;
    proxy = { url, label: displayUrl(proxyUrl) };
  } else {
    try {
      proxy = environmentProxy(server, env);
    } catch (error) {
      if (!(error instanceof FleetdeckError)) throw error;
      return `context "${name}": ${error.message}`;
    }
  }
  const u = user?.value;
  if (u && !u.as && (u['as-uid'] || u['as-groups']?.length || Object.keys(u['as-user-extra'] ?? {}).length)) {
    return `context "${name}": user "${userName}" sets as-uid, as-groups or as-user-extra without as (the user to impersonate)`;
  }
  if (server.protocol === 'http:' && !isLoopback(server.hostname) && authOf(u).authKind !== 'none') {
    return `context "${name}" would send the credentials of user "${userName}" unencrypted to ${displayUrl(rawServer)}: use an https:// server`;
  }
  return { context, cluster, user, server, proxy };
}

export function contextProblem(config: MergedKubeconfig, name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const resolved = resolve(config, name, env);
  return typeof resolved === 'string' ? resolved : undefined;
}

/** Every context as the renderer may see it: names, the server without credentials, the plugin without secrets. */
export function listEntries(config: MergedKubeconfig): ClusterEntry[] {
  return [...config.contexts].map(([name, { value: context, source, scope }]) => {
    const cluster = context.cluster ? scope.clusters.get(context.cluster)?.value : undefined;
    const user = context.user ? scope.users.get(context.user)?.value : undefined;
    const problem = contextProblem(config, name);
    return {
      context: name,
      cluster: context.cluster ?? '',
      server: cluster?.server ? displayUrl(cluster.server) : '',
      user: context.user ?? '',
      ...(context.namespace ? { namespace: context.namespace } : {}),
      ...authOf(user),
      cloud: detectCloud({
        server: cluster?.server ?? undefined,
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

const resolvePath = (file: string | null | undefined, dir: string) => (file ? path.resolve(dir, file) : undefined);

/** One context's cluster and user, ready to connect, with file paths resolved against the file that defined each part. */
export function kubeConfigFor(config: MergedKubeconfig, name: string, env: NodeJS.ProcessEnv = process.env): ContextConfig {
  const resolved = resolve(config, name, env);
  if (typeof resolved === 'string') throw new FleetdeckError('context-invalid', resolved);
  const { cluster: clusterEntry, user: userEntry, server, proxy } = resolved;
  const c = clusterEntry.value;
  const u: RawUser = userEntry?.value ?? {};
  const exec = u.exec ? { ...u.exec, args: u.exec.args ?? [], env: u.exec.env ?? [] } : undefined;
  const userDir = userEntry?.baseDir ?? '';
  return new ContextConfig({
    name,
    server,
    proxy,
    cluster: {
      name: resolved.context.value.cluster!,
      server: c.server!.replace(/\/$/, ''),
      caFile: resolvePath(c['certificate-authority'], clusterEntry.baseDir),
      caData: c['certificate-authority-data'] ?? undefined,
      skipTLSVerify: c['insecure-skip-tls-verify'] === true,
      tlsServerName: c['tls-server-name'] ?? undefined,
    },
    user: {
      name: resolved.context.value.user ?? '',
      token: u.token ?? undefined,
      tokenFile: resolvePath(u.tokenFile, userDir),
      certFile: resolvePath(u['client-certificate'], userDir),
      certData: u['client-certificate-data'] ?? undefined,
      keyFile: resolvePath(u['client-key'], userDir),
      keyData: u['client-key-data'] ?? undefined,
      username: u.username ?? undefined,
      password: u.password ?? undefined,
      exec,
      authProvider: u['auth-provider'] ?? undefined,
      impersonate: u.as ? { user: u.as, uid: u['as-uid'] ?? undefined, groups: u['as-groups'] ?? [], extra: u['as-user-extra'] ?? {} } : undefined,
    },
    secrets: [
      u.token,
      u.password,
      ...(exec ? [...exec.env.map((e) => e.value), ...describeExec(exec.command, exec.args).hidden] : []),
      ...Object.values(u['auth-provider']?.config ?? {}),
    ].filter((s): s is string => !!s),
  });
}
