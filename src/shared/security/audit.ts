// The whole audit of one cluster: every family's checks over the objects it read.
import { encryptionFindings } from './encryption.ts';
import { severities, type CheckFamily, type ClusterObjects, type Finding } from './model.ts';
import { networkFindings } from './network.ts';
import { rbacFindings } from './rbac.ts';
import { workloadFindings } from './workloads.ts';

type Collection = Exclude<keyof ClusterObjects, 'context' | 'cloud'>;

/** Each family's checks and the collections they read: a family missing one of them does not run (its findings would be wrong, not fewer). */
export const families: Record<CheckFamily, { reads: Collection[]; run: (objects: ClusterObjects) => Omit<Finding, 'context'>[] }> = {
  network: { reads: ['namespaces', 'pods', 'networkPolicies'], run: networkFindings },
  rbac: { reads: ['clusterRoles', 'roles', 'clusterRoleBindings', 'roleBindings', 'serviceAccounts', 'pods'], run: rbacFindings },
  workloads: { reads: ['namespaces', 'pods'], run: workloadFindings },
  encryption: { reads: ['storageClasses', 'ingresses', 'services', 'pods'], run: encryptionFindings },
};

/**
 * Findings most severe first, then by check, namespace, kind and name: the same cluster gives the
 * same list. `unread` are the collections the context could not list: the families that read
 * them are left out.
 */
export function auditCluster(objects: ClusterObjects, unread: Collection[] = []): Finding[] {
  const found = Object.values(families).flatMap((family) => (family.reads.some((c) => unread.includes(c)) ? [] : family.run(objects)));
  const key = (f: Omit<Finding, 'context'>) => [severities.indexOf(f.severity), f.check, f.namespace ?? '', f.kind, f.name].join('\u0000');
  // the fields in the order the CLI's JSON documents them
  return found
    .map(({ check, severity, namespace, kind, name, message, fix }) => ({ context: objects.context, check, severity, namespace, kind, name, message, fix }))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
