// What the Security screen asks manifests.locate: pure, so that its bounds are tested.
import type { Cloud } from '../../../shared/cloud.ts';
import type { WorkspaceInfo } from '../../../shared/contract/manifests.ts';
import type { Finding } from '../../../shared/security/model.ts';

export const resourceKey = (f: Pick<Finding, 'context' | 'kind' | 'namespace' | 'name'>) => [f.context, f.kind, f.namespace ?? '', f.name].join('/');

/** A cluster's question to manifests.locate: the resources of its findings in its cloud's overlay. */
export interface LocateRequest {
  context: string;
  dir: string;
  keys: string[];
  objects: { kind: string; namespace: string | null; name: string }[];
}

/**
 * Per cluster, the resources of its findings that some file of the workspace declares (by kind and
 * name), in the overlay of its cloud (overlays/aks, /gke, /eks) when the workspace has one: as many
 * as the workspace declares, however many objects the cluster's users create.
 */
export function locateRequests(workspace: WorkspaceInfo | undefined, findings: Finding[], cloudOf: (context: string) => Cloud): LocateRequest[] {
  if (!workspace) return [];
  const declared = new Set(workspace.files.flatMap((file) => file.objects.map((o) => `${o.kind}/${o.name}`)));
  const contexts = [...new Set(findings.map((f) => f.context))].sort();
  return contexts.flatMap((context) => {
    const dir = `overlays/${cloudOf(context)}`;
    if (!workspace.kustomizations.includes(dir)) return [];
    const unique = new Map(findings.filter((f) => f.context === context && declared.has(`${f.kind}/${f.name}`)).map((f) => [resourceKey(f), { kind: f.kind, namespace: f.namespace, name: f.name }]));
    return unique.size ? [{ context, dir, keys: [...unique.keys()], objects: [...unique.values()] }] : [];
  });
}
