import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api.ts';

export const useWorkspace = (path: string | undefined) =>
  useQuery({ queryKey: ['workspace', 'info', path ?? ''], queryFn: () => api.manifests.open({ path }), staleTime: Infinity, retry: false });

/** The folders main lets the renderer open, and whether it can show a folder dialog. */
export const useFolders = () => useQuery({ queryKey: ['workspace', 'folders'], queryFn: () => api.manifests.folders({}) });

/** The schemas are several MB and never change while the app runs: fetched once. */
export const useSchemas = () => useQuery({ queryKey: ['workspace', 'schemas'], queryFn: () => api.manifests.schemas({}), staleTime: Infinity, gcTime: Infinity });

export const useProblems = (root: string | undefined) =>
  useQuery({ queryKey: ['workspace', 'problems', root], queryFn: () => api.manifests.validate({ root: root! }), enabled: !!root, staleTime: Infinity });

export const useGitStatus = (root: string | undefined, enabled: boolean) =>
  useQuery({ queryKey: ['workspace', 'git', root], queryFn: () => api.manifests.gitStatus({ root: root! }), enabled: !!root && enabled });

export const useGitLog = (root: string | undefined, path: string | undefined, enabled: boolean) =>
  useQuery({ queryKey: ['workspace', 'log', root, path], queryFn: () => api.manifests.gitLog({ root: root!, path, limit: 20 }), enabled: !!root && enabled });

/** What changes on disk after a save or a Git action: problems, Git state, and (for new files) the tree. */
export function useWorkspaceRefresh() {
  const queryClient = useQueryClient();
  return {
    afterSave: () => {
      void queryClient.invalidateQueries({ queryKey: ['workspace', 'problems'] });
      void queryClient.invalidateQueries({ queryKey: ['workspace', 'git'] });
    },
    afterGit: () => void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'workspace' && q.queryKey[1] !== 'schemas' }),
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
