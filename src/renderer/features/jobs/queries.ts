import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { classesInput, TaskInfo } from '../../../shared/contract/jobs.ts';
import { api } from '../../api.ts';
import { keys } from '../../data/keys.ts';
import { useLive, type LiveHandler } from '../../data/live.ts';

/** A task event updates the list in place; the open task's detail refetches when it leaves "running", the archives when a backup does. */
export const applyTaskEvent: LiveHandler<TaskInfo> = (info, { queryClient, refetch }) => {
  queryClient.setQueryData<TaskInfo[]>(keys.jobs.tasks(), (tasks) => (tasks?.some((t) => t.id === info.id) ? tasks.map((t) => (t.id === info.id ? info : t)) : [info, ...(tasks ?? [])]));
  queryClient.setQueryData(keys.jobs.task(info.id), (detail: { info: TaskInfo } | undefined) => (detail ? { ...detail, info } : detail));
  if (info.state !== 'running') refetch(keys.jobs.task(info.id));
  if (info.kind === 'backup' && info.state !== 'running') refetch(keys.jobs.archives());
};

export const useTasksLive = () => useLive(api.jobs.onDidChangeTask, applyTaskEvent);

export const useTask = (id: string | undefined) => useQuery({ queryKey: keys.jobs.task(id), queryFn: () => api.jobs.get({ id: id! }), enabled: !!id });
export const useArchives = () => useQuery({ queryKey: keys.jobs.archives(), queryFn: () => api.jobs.archives() });
/** The classes the selected objects use, what each becomes on the target, and the target's classes to choose from instead. */
export const useMigrationClasses = (input: z.infer<typeof classesInput> | undefined) =>
  useQuery({ queryKey: keys.jobs.classes(input?.fromContext ?? '', input?.toContext ?? '', input?.selection), queryFn: () => api.jobs.classes(input!), enabled: !!input, staleTime: 30_000 });

/** The restic repositories saved in the vault: names, places and variable names, never their values. */
export const useRepositories = () => useQuery({ queryKey: keys.jobs.repositories(), queryFn: () => api.jobs.repositories() });

export function useRepositoryActions() {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.jobs.repositories() });
  return {
    save: useMutation({ mutationFn: api.jobs.saveRepository, onSettled: refresh }),
    forget: useMutation({ mutationFn: api.jobs.forgetRepository, onSettled: refresh }),
  };
}

export function useJobActions() {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.jobs.tasks() });
  return {
    backup: useMutation({ mutationFn: api.jobs.startBackup, onSettled: refresh }),
    restore: useMutation({ mutationFn: api.jobs.startRestore, onSettled: refresh }),
    migrate: useMutation({ mutationFn: api.jobs.startMigrate, onSettled: refresh }),
    cancel: useMutation({ mutationFn: api.jobs.cancel, onSettled: refresh }),
    resume: useMutation({ mutationFn: api.jobs.resume, onSettled: refresh }),
  };
}
