// Kustomize rendering with the user's own tool: `kustomize build`, else `kubectl kustomize`
// (kubectl embeds kustomize). Fleetdeck does not reimplement kustomize. Rendering is offline unless
// the user allows remote resources: kustomize would otherwise fetch URLs and clone remote bases.
import { execFile } from 'node:child_process';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { FleetdeckError } from '../../../shared/errors.ts';
import { formatBytes } from '../../../shared/quantity.ts';
import { formatPath, type FieldPath } from '../../../shared/manifests/documents.ts';
import { isRemoteReference, kustomizationEntries } from '../../../shared/manifests/workspace-model.ts';
import { findExecutable, pluginSearchPath } from '../../kube/exec-path.ts';
import { readKustomizationYaml, yamlTexts } from './kustomize-yaml.ts';
import { inWorkTree, readRegularFile } from './workspace-files.ts';

const run = promisify(execFile);

export interface KustomizeTool {
  executable: string;
  /** the arguments before the directory */
  args: string[];
  /** e.g. "kustomize v5.8.0" or "kubectl kustomize (kubectl v1.37.2)" */
  label: string;
}

async function versionOf(executable: string, args: string[]): Promise<string> {
  const { stdout } = await run(executable, args, { timeout: 10_000 }).catch(() => ({ stdout: '' }));
  return stdout;
}

/** Finds kustomize, then kubectl, on the PATH widened with the usual install folders. */
export async function findKustomize(dirs: string[] = pluginSearchPath()): Promise<KustomizeTool> {
  const kustomize = findExecutable('kustomize', dirs);
  if (kustomize) {
    const version = (await versionOf(kustomize, ['version'])).trim().split('\n')[0];
    return { executable: kustomize, args: ['build'], label: `kustomize ${version || '(version unknown)'}`.trim() };
  }
  const kubectl = findExecutable('kubectl', dirs);
  if (kubectl) {
    const json = await versionOf(kubectl, ['version', '--client', '-o', 'json']);
    let version = '';
    try {
      version = (JSON.parse(json) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? '';
    } catch {
      // an old kubectl: the label just lacks the version
    }
    return { executable: kubectl, args: ['kustomize'], label: `kubectl kustomize${version ? ` (kubectl ${version})` : ''}` };
  }
  throw new FleetdeckError(
    'not-found',
    'neither kustomize nor kubectl was found on the PATH (nor in /usr/local/bin, ~/.local/bin, Homebrew, the gcloud SDK): install kustomize (https://kubectl.docs.kubernetes.io/installation/kustomize/) or kubectl to render overlays',
  );
}

/** A reference kustomize would fetch or clone, and where it is written. */
export interface RemoteReference {
  /** the kustomization or plugin configuration, relative to the workspace root */
  file: string;
  /** e.g. resources[2] */
  field: string;
  ref: string;
  /** a kustomization folder of plugin configurations: what they fetch is known only once it is built */
  pluginKustomization?: true;
}

/** the names kustomize reads a folder's kustomization from, in its order */
export const kustomizationNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** A build reaching more kustomizations than this is not a workspace's (a cycle through links, a generated tree). */
const MAX_KUSTOMIZATIONS = 5_000;
const MAX_KUSTOMIZATION_BYTES = 5 * 1024 * 1024;

/** Whether kustomize would fetch or clone a value: a reference, or a generator's `key=reference`. */
const fetches = (text: string) => isRemoteReference(text) || isRemoteReference(text.slice(text.indexOf('=') + 1));

/**
 * Walks the kustomizations a build of `dir` reads (it, then every local folder they name, as
 * kustomize does) and returns the remote references among what they name, in every field, and in
 * the plugin configurations they name or write inline (a PatchTransformer's `path` is fetched as
 * a resource is). `root` and `dir` are real paths; when `confined`, a local reference that leads
 * outside the root's work tree (`../..`, an absolute path, a symlink, `.git`) is refused, so a
 * render reads nothing but the workspace.
 *
 * Offline rendering rests on this check for HTTP(S) on this machine's own addresses: Go sends
 * requests to localhost and loopback addresses directly, whatever HTTP(S)_PROXY says, so the
 * closed network kustomize runs with (kustomizeBuild) does not cover them.
 */
export async function remoteReferences(root: string, dir: string, confined: boolean): Promise<RemoteReference[]> {
  const found: RemoteReference[] = [];
  const seen = new Set<string>();
  const queue = [dir];
  const read = async (file: string, where: string) => {
    const { text } = await readRegularFile(file, MAX_KUSTOMIZATION_BYTES, confined ? root : undefined).catch((error: NodeJS.ErrnoException) => {
      throw error instanceof FleetdeckError ? error : new FleetdeckError('invalid-input', `cannot read ${where}: ${error.code ?? error.message}`);
    });
    if (text === undefined) throw new FleetdeckError('too-large', `${where} is larger than ${formatBytes(MAX_KUSTOMIZATION_BYTES)}`);
    return text;
  };
  /** the remote values of a plugin configuration, written in `file` (at `field` when inline) */
  const scanPlugin = (text: string, file: string, field: FieldPath) => {
    for (const value of yamlTexts(text, `${file}${field.length ? `: ${formatPath(field)}` : ''}`)) {
      if (fetches(value.text)) found.push({ file, field: formatPath([...field, ...value.field]), ref: value.text });
    }
  };
  for (let folder = queue.shift(); folder !== undefined; folder = queue.shift()) {
    if (seen.has(folder)) continue;
    seen.add(folder);
    if (seen.size > MAX_KUSTOMIZATIONS) throw new FleetdeckError('too-large', `${path.relative(root, dir) || '.'} reaches more than ${MAX_KUSTOMIZATIONS} kustomizations`);
    const file = await firstExisting(folder, kustomizationNames);
    // no kustomization: kustomize says so itself
    if (!file) continue;
    const where = path.relative(root, file);
    const real = await realpath(file);
    if (confined && !inWorkTree(root, real)) throw new FleetdeckError('forbidden', `${where} is a link to outside the workspace: rendering reads only the workspace`);
    for (const { field, ref, kind } of kustomizationEntries(readKustomizationYaml(await read(real, where), where))) {
      if (ref === undefined) throw new FleetdeckError('invalid-input', `${where}: ${formatPath(field)} is a list or a mapping where kustomize reads a path or URL`);
      if (fetches(ref)) {
        found.push({ file: where, field: formatPath(field), ref });
        continue;
      }
      // kustomize reads a generator, transformer or validator that parses as YAML as its configuration
      if (kind === 'plugin') scanPlugin(ref, where, field);
      // an inline patch or configuration names no file; a file name may hold a line break too.
      // Anything else that cannot be resolved is refused, not passed over: Go follows 255 links
      // where realpath(3) gives up after 40, so kustomize would read what this check did not see.
      const target = await realpath(path.resolve(folder, ref)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'ENAMETOOLONG') return undefined;
        throw new FleetdeckError('forbidden', `${where}: ${formatPath(field)} "${ref}" cannot be resolved (${error.code ?? error.message}), so it is not rendered`);
      });
      if (target === undefined) continue;
      if (confined && !inWorkTree(root, target)) throw new FleetdeckError('forbidden', `${where}: ${formatPath(field)} "${ref}" leads outside the workspace: rendering reads only the workspace (open the folder that holds both)`);
      const isFolder = (await stat(target).catch(() => undefined))?.isDirectory();
      if (kind === 'plugin' && isFolder) found.push({ file: where, field: formatPath(field), ref, pluginKustomization: true });
      else if (kind === 'plugin') scanPlugin(await read(target, path.relative(root, target)), path.relative(root, target), []);
      // a kustomization of plugin configurations is walked too: it stays in the workspace once allowed
      if (isFolder) queue.push(target);
    }
  }
  return found;
}

