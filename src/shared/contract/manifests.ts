import { z } from 'zod';
import type { Problem } from '../manifests/lint.ts';
import type { OverlayComparison } from '../manifests/overlay-diff.ts';
import type { SchemaBundle } from '../manifests/schema.ts';
import type { FileContext } from '../manifests/workspace-model.ts';
import { defineService } from '../rpc.ts';
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

export interface FileVersion {
  text: string;
  /** changes whenever the file changes on disk; a write naming an older version is refused */
  version: string;
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

export const openInput = z.object({ path: absolutePath.optional() }).strict();
export const readInput = z.object({ root, path: relativePath.min(1) }).strict();
export const writeInput = z.object({ root, path: relativePath.min(1), text: z.string().max(maxWorkspaceFileChars), version: z.string().max(100).optional() }).strict();
export const validateInput = z.object({ root, kubernetesVersion }).strict();
export const renderInput = z.object({ root, dir: relativePath }).strict();
export const compareInput = z.object({ root, overlays: z.array(relativePath).min(2).max(6) }).strict();
export const gitInput = z.object({ root }).strict();
export const gitDiffInput = z.object({ root, path: relativePath.optional(), staged: z.boolean().optional() }).strict();
export const gitPathsInput = z.object({ root, paths: z.array(relativePath.min(1)).min(1).max(10_000) }).strict();
export const gitCommitInput = z.object({ root, message: z.string().trim().min(1, 'a commit message').max(10_000) }).strict();
export const gitSwitchInput = z.object({ root, branch: z.string().regex(/^(?!-)[\w./-]{1,200}$/, 'a branch name'), create: z.boolean().optional() }).strict();
export const gitLogInput = z.object({ root, path: relativePath.optional(), limit: z.number().int().min(1).max(1000).optional() }).strict();
export const scaffoldInput = z.object({ dir: absolutePath, name: z.string().max(64).optional(), repoURL: z.string().max(2000).optional() }).strict();

export interface ManifestsService {
  /** opens a folder (or, without a path, the last one, else the sample workspace) */
  open(input: z.infer<typeof openInput>): Promise<WorkspaceInfo>;
  read(input: z.infer<typeof readInput>): Promise<FileVersion>;
  /** a crash-safe write (temporary file, fsync, rename) */
  write(input: z.infer<typeof writeInput>): Promise<{ version: string }>;
  /** the bundled Kubernetes, Argo CD and Flux schemas, for the editor */
  schemas(input: Record<string, never>): Promise<SchemaBundle>;
  validate(input: z.infer<typeof validateInput>): Promise<{ problems: Problem[]; files: number }>;
  render(input: z.infer<typeof renderInput>): Promise<RenderResult>;
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
  scaffold(input: z.infer<typeof scaffoldInput>): Promise<WorkspaceInfo>;
}

export const manifestsContract = defineService<ManifestsService>({
  name: 'manifests',
  methods: {
    open: openInput,
    read: readInput,
    write: writeInput,
    schemas: z.object({}).strict(),
    validate: validateInput,
    render: renderInput,
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
