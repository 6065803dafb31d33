// Volume data does not travel through the laptop: per claim, a restic Job on the source backs the
// volume up into a repository both clusters reach (S3, GCS, Azure Blob, a REST server), and a
// Job on the target restores it into the new claim before the workloads use it.
import type { KubeObject } from '../kube-object.ts';

export interface VolumeMover {
  /** restic repository URL, e.g. s3:s3.amazonaws.com/acme-migrations or azure:container:/path */
  repository: string;
  /** a Secret in each namespace (source and target) with RESTIC_PASSWORD and the store's credentials */
  secretName: string;
  image?: string;
}

export interface Claim {
  namespace: string;
  name: string;
}

export interface MoverJobs {
  claim: Claim;
  /** runs on the source, in the claim's namespace */
  backup: KubeObject;
  /** runs on the target, in the mapped namespace */
  restore: KubeObject;
}

const DEFAULT_IMAGE = 'restic/restic:0.17.3';

/** Job names are DNS labels of at most 63 characters; long claim names are cut and keep a hash for uniqueness. */
function jobName(action: string, claim: string): string {
  const name = `fleetdeck-${action}-${claim}`;
  if (name.length <= 63) return name;
  let hash = 0;
  for (const c of claim) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `${name.slice(0, 54)}-${hash.toString(36).slice(0, 8)}`.replace(/-+$/, '');
}

function job(namespace: string, name: string, claim: string, readOnly: boolean, args: string[], mover: VolumeMover): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'fleetdeck', 'fleetdeck.io/claim': claim } },
    spec: {
      backoffLimit: 2,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: { 'app.kubernetes.io/managed-by': 'fleetdeck', 'fleetdeck.io/claim': claim } },
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: false, fsGroup: 0 },
          containers: [
            {
              name: 'restic',
              image: mover.image ?? DEFAULT_IMAGE,
              args,
              env: [{ name: 'RESTIC_REPOSITORY', value: mover.repository }],
              envFrom: [{ secretRef: { name: mover.secretName } }],
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              volumeMounts: [{ name: 'data', mountPath: '/data', readOnly }],
            },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim, readOnly } }],
        },
      },
    },
  };
}

/**
 * The backup Job (source) and restore Job (target) for each claim. A claim that is
 * ReadWriteOnce and mounted by a running pod needs the workload scaled down first, or the backup
 * Job must land on the same node: the plan says so, it does not decide for the user.
 */
export function resticMovers(claims: Claim[], mover: VolumeMover, targetNamespace: (namespace: string) => string): MoverJobs[] {
  return claims.map((claim) => {
    const tag = `fleetdeck:${claim.namespace}/${claim.name}`;
    return {
      claim,
      backup: job(claim.namespace, jobName('backup', claim.name), claim.name, true, ['backup', '/data', '--host', 'fleetdeck', '--tag', tag], mover),
      restore: job(targetNamespace(claim.namespace), jobName('restore', claim.name), claim.name, false, ['restore', 'latest', '--host', 'fleetdeck', '--tag', tag, '--target', '/'], mover),
    };
  });
}
