// Kustomize rendering with the user's own tool: `kustomize build`, else `kubectl kustomize`
// (kubectl embeds kustomize). Fleetdeck does not reimplement kustomize. Rendering is offline unless
// the user allows remote resources: kustomize would otherwise fetch URLs and clone remote bases.
import { execFile } from 'node:child_process';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { FleetdeckError } from '../../../shared/errors.ts';
import { parseAllDocuments } from 'yaml';
import { formatPath } from '../../../shared/manifests/documents.ts';
import { isRemoteReference, kustomizationEntries } from '../../../shared/manifests/workspace-model.ts';
import { findExecutable, pluginSearchPath } from '../clusters/exec-path.ts';
import { readRegularFile, within } from './workspace-files.ts';

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
  /** the kustomization file, relative to the workspace root */
  file: string;
  /** e.g. resources[2] */
  field: string;
  ref: string;
}

const kustomizationNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** A build reaching more kustomizations than this is not a workspace's (a cycle through links, a generated tree). */
const MAX_KUSTOMIZATIONS = 5_000;
const MAX_KUSTOMIZATION_BYTES = 5 * 1024 * 1024;

/**
 * Walks the kustomizations a build of `dir` reads (it, then every local folder they name, as
 * kustomize does) and returns the remote references among what they name. `root` and `dir` are
 * real paths; when `confined`, a local reference that leads outside the root (`../..`, an
 * absolute path, a symlink) is refused, so a render reads nothing but the workspace.
 */
export async function remoteReferences(root: string, dir: string, confined: boolean): Promise<RemoteReference[]> {
  const found: RemoteReference[] = [];
  const seen = new Set<string>();
  const queue = [dir];
  for (let folder = queue.shift(); folder !== undefined; folder = queue.shift()) {
    if (seen.has(folder)) continue;
    seen.add(folder);
    if (seen.size > MAX_KUSTOMIZATIONS) throw new FleetdeckError('too-large', `${path.relative(root, dir) || '.'} reaches more than ${MAX_KUSTOMIZATIONS} kustomizations`);
    const file = await firstExisting(folder, kustomizationNames);
    // no kustomization: kustomize says so itself
    if (!file) continue;
    const where = path.relative(root, file);
    const real = await realpath(file);
    if (confined && !within(root, real)) throw new FleetdeckError('forbidden', `${where} is a link to outside the workspace: rendering reads only the workspace`);
    const text = await readRegularFile(real, MAX_KUSTOMIZATION_BYTES).catch((error: NodeJS.ErrnoException) => {
      throw error instanceof FleetdeckError ? error : new FleetdeckError('invalid-input', `cannot read ${where}: ${error.code ?? error.message}`);
    });
    if (text === undefined) throw new FleetdeckError('too-large', `${where} is larger than ${MAX_KUSTOMIZATION_BYTES / 1024 / 1024} MB`);
    for (const { field, ref } of kustomizationEntries(parseKustomization(text, where))) {
      if (isRemoteReference(ref)) {
        found.push({ file: where, field: formatPath(field), ref });
        continue;
      }
      // inline patches and transformer configs are not paths
      if (ref.includes('\n')) continue;
      const target = await realpath(path.resolve(folder, ref)).catch(() => undefined);
      if (target === undefined) continue;
      if (confined && !within(root, target)) throw new FleetdeckError('forbidden', `${where}: ${formatPath(field)} "${ref}" leads outside the workspace: rendering reads only the workspace (open the folder that holds both)`);
      if ((await stat(target)).isDirectory()) queue.push(target);
    }
  }
  return found;
}

/**
 * A kustomization as kustomize reads it (its first document, a repeated key's last value, `<<`
 * merges). One this check cannot read is refused rather than passed over, so a form of YAML that
 * parsers read differently cannot hide a remote reference.
 */
function parseKustomization(text: string, where: string): unknown {
  const [doc] = parseAllDocuments(text, { uniqueKeys: false, merge: true, prettyErrors: false });
  if (!doc) return undefined;
  const error = doc.errors[0];
  if (error) throw new FleetdeckError('invalid-input', `${where} is not valid YAML: ${error.message.split('\n')[0]}`);
  try {
    return doc.toJS();
  } catch (failure) {
    throw new FleetdeckError('invalid-input', `${where}: ${(failure as Error).message}`);
  }
}

async function firstExisting(dir: string, names: string[]): Promise<string | undefined> {
  for (const name of names) {
    const file = path.join(dir, name);
    if (await stat(file).then((s) => s.isFile(), () => false)) return file;
  }
  return undefined;
}

/** Where kustomize's own fetches go when rendering is offline: git clones and HTTP(S) requests both fail at once. */
const offline: NodeJS.ProcessEnv = {
  GIT_ALLOW_PROTOCOL: 'file',
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
 * fails. Without `allowRemote`, kustomize runs with the network closed (remote references are
 * refused before, by remoteReferences; this catches any form that check does not know).
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
