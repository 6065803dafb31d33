// The offline GitOps workspace: files, validation, Kustomize rendering, overlay comparison, Git,
// scaffolding. Needs no cluster and no network.
import { cp, mkdir, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { maxWorkspaceFileChars } from '../../../shared/contract/limits.ts';
import type { FileVersion, ManifestsService, RenderResult, SourceLocation, WorkspaceFolders, WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { formatBytes } from '../../../shared/quantity.ts';
import { parseManifests, streamObjects } from '../../../shared/manifests/documents.ts';
import { checkWorkspace, type Problem, type WorkspaceFile } from '../../../shared/manifests/lint.ts';
import { compareOverlays, type OverlayComparison, type RenderedOverlay } from '../../../shared/manifests/overlay-diff.ts';
import { defaultScaffoldOptions, nameFromFolder, scaffoldFiles, validateAppName } from '../../../shared/manifests/scaffold.ts';
import type { SchemaBundle } from '../../../shared/manifests/schema.ts';
import { dirname, fileContexts, isKustomizationFile, joinPath, kustomizationReferences } from '../../../shared/manifests/workspace-model.ts';
import { resourcePath } from '../../base/resources.ts';
import * as git from './git.ts';
import { findKustomize, kustomizationNames, kustomizeBuild, offlineRefusal, remoteReferences, type KustomizeTool } from './kustomize.ts';
import { fileVersion, insideRoot, listWorkspace, readRegularFile, readYamlFiles, writeFileAtomic } from './workspace-files.ts';
import { WorkspaceGrants } from './workspace-grants.ts';
import { WorkTreeLock } from './work-tree-lock.ts';

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
 * One for the whole process: workspaces may nest, and a repository's work tree may hold more than
 * one of them. Git operations (they can put a symlink where a folder was) take it exclusively;
 * whatever reads or writes workspace files, kustomize included, takes it shared. This closes the
 * race between a path's check and its open for a caller that has only this API and the content of
 * a repository. Another local process that swaps folders is met by the check after each open
 * (workspace-files.ts), which covers the file read or written but not a listing's names or
 * kustomize's own reads.
 */
const workTrees = new WorkTreeLock();

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
    const info = await workTrees.shared(() => this.describe(root));
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
    const real = await this.grants.check(root);
    const { text, version } = await workTrees.shared(async () =>
      readRegularFile(await insideRoot(real, file), MAX_READ_BYTES, real).catch((error: NodeJS.ErrnoException) => {
        if (error instanceof FleetdeckError) throw error;
        throw new FleetdeckError(error.code === 'ENOENT' ? 'not-found' : 'invalid-input', `cannot read ${file}: ${error.code ?? error.message}`);
      }),
    );
    if (text === undefined) throw new FleetdeckError('too-large', `${file} is larger than ${formatBytes(MAX_READ_BYTES)}: the editor opens manifests, not dumps`);
    return { text, version };
  }

  async write({ root, path: file, text, version }: { root: string; path: string; text: string; version?: string }): Promise<{ version: string }> {
    const real = await this.grants.check(root);
    return workTrees.shared(async () => {
      const full = await insideRoot(real, file);
      // the temporary file goes beside the target: for the root itself that would be outside it
      if ((await stat(full).catch(() => undefined))?.isDirectory()) throw new FleetdeckError('invalid-input', `${file} is a folder, not a file`);
      if (version !== undefined) {
        const onDisk = await fileVersion(full).catch(() => undefined);
        if (onDisk !== undefined && onDisk !== version) {
          throw new FleetdeckError('conflict', `${file} changed on disk since it was opened (another editor or a git checkout); reopen it to see the new content — your text was not written`);
        }
      }
      return { version: await writeFileAtomic(full, text, real) };
    });
  }

  schemas(): Promise<SchemaBundle> {
    return schemaBundle();
  }

  async validate({ root, kubernetesVersion }: { root: string; kubernetesVersion?: string }): Promise<{ problems: Problem[]; files: number }> {
    const real = await this.grants.check(root);
    const { texts, directories } = await workTrees.shared(async () => {
      const listing = await listWorkspace(real);
      return { texts: await readYamlFiles(real, listing.files), directories: listing.directories };
    });
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
    return workTrees.shared(() => this.renderIn(real, dir, !!allowRemote));
  }

  private async renderIn(real: string, dir: string, allowRemote: boolean): Promise<RenderResult> {
    const full = await insideRoot(real, dir || '.');
    const names = await readdir(full).catch(() => {
      throw new FleetdeckError('not-found', `no such folder: ${dir || '.'}`);
    });
    if (!names.some((n) => isKustomizationFile(n))) throw new FleetdeckError('invalid-input', `${dir || '.'} has no kustomization.yaml to render`);
    const remote = await remoteReferences(real, full, !this.renderOutsideRoot);
    if (remote.length && !allowRemote) throw offlineRefusal(remote);
    const tool = await this.tool();
    const yaml = await kustomizeBuild(tool, full, allowRemote);
    return { yaml, objects: streamObjects(yaml).length, tool: tool.label };
  }

  /**
   * Where the overlay's objects are declared: for each object the rendered overlay holds (offline),
   * the line of `metadata.name` in a document of the same kind and name among the files the render
   * reads (a stale patch beside the kustomization or a copy in another folder is not where the fix
   * goes), the overlay's own folder first (its patch is where a cloud's fix goes), else the first by path.
   */
  async locate({ root, dir, objects }: { root: string; dir: string; objects: { kind: string; namespace: string | null; name: string }[] }): Promise<{ locations: (SourceLocation | null)[] }> {
    const real = await this.grants.check(root);
    const key = (kind: unknown, namespace: unknown, name: unknown) => `${String(kind)}/${typeof namespace === 'string' ? namespace : ''}/${String(name)}`;
    return workTrees.shared(async () => {
      const rendered = new Set(
        streamObjects((await this.renderIn(real, dir, false)).yaml).map((o) => {
          const m = (o.metadata ?? {}) as { namespace?: unknown; name?: unknown };
          return key(o.kind, m.namespace, m.name);
        }),
      );
      const declared = new Map<string, SourceLocation[]>();
      const texts = await readYamlFiles(real, (await listWorkspace(real)).files);
      const overlay = joinPath('', dir) ?? '';
      const rendering = filesRendered(overlay, texts);
      for (const file of texts.filter((f) => rendering.has(f.path))) {
        for (const doc of parseManifests(file.text)) {
          const v = doc.value as { kind?: unknown; metadata?: { name?: unknown } } | undefined;
          if (typeof v?.kind !== 'string' || typeof v.metadata?.name !== 'string') continue;
          const at = `${v.kind}/${v.metadata.name}`;
          declared.set(at, [...(declared.get(at) ?? []), { path: file.path, line: doc.lineOf(['metadata', 'name']) }]);
        }
      }
      const inOverlay = (l: SourceLocation) => !overlay || l.path.startsWith(`${overlay}/`);
      return {
        locations: objects.map((o) => {
          if (!rendered.has(key(o.kind, o.namespace, o.name))) return null;
          const found = [...(declared.get(`${o.kind}/${o.name}`) ?? [])].sort((a, b) => a.path.localeCompare(b.path));
          return found.find(inOverlay) ?? found[0] ?? null;
        }),
      };
    });
  }

  async compareOverlays({ root, overlays, allowRemote }: { root: string; overlays: string[]; allowRemote?: boolean }): Promise<OverlayComparison> {
    const real = await this.grants.check(root);
    // every overlay rendered from the same checkout
    const rendered = await workTrees.shared(async () => {
      const out: RenderedOverlay[] = [];
      for (const dir of overlays) out.push({ dir, objects: streamObjects((await this.renderIn(real, dir, !!allowRemote)).yaml) as RenderedOverlay['objects'] });
      return out;
    });
    return compareOverlays(rendered);
  }

  /** Git that only looks (it may refresh the index, never the work tree): beside file reads and writes. */
  private async gitLooks<T>(root: string, task: (real: string) => Promise<T>): Promise<T> {
    const real = await this.grants.check(root);
    return workTrees.shared(() => task(real));
  }

  /** Git that may change the work tree (a checkout can put a symlink where a folder was): alone. */
  private async gitChanges<T>(root: string, task: (real: string) => Promise<T>): Promise<T> {
    const real = await this.grants.check(root);
    return workTrees.exclusive(() => task(real));
  }

  gitStatus({ root }: { root: string }) {
    return this.gitLooks(root, (real) => git.status(real));
  }

  async gitDiff({ root, path: file, staged }: { root: string; path?: string; staged?: boolean }) {
    return { diff: await this.gitLooks(root, (real) => git.diff(real, file, !!staged)) };
  }

  gitStage({ root, paths }: { root: string; paths: string[] }) {
    return this.gitChanges(root, async (real) => {
      await git.stage(real, paths);
      return git.status(real);
    });
  }

  gitUnstage({ root, paths }: { root: string; paths: string[] }) {
    return this.gitChanges(root, async (real) => {
      await git.unstage(real, paths);
      return git.status(real);
    });
  }

  gitCommit({ root, message }: { root: string; message: string }) {
    return this.gitChanges(root, (real) => git.commit(real, message));
  }

  gitBranches({ root }: { root: string }) {
    return this.gitLooks(root, (real) => git.branches(real));
  }

  gitSwitch({ root, branch, create }: { root: string; branch: string; create?: boolean }) {
    return this.gitChanges(root, async (real) => {
      await git.switchBranch(real, branch, !!create);
      return git.status(real);
    });
  }

  gitLog({ root, path: file, limit }: { root: string; path?: string; limit?: number }) {
    return this.gitLooks(root, (real) => git.log(real, file, limit ?? 50));
  }

  gitInit({ root }: { root: string }) {
    return this.gitChanges(root, async (real) => {
      await git.init(real);
      return git.status(real);
    });
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
    const target = dir;
    await workTrees.shared(() => scaffoldInto(target, name, repoURL));
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

/** The workspace files a build of the kustomization in `dir` reads: what it names, and what each kustomization it names names, as kustomize walks them. */
function filesRendered(dir: string, texts: WorkspaceFile[]): Set<string> {
  const kustomizations = new Map(texts.filter((f) => isKustomizationFile(f.path)).map((f) => [f.path, f.text]));
  const kustomizationIn = (folder: string) => kustomizationNames.map((name) => (folder ? `${folder}/${name}` : name)).find((file) => kustomizations.has(file));
  const files = new Set<string>();
  const walked = new Set<string>();
  const queue = [dir];
  for (let folder = queue.shift(); folder !== undefined; folder = queue.shift()) {
    const file = kustomizationIn(folder);
    if (!file || walked.has(file)) continue;
    walked.add(file);
    for (const { target } of kustomizationReferences(file, parseManifests(kustomizations.get(file)!)[0]?.value)) {
      if (kustomizationIn(target)) queue.push(target);
      else files.add(target);
    }
  }
  return files;
}

function summarize(text: string): { kind: string; name: string }[] {
  return parseManifests(text).flatMap((doc) => {
    const v = doc.value as { kind?: unknown; metadata?: { name?: unknown } } | undefined;
    return v && typeof v.kind === 'string' ? [{ kind: v.kind, name: typeof v.metadata?.name === 'string' ? v.metadata.name : '' }] : [];
  });
}
