import { z } from 'zod';
import type { Problem } from '../manifests/lint.ts';
import type { OverlayComparison } from '../manifests/overlay-diff.ts';
import type { SchemaBundle } from '../manifests/schema.ts';
import type { FileContext } from '../manifests/workspace-model.ts';
import { defineService, type CallResult } from '../rpc.ts';
import { maxWorkspaceFileChars } from './limits.ts';

export interface WorkspaceEntry {
  /** posix path relative to the workspace root */
  path: string;
  context: FileContext;
  /** the objects a YAML file holds, for the tree */
  objects: { kind: string; name: string }[];
}

export interface WorkspaceInfo {
  root: string;
  name: string;
  /** the sample workspace that opens when nothing else was opened and no cluster is configured */
  sample: boolean;
  files: WorkspaceEntry[];
  /** folders with a kustomization, i.e. what can be rendered ("" is the root) */
  kustomizations: string[];
  /** whether the folder is a Git work tree */
  git: boolean;
}

export interface WorkspaceFolders {
  /** the folders the user opened through main (dialog, drop, --workspace, scaffolded), the most recent first */
  folders: string[];
  /** whether main can show a folder dialog (the desktop app; the web shell and the CLI cannot) */
  dialog: boolean;
  /** where `scaffold({into: 'new-folder'})` creates repositories: $FLEETDECK_HOME/workspaces */
  newFolderParent: string;
}

/**
 * The desktop app's one addition beside the contract: a folder dropped on the window is granted
 * by its path, which only the preload can read (Electron's webUtils.getPathForFile gives a path
 * only for files the OS handed over, never for one the page made up). Main checks it is a folder.
 */
export interface DesktopBridge {
  /** the folder's real path once granted; open it with manifests.open */
  grantDroppedFolder(file: File): Promise<CallResult>;
}

export const GRANT_FOLDER_CHANNEL = 'fleetdeck:grant-folder';

export interface FileVersion {
  text: string;
  /** changes whenever the file changes on disk; a write naming an older version is refused */
  version: string;
}

/** A line of a workspace file: path relative to the workspace's root, line 1-based. */
export interface SourceLocation {
  path: string;
  line: number;
}

export interface RenderResult {
  yaml: string;
  objects: number;
  /** e.g. "kustomize v5.8.0" or "kubectl kustomize (kubectl v1.37.2)" */
  tool: string;
}

export interface GitFileStatus {
  path: string;
  /** porcelain XY: index and work tree state, e.g. "M ", " M", "??" */
  index: string;
  workTree: string;
}

export interface GitStatus {
  branch: string;
  files: GitFileStatus[];
}

export interface GitCommit {
  hash: string;
  author: string;
  date: string;
  subject: string;
}

const absolutePath = z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'an absolute path');
const root = absolutePath;
const relativePath = z.string().max(4096).refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), 'a path inside the workspace');
const kubernetesVersion = z.string().regex(/^v?\d+\.\d+(\.\d+)?$/, 'a Kubernetes version such as 1.31').optional();

/** a folder the user opened through main: a granted root (see WorkspaceFolders) */
export const openInput = z.object({ path: absolutePath.optional() }).strict();
export const readInput = z.object({ root, path: relativePath.min(1) }).strict();
export const writeInput = z.object({ root, path: relativePath.min(1), text: z.string().max(maxWorkspaceFileChars), version: z.string().max(100).optional() }).strict();
export const validateInput = z.object({ root, kubernetesVersion }).strict();
/** allowRemote: let kustomize fetch remote resources and bases (rendering is offline otherwise) */
const allowRemote = z.boolean().optional();
export const renderInput = z.object({ root, dir: relativePath, allowRemote }).strict();
const objectRef = z.object({ kind: z.string().min(1).max(100), namespace: z.string().min(1).max(253).nullable(), name: z.string().min(1).max(253) }).strict();
/** objects of a cluster (security findings): where the overlay `dir` declares them */
export const locateInput = z.object({ root, dir: relativePath, objects: z.array(objectRef).max(10_000) }).strict();
export const compareInput = z.object({ root, overlays: z.array(relativePath).min(2).max(6), allowRemote }).strict();
export const gitInput = z.object({ root }).strict();
export const gitDiffInput = z.object({ root, path: relativePath.optional(), staged: z.boolean().optional() }).strict();
export const gitPathsInput = z.object({ root, paths: z.array(relativePath.min(1)).min(1).max(10_000) }).strict();
export const gitCommitInput = z.object({ root, message: z.string().trim().min(1, 'a commit message').max(10_000) }).strict();
export const gitSwitchInput = z.object({ root, branch: z.string().regex(/^(?!-)[\w./-]{1,200}$/, 'a branch name'), create: z.boolean().optional() }).strict();
export const gitLogInput = z.object({ root, path: relativePath.optional(), limit: z.number().int().min(1).max(1000).optional() }).strict();
/**
 * where a new repository goes: a folder chosen in main's dialog (desktop), a new folder
 * `<newFolderParent>/<name>`, or an opened folder that is empty
 */
