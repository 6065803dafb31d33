// The offline GitOps workspace: files, validation, Kustomize rendering, overlay comparison, Git,
// scaffolding. Needs no cluster and no network.
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileVersion, ManifestsService, RenderResult, WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import { parseManifests, streamObjects } from '../../../shared/manifests/documents.ts';
import { checkWorkspace, type Problem } from '../../../shared/manifests/lint.ts';
import { compareOverlays, type OverlayComparison, type RenderedOverlay } from '../../../shared/manifests/overlay-diff.ts';
import { defaultScaffoldOptions, nameFromFolder, scaffoldFiles, validateAppName } from '../../../shared/manifests/scaffold.ts';
import type { SchemaBundle } from '../../../shared/manifests/schema.ts';
import { dirname, fileContexts, isKustomizationFile } from '../../../shared/manifests/workspace-model.ts';
import { resourcePath } from '../resources.ts';
import * as git from './git.ts';
import { findKustomize, kustomizeBuild, type KustomizeTool } from './kustomize.ts';
import { fileVersion, insideRoot, listWorkspace, readYamlFiles, writeFileAtomic } from './workspace-files.ts';

export interface ManifestsServiceOptions {
  /** Fleetdeck's data folder: the last workspace opened, the user's copy of the sample */
  dataDir: string;
}

let bundle: Promise<SchemaBundle> | undefined;

/** The bundled schemas, read once per process. */
function schemaBundle(): Promise<SchemaBundle> {
  bundle ??= readFile(resourcePath('schemas/kubernetes.json'), 'utf8').then((text) => JSON.parse(text) as SchemaBundle);
  return bundle;
}

export class LocalManifestsService implements ManifestsService {
  private readonly dataDir: string;
  private kustomize?: Promise<KustomizeTool>;

  constructor(options: ManifestsServiceOptions) {
    this.dataDir = options.dataDir;
  }

  private get lastOpenedFile() {
    return path.join(this.dataDir, 'workspace.json');
  }

  async open({ path: requested }: { path?: string }): Promise<WorkspaceInfo> {
    let root = requested;
    if (!root) {
      const last = await readFile(this.lastOpenedFile, 'utf8').then((t) => (JSON.parse(t) as { root?: string }).root, () => undefined);
      const stillThere = last !== undefined && (await stat(last).then((s) => s.isDirectory(), () => false));
      root = stillThere ? last : await this.sampleCopy();
    }
    root = path.resolve(root);
    const info = await this.describe(root);
    await mkdir(this.dataDir, { recursive: true });
    await writeFile(this.lastOpenedFile, JSON.stringify({ root }));
    return info;
  }

  /** The sample ships read-only with the app; the user edits a copy in the data folder. */
  private async sampleCopy(): Promise<string> {
    const copy = path.join(this.dataDir, 'sample-workspace');
    const exists = await readdir(copy).then((entries) => entries.length > 0, () => false);
    if (!exists) await cp(resourcePath('sample-workspace'), copy, { recursive: true });
    return copy;
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
    const sample = path.resolve(root) === path.resolve(this.dataDir, 'sample-workspace');
    return { root, name: path.basename(root), sample, files: entries, kustomizations: [...kustomizations.keys()].map(dirname).sort(), git: await git.isWorkTree(root) };
  }

  async read({ root, path: file }: { root: string; path: string }): Promise<FileVersion> {
    const full = await insideRoot(root, file);
    const text = await readFile(full, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new FleetdeckError(error.code === 'ENOENT' ? 'not-found' : 'invalid-input', `cannot read ${file}: ${error.code ?? error.message}`);
    });
    return { text, version: await fileVersion(full) };
  }

  async write({ root, path: file, text, version }: { root: string; path: string; text: string; version?: string }): Promise<{ version: string }> {
    const full = await insideRoot(root, file);
    if (version !== undefined) {
      const onDisk = await fileVersion(full).catch(() => undefined);
      if (onDisk !== undefined && onDisk !== version) {
        throw new FleetdeckError('invalid-input', `${file} changed on disk since it was opened (another editor or a git checkout); reopen it to see the new content — your text was not written`);
      }
    }
    await writeFileAtomic(full, text);
    return { version: await fileVersion(full) };
  }

  schemas(): Promise<SchemaBundle> {
    return schemaBundle();
  }

  async validate({ root, kubernetesVersion }: { root: string; kubernetesVersion?: string }): Promise<{ problems: Problem[]; files: number }> {
    const { files, directories } = await listWorkspace(root);
    const texts = await readYamlFiles(root, files);
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

  async render({ root, dir }: { root: string; dir: string }): Promise<RenderResult> {
    const full = await insideRoot(root, dir || '.');
    const names = await readdir(full).catch(() => {
      throw new FleetdeckError('not-found', `no such folder: ${dir || '.'}`);
    });
    if (!names.some((n) => isKustomizationFile(n))) throw new FleetdeckError('invalid-input', `${dir || '.'} has no kustomization.yaml to render`);
    const tool = await this.tool();
    const yaml = await kustomizeBuild(tool, full);
    return { yaml, objects: streamObjects(yaml).length, tool: tool.label };
  }

  async compareOverlays({ root, overlays }: { root: string; overlays: string[] }): Promise<OverlayComparison> {
    const rendered: RenderedOverlay[] = [];
    for (const dir of overlays) {
      const { yaml } = await this.render({ root, dir });
      rendered.push({ dir, objects: streamObjects(yaml) as RenderedOverlay['objects'] });
    }
    return compareOverlays(rendered);
  }

  gitStatus({ root }: { root: string }) {
    return git.status(root);
  }

  async gitDiff({ root, path: file, staged }: { root: string; path?: string; staged?: boolean }) {
    return { diff: await git.diff(root, file, !!staged) };
  }

  async gitStage({ root, paths }: { root: string; paths: string[] }) {
    await git.stage(root, paths);
    return git.status(root);
  }

  async gitUnstage({ root, paths }: { root: string; paths: string[] }) {
    await git.unstage(root, paths);
    return git.status(root);
  }

  gitCommit({ root, message }: { root: string; message: string }) {
    return git.commit(root, message);
  }

  gitBranches({ root }: { root: string }) {
    return git.branches(root);
  }

  async gitSwitch({ root, branch, create }: { root: string; branch: string; create?: boolean }) {
    await git.switchBranch(root, branch, !!create);
    return git.status(root);
  }

  gitLog({ root, path: file, limit }: { root: string; path?: string; limit?: number }) {
    return git.log(root, file, limit ?? 50);
  }

  async gitInit({ root }: { root: string }) {
    await git.init(root);
    return git.status(root);
  }

  async scaffold({ dir, name, repoURL }: { dir: string; name?: string; repoURL?: string }): Promise<WorkspaceInfo> {
    await scaffoldInto(dir, name, repoURL);
    return this.open({ path: dir });
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
