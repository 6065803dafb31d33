// Kustomize rendering with the user's own tool: `kustomize build`, else `kubectl kustomize`
// (kubectl embeds kustomize). Fleetdeck does not reimplement kustomize.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FleetdeckError } from '../../../shared/errors.ts';
import { findExecutable, pluginSearchPath } from '../clusters/exec-path.ts';

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

/** The rendered YAML stream of the kustomization in `dir`; kustomize's own error, trimmed, when it fails. */
export async function kustomizeBuild(tool: KustomizeTool, dir: string): Promise<string> {
  try {
    const { stdout } = await run(tool.executable, [...tool.args, dir], { timeout: 120_000, maxBuffer: 512 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr, killed } = error as { stderr?: string; killed?: boolean };
    if (killed) throw new FleetdeckError('timeout', `${tool.label} did not finish within 120 s for ${dir}`);
    // kustomize's errors span lines (the config it choked on): one line reads better everywhere
    const message = (stderr ?? (error as Error).message).trim().replace(/^error: /i, '').replace(/\s*\n\s*/g, ' ');
    throw new FleetdeckError('invalid-input', `${tool.label} failed: ${message}`);
  }
}