export const scaffoldInput = z.object({ into: z.union([z.literal('dialog'), z.literal('new-folder'), root]), name: z.string().max(64).optional(), repoURL: z.string().max(2000).optional() }).strict();

export interface ManifestsService {
  /** opens a granted folder (or, without a path, the last one, else the sample workspace) */
  open(input: z.infer<typeof openInput>): Promise<WorkspaceInfo>;
  /** the folders that may be opened, and how new ones are granted */
  folders(input: Record<string, never>): Promise<WorkspaceFolders>;
  /** main's folder dialog: grants and opens the folder chosen; null when cancelled (refused where there is no dialog) */
  chooseFolder(input: Record<string, never>): Promise<WorkspaceInfo | null>;
  read(input: z.infer<typeof readInput>): Promise<FileVersion>;
  /** a crash-safe write (temporary file, fsync, rename) */
  write(input: z.infer<typeof writeInput>): Promise<{ version: string }>;
  /** the bundled Kubernetes, Argo CD and Flux schemas, for the editor */
  schemas(input: Record<string, never>): Promise<SchemaBundle>;
  validate(input: z.infer<typeof validateInput>): Promise<{ problems: Problem[]; files: number }>;
  render(input: z.infer<typeof renderInput>): Promise<RenderResult>;
  /** for each object, the file and line declaring it, when the rendered overlay (offline) holds it; null otherwise */
  locate(input: z.infer<typeof locateInput>): Promise<{ locations: (SourceLocation | null)[] }>;
  compareOverlays(input: z.infer<typeof compareInput>): Promise<OverlayComparison>;
  gitStatus(input: z.infer<typeof gitInput>): Promise<GitStatus>;
  gitDiff(input: z.infer<typeof gitDiffInput>): Promise<{ diff: string }>;
  gitStage(input: z.infer<typeof gitPathsInput>): Promise<GitStatus>;
  gitUnstage(input: z.infer<typeof gitPathsInput>): Promise<GitStatus>;
  gitCommit(input: z.infer<typeof gitCommitInput>): Promise<GitCommit>;
  gitBranches(input: z.infer<typeof gitInput>): Promise<{ current: string; branches: string[] }>;
  gitSwitch(input: z.infer<typeof gitSwitchInput>): Promise<GitStatus>;
  gitLog(input: z.infer<typeof gitLogInput>): Promise<GitCommit[]>;
  gitInit(input: z.infer<typeof gitInput>): Promise<GitStatus>;
  /** null when the dialog was cancelled */
  scaffold(input: z.infer<typeof scaffoldInput>): Promise<WorkspaceInfo | null>;
}

export const manifestsContract = defineService<ManifestsService>({
  name: 'manifests',
  methods: {
    open: openInput,
    folders: z.object({}).strict(),
    chooseFolder: z.object({}).strict(),
    read: readInput,
    write: writeInput,
    schemas: z.object({}).strict(),
    validate: validateInput,
    render: renderInput,
    locate: locateInput,
    compareOverlays: compareInput,
    gitStatus: gitInput,
    gitDiff: gitDiffInput,
    gitStage: gitPathsInput,
    gitUnstage: gitPathsInput,
    gitCommit: gitCommitInput,
    gitBranches: gitInput,
    gitSwitch: gitSwitchInput,
    gitLog: gitLogInput,
    gitInit: gitInput,
    scaffold: scaffoldInput,
  },
  events: [],
});
