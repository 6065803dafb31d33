import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { TaskInfo } from '../../../shared/contract/jobs.ts';
import { api } from '../../api.ts';

/** Task events from main update the list in place; the open task's detail refetches when it changes state. */
export function useTasksLive() {
  const queryClient = useQueryClient();
  useEffect(
    () =>
      api.jobs.onDidChangeTask((info) => {
        queryClient.setQueryData<TaskInfo[]>(['jobs', 'tasks'], (tasks) => (tasks?.some((t) => t.id === info.id) ? tasks.map((t) => (t.id === info.id ? info : t)) : [info, ...(tasks ?? [])]));
        queryClient.setQueryData(['jobs', 'task', info.id], (detail: { info: TaskInfo } | undefined) => (detail ? { ...detail, info } : detail));
        if (info.state !== 'running') void queryClient.invalidateQueries({ queryKey: ['jobs', 'task', info.id] });
        if (info.kind === 'backup' && info.state !== 'running') void queryClient.invalidateQueries({ queryKey: ['jobs', 'archives'] });
      }),
    [queryClient],
  );
}

export const useTasks = () => useQuery({ queryKey: ['jobs', 'tasks'], queryFn: () => api.jobs.list() });
export const useTask = (id: string | undefined) => useQuery({ queryKey: ['jobs', 'task', id], queryFn: () => api.jobs.get({ id: id! }), enabled: !!id });
export const useArchives = () => useQuery({ queryKey: ['jobs', 'archives'], queryFn: () => api.jobs.archives() });
export const useMigrationDefaults = (fromContext: string, toContext: string) =>
  useQuery({ queryKey: ['jobs', 'defaults', fromContext, toContext], queryFn: () => api.jobs.defaults({ fromContext, toContext }), enabled: !!toContext, staleTime: Infinity });

export function useJobActions() {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['jobs', 'tasks'] });
  return {
    backup: useMutation({ mutationFn: api.jobs.startBackup, onSettled: refresh }),
    restore: useMutation({ mutationFn: api.jobs.startRestore, onSettled: refresh }),
    migrate: useMutation({ mutationFn: api.jobs.startMigrate, onSettled: refresh }),
    cancel: useMutation({ mutationFn: api.jobs.cancel, onSettled: refresh }),
    resume: useMutation({ mutationFn: api.jobs.resume, onSettled: refresh }),
  };
}
