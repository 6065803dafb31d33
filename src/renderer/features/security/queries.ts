import { useQueries, useQuery } from '@tanstack/react-query';
import type { Cloud } from '../../../shared/cloud.ts';
import type { SourceLocation, WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import type { Finding } from '../../../shared/security/model.ts';
import { api } from '../../api.ts';
import { keys } from '../../data/keys.ts';
import { locateRequests } from './locate-requests.ts';

/** The fleet's audit: read live from every cluster when the screen opens, and again when asked. */
export const useAudit = () => useQuery({ queryKey: keys.security.audit(), queryFn: () => api.security.audit({}), staleTime: 60_000 });

/** Where the open GitOps workspace declares the resources of the findings (locateRequests). */
export function useSourceLocations(workspace: WorkspaceInfo | undefined, findings: Finding[], cloudOf: (context: string) => Cloud): Map<string, SourceLocation> {
  const requests = locateRequests(workspace, findings, cloudOf);
  const answers = useQueries({
    queries: requests.map((r) => ({ queryKey: keys.security.locations(workspace?.root, r.dir, r.keys), queryFn: () => api.manifests.locate({ root: workspace!.root, dir: r.dir, objects: r.objects }), staleTime: 60_000, retry: false })),
  });
  const located = new Map<string, SourceLocation>();
  requests.forEach((r, i) => answers[i].data?.locations.forEach((location, j) => location && located.set(r.keys[j], location)));
  return located;
}