/** Why a render with these remote references is refused while offline. */
export function offlineRefusal(remote: RemoteReference[]): FleetdeckError {
  const [first] = remote;
  const more = remote.length > 1 ? ` (and ${remote.length - 1} more)` : '';
  const what = first.pluginKustomization ? 'is a kustomization of plugin configurations, which may fetch what it names' : 'is remote';
  return new FleetdeckError('forbidden', `${first.file}: ${first.field} "${first.ref}" ${what}${more}, and rendering is offline: allow remote resources to fetch it (--allow-remote in the CLI)`);
}

async function firstExisting(dir: string, names: string[]): Promise<string | undefined> {
  for (const name of names) {
    const file = path.join(dir, name);
    if (await stat(file).then((s) => s.isFile(), () => false)) return file;
  }
  return undefined;
}

/**
 * Where kustomize's own fetches go when rendering is offline. git may use no protocol at all (a
 * protocol name that does not exist is the only one allowed; `file` would let it clone a
 * repository on this machine). HTTP(S) goes to a proxy that is never there, except to localhost
 * and loopback addresses, which Go reaches directly: remoteReferences is the guard for those.
 */
const offline: NodeJS.ProcessEnv = {
  GIT_ALLOW_PROTOCOL: 'fleetdeck-offline',
  GIT_TERMINAL_PROMPT: '0',
  // port 0 is never listening
  HTTP_PROXY: 'http://127.0.0.1:0',
  HTTPS_PROXY: 'http://127.0.0.1:0',
  ALL_PROXY: 'http://127.0.0.1:0',
  http_proxy: 'http://127.0.0.1:0',
  https_proxy: 'http://127.0.0.1:0',
  all_proxy: 'http://127.0.0.1:0',
  NO_PROXY: '',
  no_proxy: '',
};

/**
 * The rendered YAML stream of the kustomization in `dir`; kustomize's own error, trimmed, when it
 * fails. Without `allowRemote`, kustomize runs with the network closed but for this machine's own
 * addresses (remote references are refused before, by remoteReferences; this catches any form
 * that check does not know, when it is not local).
 */
export async function kustomizeBuild(tool: KustomizeTool, dir: string, allowRemote = false): Promise<string> {
  try {
    const env = allowRemote ? process.env : { ...process.env, ...offline };
    const { stdout } = await run(tool.executable, [...tool.args, dir], { env, timeout: 120_000, maxBuffer: 512 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr, killed } = error as { stderr?: string; killed?: boolean };
    if (killed) throw new FleetdeckError('timeout', `${tool.label} did not finish within 120 s for ${dir}`);
    // kustomize's errors span lines (the config it choked on): one line reads better everywhere
    const message = (stderr ?? (error as Error).message).trim().replace(/^error: /i, '').replace(/\s*\n\s*/g, ' ');
    throw new FleetdeckError('invalid-input', `${tool.label} failed: ${message}`);
  }
}
