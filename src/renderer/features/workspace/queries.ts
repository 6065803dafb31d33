import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import { api } from '../../api.ts';
import { keys } from '../../data/keys.ts';

// manifests.open and the folder list are read by other screens too: useOpenWorkspace and useFolders in data/shared-queries.ts

/** The schemas are several MB and never change while the app runs: fetched once. */
export const useSchemas = () => useQuery({ queryKey: keys.workspace.schemas(), queryFn: () => api.manifests.schemas({}), staleTime: Infinity, gcTime: Infinity });

export const useProblems = (root: string | undefined) =>
  useQuery({ queryKey: keys.workspace.problems(root), queryFn: () => api.manifests.validate({ root: root! }), enabled: !!root, staleTime: Infinity });

export const useGitStatus = (root: string | undefined, enabled: boolean) =>
  useQuery({ queryKey: keys.workspace.git(root), queryFn: () => api.manifests.gitStatus({ root: root! }), enabled: !!root && enabled });

export const useGitLog = (root: string | undefined, path: string | undefined, enabled: boolean) =>
  useQuery({ queryKey: keys.workspace.log(root, path), queryFn: () => api.manifests.gitLog({ root: root!, path, limit: 20 }), enabled: !!root && enabled });

export const useGitBranches = (root: string, enabled: boolean) =>
  useQuery({ queryKey: keys.workspace.branches(root), queryFn: () => api.manifests.gitBranches({ root }), enabled });

/** The diff of one changed file, staged or not; no diff is asked for a file Git does not track. */
export const useGitDiff = (root: string, file: { path: string; staged: boolean; tracked: boolean } | undefined) =>
  useQuery({
    queryKey: keys.workspace.diff(root, file?.path, file?.staged),
    queryFn: () => api.manifests.gitDiff({ root, path: file!.path, staged: file!.staged }),
    enabled: !!file?.tracked,
  });

/** What changes on disk after a save or a Git action: problems, Git state, and (for new files) the tree. */
export function useWorkspaceRefresh() {
  const queryClient = useQueryClient();
  return {
    afterSave: () => {
      void queryClient.invalidateQueries({ queryKey: keys.workspace.problemsAll() });
      void queryClient.invalidateQueries({ queryKey: keys.workspace.gitAll() });
    },
    afterGit: () => void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] === keys.workspace.all()[0] && q.queryKey[1] !== keys.workspace.schemas()[1] }),
    /** a folder opened, chosen, dropped or scaffolded: its info is cached under its root, and the granted folders changed */
    opened: (info?: WorkspaceInfo) => {
      if (info) queryClient.setQueryData(keys.workspace.open(info.root), info);
      void queryClient.invalidateQueries({ queryKey: keys.workspace.folders() });
    },
  };
}

export function useGitActions(root: string) {
  const { afterGit } = useWorkspaceRefresh();
  return {
    stage: useMutation({ mutationFn: (paths: string[]) => api.manifests.gitStage({ root, paths }), onSettled: afterGit }),
    unstage: useMutation({ mutationFn: (paths: string[]) => api.manifests.gitUnstage({ root, paths }), onSettled: afterGit }),
    commit: useMutation({ mutationFn: (message: string) => api.manifests.gitCommit({ root, message }), onSettled: afterGit }),
    switchBranch: useMutation({ mutationFn: (input: { branch: string; create?: boolean }) => api.manifests.gitSwitch({ root, ...input }), onSettled: afterGit }),
    init: useMutation({ mutationFn: () => api.manifests.gitInit({ root }), onSettled: afterGit }),
  };
}

/** main's folder dialog; resolves to null when the user cancels. */
export const useChooseFolder = (onChosen: (info: WorkspaceInfo) => void) =>
  useMutation({ mutationFn: () => api.manifests.chooseFolder({}), onSuccess: (info) => info && onChosen(info) });

export const useScaffold = (input: Parameters<typeof api.manifests.scaffold>[0], onCreated: (info: WorkspaceInfo) => void) =>
  useMutation({ mutationFn: () => api.manifests.scaffold(input), onSuccess: (info) => info && onCreated(info) });

/** Kustomize output and overlay comparisons are asked for, never cached. */
export const useRender = (input: Parameters<typeof api.manifests.render>[0]) => useMutation({ mutationFn: () => api.manifests.render(input) });
export const useCompareOverlays = (input: Parameters<typeof api.manifests.compareOverlays>[0]) => useMutation({ mutationFn: () => api.manifests.compareOverlays(input) });

/** The editor's file access: read with its version, written only over that version (a conflict otherwise). */
export const manifestFiles = {
  read: (root: string, path: string) => api.manifests.read({ root, path }),
  write: (input: Parameters<typeof api.manifests.write>[0]) => api.manifests.write(input),
};
