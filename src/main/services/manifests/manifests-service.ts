// The offline GitOps workspace: files, validation, Kustomize rendering, overlay comparison, Git,
// scaffolding. Needs no cluster and no network.
import { cp, mkdir, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { maxWorkspaceFileChars } from '../../../shared/contract/limits.ts';
import type { FileVersion, ManifestsService, RenderResult, WorkspaceFolders, WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { parseManifests, streamObjects } from '../../../shared/manifests/documents.ts';
import { checkWorkspace, type Problem } from '../../../shared/manifests/lint.ts';
import { compareOverlays, type OverlayComparison, type RenderedOverlay } from '../../../shared/manifests/overlay-diff.ts';
import { defaultScaffoldOptions, nameFromFolder, scaffoldFiles, validateAppName } from '../../../shared/manifests/scaffold.ts';
import type { SchemaBundle } from '../../../shared/manifests/schema.ts';
import { dirname, fileContexts, isKustomizationFile } from '../../../shared/manifests/workspace-model.ts';
import { resourcePath } from '../resources.ts';
import * as git from './git.ts';
import { findKustomize, kustomizeBuild, remoteReferences, type KustomizeTool } from './kustomize.ts';
import { fileVersion, insideRoot, listWorkspace, readRegularFile, readYamlFiles, writeFileAtomic } from './workspace-files.ts';
import { WorkspaceGrants } from './workspace-grants.ts';

export interface ManifestsServiceOptions {
  /** Fleetdeck's data folder: the recent list, the user's copy of the sample, new repositories */
  dataDir: string;
  /** folders the user named on the command line (`--workspace DIR`, the CLI's DIR arguments): granted from the start */
  workspaces?: string[];
  /** main's folder dialog (the desktop app); the web shell and the CLI have none */
  pickFolder?: (title: string) => Promise<string | undefined>;
  /**
   * let a render read kustomizations outside the root it names (`fleetdeck render overlays/eks`
   * reads ../../base): for the CLI, where the user is the caller; never for the renderer
   */
  renderOutsideRoot?: boolean;
}

let bundle: Promise<SchemaBundle> | undefined;

/** The bundled schemas, read once per process. */
function schemaBundle(): Promise<SchemaBundle> {
  bundle ??= readFile(resourcePath('schemas/kubernetes.json'), 'utf8').then((text) => JSON.parse(text) as SchemaBundle);
  return bundle;
}

/** The largest file the editor opens: what it may write back. */
const MAX_READ_BYTES = maxWorkspaceFileChars;

/**
 * The renderer is untrusted: every root it names must be a folder the user opened through main
 * (WorkspaceGrants), and every path inside it stays inside it (insideRoot).
 */
export class LocalManifestsService implements ManifestsService {
  private readonly dataDir: string;
  private readonly grants: WorkspaceGrants;
  private readonly pickFolder?: (title: string) => Promise<string | undefined>;
  private readonly renderOutsideRoot: boolean;
  private kustomize?: Promise<KustomizeTool>;

  constructor(options: ManifestsServiceOptions) {
    this.dataDir = options.dataDir;
    this.pickFolder = options.pickFolder;
    this.renderOutsideRoot = !!options.renderOutsideRoot;
    const howToOpen = options.pickFolder
      ? 'open it with Open folder… or drop it on the window'
      : 'start Fleetdeck with --workspace DIR (repeatable) to open it, e.g. npm run web -- --workspace DIR';
    this.grants = new WorkspaceGrants({ dataDir: options.dataDir, commandLine: options.workspaces ?? [], howToOpen });
  }

  private get newFolderParent() {
    return path.join(this.dataDir, 'workspaces');
  }

  async open({ path: requested }: { path?: string }): Promise<WorkspaceInfo> {
    const root = requested ? await this.grants.check(requested) : ((await this.grants.folders())[0] ?? (await this.sampleCopy()));
    const info = await this.describe(root);
    await this.grants.remember(root);
    return info;
  }

  async folders(): Promise<WorkspaceFolders> {
    return { folders: await this.grants.folders(), dialog: !!this.pickFolder, newFolderParent: this.newFolderParent };
  }

  async chooseFolder(): Promise<WorkspaceInfo | null> {
    const chosen = await this.dialog('Open a GitOps workspace');
    return chosen === undefined ? null : this.open({ path: await this.grants.grant(chosen) });
  }

  /** Grants a folder the OS handed over (a drop on the desktop window); main checks it is a folder. */
  grantFolder(dir: string): Promise<string> {
    return this.grants.grant(dir);
  }

  private async dialog(title: string): Promise<string | undefined> {
    if (!this.pickFolder) throw new FleetdeckError('forbidden', 'the web shell cannot show a folder dialog: start it with --workspace DIR (repeatable) to open a folder');
    return this.pickFolder(title);
  }

  /** The sample ships read-only with the app; the user edits a copy in the data folder. */
  private async sampleCopy(): Promise<string> {
    const copy = path.join(this.dataDir, 'sample-workspace');
    const exists = await readdir(copy).then((entries) => entries.length > 0, () => false);
    if (!exists) await cp(resourcePath('sample-workspace'), copy, { recursive: true });
    return this.grants.grant(copy);
  }

  private async describe(root: string): Promise<WorkspaceInfo> {
    const { files } = await listWorkspace(root);
    const texts = await readYamlFiles(root, files);
    const kustomizations = new Map<string, unknown>();
    for (const f of texts) if (isKustomizationFile(f.path)) kustomizations.set(f.path, parseManifests(f.text)[0]?.value);
    const contexts = fileContexts(files, kustomizations);
    const byPath = new Map(texts.map((f) => [f.path, f.text]));
    const entries = files.map((file) => {
      const text = byPath.get(file);
      // texts holds the YAML files only
      const objects = text && !isKustomizationFile(file) ? summarize(text) : [];
      return { path: file, context: contexts.get(file)!, objects };
    });
    const sample = root === (await realpath(path.join(this.dataDir, 'sample-workspace')).catch(() => undefined));
    return { root, name: path.basename(root), sample, files: entries, kustomizations: [...kustomizations.keys()].map(dirname).sort(), git: await git.isWorkTree(root) };
  }

  async read({ root, path: file }: { root: string; path: string }): Promise<FileVersion> {
    const full = await insideRoot(await this.grants.check(root), file);
    const text = await readRegularFile(full, MAX_READ_BYTES).catch((error: NodeJS.ErrnoException) => {
      if (error instanceof FleetdeckError) throw error;
      throw new FleetdeckError(error.code === 'ENOENT' ? 'not-found' : 'invalid-input', `cannot read ${file}: ${error.code ?? error.message}`);
    });
    if (text === undefined) throw new FleetdeckError('too-large', `${file} is larger than ${MAX_READ_BYTES / 1_000_000} MB: the editor opens manifests, not dumps`);
    return { text, version: await fileVersion(full) };
  }

  async write({ root, path: file, text, version }: { root: string; path: string; text: string; version?: string }): Promise<{ version: string }> {
    const full = await insideRoot(await this.grants.check(root), file);
    // the temporary file goes beside the target: for the root itself that would be outside it
    if ((await stat(full).catch(() => undefined))?.isDirectory()) throw new FleetdeckError('invalid-input', `${file} is a folder, not a file`);
    if (version !== undefined) {
      const onDisk = await fileVersion(full).catch(() => undefined);
      if (onDisk !== undefined && onDisk !== version) {
        throw new FleetdeckError('conflict', `${file} changed on disk since it was opened (another editor or a git checkout); reopen it to see the new content — your text was not written`);
      }
    }
    await writeFileAtomic(full, text);
    return { version: await fileVersion(full) };
  }

  schemas(): Promise<SchemaBundle> {
    return schemaBundle();
  }

  async validate({ root, kubernetesVersion }: { root: string; kubernetesVersion?: string }): Promise<{ problems: Problem[]; files: number }> {
    const real = await this.grants.check(root);
    const { files, directories } = await listWorkspace(real);
    const texts = await readYamlFiles(real, files);
    return { problems: checkWorkspace(texts, directories, await schemaBundle(), { kubernetesVersion }), files: texts.length };
  }

  private tool(): Promise<KustomizeTool> {
    // a failed lookup is not kept: the user may install kustomize while the app runs
    this.kustomize ??= findKustomize().catch((error) => {
      this.kustomize = undefined;
      throw error;
    });
    return this.kustomize;
  }

  /** Offline unless `allowRemote`: a remote resource or base is refused, naming where it is written. */
  async render({ root, dir, allowRemote }: { root: string; dir: string; allowRemote?: boolean }): Promise<RenderResult> {
    const real = await this.grants.check(root);
    const full = await insideRoot(real, dir || '.');
    const names = await readdir(full).catch(() => {
      throw new FleetdeckError('not-found', `no such folder: ${dir || '.'}`);
    });
    if (!names.some((n) => isKustomizationFile(n))) throw new FleetdeckError('invalid-input', `${dir || '.'} has no kustomization.yaml to render`);
    const remote = await remoteReferences(real, full, !this.renderOutsideRoot);
    if (remote.length && !allowRemote) {
      const [first] = remote;
      const more = remote.length > 1 ? ` (and ${remote.length - 1} more)` : '';
      throw new FleetdeckError('forbidden', `${first.file}: ${first.field} "${first.ref}" is remote${more}, and rendering is offline: allow remote resources to fetch it (--allow-remote in the CLI)`);
    }
    const tool = await this.tool();
    const yaml = await kustomizeBuild(tool, full, !!allowRemote);
    return { yaml, objects: streamObjects(yaml).length, tool: tool.label };
  }

  async compareOverlays({ root, overlays, allowRemote }: { root: string; overlays: string[]; allowRemote?: boolean }): Promise<OverlayComparison> {
    const rendered: RenderedOverlay[] = [];
    for (const dir of overlays) {
      const { yaml } = await this.render({ root, dir, allowRemote });
      rendered.push({ dir, objects: streamObjects(yaml) as RenderedOverlay['objects'] });
    }
    return compareOverlays(rendered);
  }

  async gitStatus({ root }: { root: string }) {
    return git.status(await this.grants.check(root));
  }

  async gitDiff({ root, path: file, staged }: { root: string; path?: string; staged?: boolean }) {
    return { diff: await git.diff(await this.grants.check(root), file, !!staged) };
  }

  async gitStage({ root, paths }: { root: string; paths: string[] }) {
    const real = await this.grants.check(root);
    await git.stage(real, paths);
    return git.status(real);
  }

  async gitUnstage({ root, paths }: { root: string; paths: string[] }) {
    const real = await this.grants.check(root);
    await git.unstage(real, paths);
    return git.status(real);
  }

  async gitCommit({ root, message }: { root: string; message: string }) {
    return git.commit(await this.grants.check(root), message);
  }

  async gitBranches({ root }: { root: string }) {
    return git.branches(await this.grants.check(root));
  }

  async gitSwitch({ root, branch, create }: { root: string; branch: string; create?: boolean }) {
    const real = await this.grants.check(root);
    await git.switchBranch(real, branch, !!create);
    return git.status(real);
  }

  async gitLog({ root, path: file, limit }: { root: string; path?: string; limit?: number }) {
    return git.log(await this.grants.check(root), file, limit ?? 50);
  }

  async gitInit({ root }: { root: string }) {
    const real = await this.grants.check(root);
    await git.init(real);
    return git.status(real);
  }

  /**
   * A new repository in a folder the user chose in main's dialog, in a new folder of
   * Fleetdeck's own (`workspaces/<name>`), or in an opened folder that is empty: never in a
   * folder the renderer names, since the new repository becomes writable.
   */
  async scaffold({ into, name, repoURL }: { into: string; name?: string; repoURL?: string }): Promise<WorkspaceInfo | null> {
    let dir: string | undefined;
    if (into === 'dialog') dir = await this.dialog('Choose a new or empty folder for the repository');
    else if (into === 'new-folder') {
      if (!name) throw new FleetdeckError('invalid-input', 'a name for the new repository (its folder is named after it)');
      const invalid = validateAppName(name);
      if (invalid) throw new FleetdeckError('invalid-input', invalid);
      dir = path.join(this.newFolderParent, name);
    } else dir = await this.grants.check(into);
    if (dir === undefined) return null;
    await scaffoldInto(dir, name, repoURL);
    return this.open({ path: await this.grants.grant(dir) });
  }
}

/**
 * Writes a new repository (the app named after the folder unless a name is given); refuses a folder
 * that already has files, so nothing is overwritten.
 */
export async function scaffoldInto(dir: string, name?: string, repoURL?: string): Promise<{ name: string; files: string[] }> {
  const options = { ...defaultScaffoldOptions(name ?? nameFromFolder(path.basename(dir))), ...(repoURL ? { repoURL } : {}) };
  const invalid = validateAppName(options.name);
  if (invalid) throw new FleetdeckError('invalid-input', invalid);
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
  if (existing.length) throw new FleetdeckError('invalid-input', `${dir} is not empty (${existing.length} entries): scaffold into a new or empty folder`);
  const files = scaffoldFiles(options);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return { name: options.name, files: Object.keys(files) };
}

function summarize(text: string): { kind: string; name: string }[] {
  return parseManifests(text).flatMap((doc) => {
    const v = doc.value as { kind?: unknown; metadata?: { name?: unknown } } | undefined;
    return v && typeof v.kind === 'string' ? [{ kind: v.kind, name: typeof v.metadata?.name === 'string' ? v.metadata.name : '' }] : [];
  });
}
