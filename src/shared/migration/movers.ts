// Volume data does not travel through the laptop: per claim, a restic Job on the source backs the
// volume up into a repository both clusters reach (S3, GCS, Azure Blob, a REST server), and a
// Job on the target restores it into the new claim before the workloads use it. Both sides list
// the volume (path, type, mode, size, sha256 per file, symlink targets) so the copy is verified.
import type { KubeObject } from '../kube-object.ts';

export interface Claim {
  namespace: string;
  name: string;
}

/** One run's movers: what their objects are labelled and named with. */
export interface MoverRun {
  /** short id of the run: a label on every object it creates, so they are found and removed */
  run: string;
  /** the Secret with RESTIC_REPOSITORY, RESTIC_PASSWORD and the store's credentials, in the Job's namespace */
  secretName: string;
  image?: string;
}

export const MOVER_IMAGE = 'restic/restic:0.17.3';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'fleetdeck' };
export const RUN_LABEL = 'fleetdeck.io/mover-run';
/** on a workload created on the target at 0 replicas: the replicas it is scaled to once its volumes are filled */
export const REPLICAS_ANNOTATION = 'fleetdeck.io/replicas';
/** where a mover mounts the claim, and the listing of the source volume that travels in the snapshot */
const DATA = '/data';
const META = '/fleetdeck';

/**
 * Lists the volume mounted at /data, for verification, in batches that cost a few processes each
 * (a loop forking per file took 4–7 ms a file). find hands each pass's paths over in batches
 * (-exec … {} +); lines are SIDE and a kind: `N` lines the base64 of a batch's paths, each ended
 * by a NUL (names may hold any byte but NUL), then `M` the raw mode in hex (`stat %f`: type and
 * permission bits) and the size of each, in order; `L` a symlink's base64 path and target; `F`
 * lines a batch of regular files (as `N`), then `H` the sha256 of each, in order. Paths holding a
 * newline (which would split sha256sum's lines) are listed one per line instead: SIDE, mode,
 * size, sha256 or base64 target ("-" for others) and the base64 path. `E` ends the listing (an
 * empty volume's is that line alone). Uses only sh, find, stat, sha256sum, readlink and base64,
 * which busybox (the restic image is Alpine) and coreutils both have.
 */
export function manifestScript(side: 'S' | 'T'): string {
  // base64 wraps at 76 characters: a log line stays short (a container runtime splits long ones)
  const batch = (kind: string) => `printf "%s\\0" "$@" | base64 | while read -r l; do printf "${side} ${kind} %s\\n" "$l"; done`;
  return `cd ${DATA} && nl='
' && find . -mindepth 1 ! -path "*$nl*" -exec sh -c '
${batch('N')}
stat -c "${side} M %f %s" "$@"' sh {} + && find . -mindepth 1 -type l ! -path "*$nl*" -exec sh -c '
for f do printf "${side} L %s %s\\n" "$(printf %s "$f" | base64 -w 0)" "$(readlink "$f" | base64 -w 0)"; done' sh {} + && find . -mindepth 1 -type f ! -path "*$nl*" -exec sh -c '
${batch('F')}
sha256sum "$@" | while read -r h rest; do printf "${side} H %s\\n" "\${h#\\\\}"; done' sh {} + && find . -mindepth 1 -path "*$nl*" -exec sh -c '
for f do
  m=$(stat -c "%f %s" "$f")
  n=$(printf %s "\${f#./}" | base64 -w 0)
  case $m in
    8*) h=$(sha256sum < "$f"); h=\${h%% *};;
    a*) h=$(readlink "$f" | base64 -w 0);;
    *) h=-;;
  esac
  printf "${side} %s %s %s\\n" "$m" "$h" "$n"
done' sh {} + && echo "${side} E"`;
}

/** Job names are DNS labels of at most 63 characters; long claim names are cut and keep a hash for uniqueness. */
export function jobName(action: string, claim: string): string {
  const name = `fleetdeck-${action}-${claim}`;
  if (name.length <= 63) return name;
  let hash = 0;
  for (const c of claim) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `${name.slice(0, 54)}-${hash.toString(36).slice(0, 8)}`.replace(/-+$/, '');
}

const labels = (run: MoverRun, claim?: string) => ({ ...MANAGED_BY, [RUN_LABEL]: run.run, ...(claim ? { 'fleetdeck.io/claim': claim } : {}) });

type Container = Record<string, unknown> & { name: string };

function restic(run: MoverRun, args: string[], volumeMounts: unknown[] = []): Container {
  return {
    name: 'restic',
    image: run.image ?? MOVER_IMAGE,
    args,
    // one status line a second in the log, not sixty
    env: [{ name: 'RESTIC_PROGRESS_FPS', value: '1' }],
    envFrom: [{ secretRef: { name: run.secretName } }],
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
    volumeMounts,
  };
}

function shell(run: MoverRun, name: string, script: string, volumeMounts: unknown[]): Container {
  return { name, image: run.image ?? MOVER_IMAGE, command: ['/bin/sh', '-c', script], resources: { requests: { cpu: '100m', memory: '64Mi' } }, volumeMounts };
}

function job(namespace: string, name: string, run: MoverRun, claim: string | undefined, pod: { initContainers?: Container[]; containers: Container[]; volumes?: unknown[] }, backoffLimit: number): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels: labels(run, claim) },
    spec: {
      backoffLimit,
      template: {
        metadata: { labels: labels(run, claim) },
        spec: { restartPolicy: 'Never', securityContext: { runAsUser: 0, fsGroup: 0 }, ...pod },
      },
    },
  };
}

/** The per-run Secret a mover reads its repository and credentials from. */
export function moverSecret(namespace: string, run: MoverRun, env: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: run.secretName, namespace, labels: labels(run) }, type: 'Opaque', stringData: env } as KubeObject;
}

/** `restic cat config`: exit 0 the repository opens, 10 it does not exist, 12 the password is wrong. Writes nothing. */
export const repositoryCheckJob = (namespace: string, run: MoverRun) => job(namespace, `fleetdeck-check-${run.run}`, run, undefined, { containers: [restic(run, ['cat', 'config'])] }, 0);

/** `restic init`, for a repository the check found missing. */
export const repositoryInitJob = (namespace: string, run: MoverRun) => job(namespace, `fleetdeck-init-${run.run}`, run, undefined, { containers: [restic(run, ['init'])] }, 0);

/** The tag a claim's snapshots carry: a restore without a recorded snapshot id finds the latest by it. */
export const snapshotTag = (claim: Claim) => `fleetdeck:${claim.namespace}/${claim.name}`;

/**
 * On the source: the listing of the volume (init container, into an emptyDir), then `restic
 * backup` of the volume and the listing together, read-only, with JSON progress in its log.
 */
export function backupJob(claim: Claim, run: MoverRun): KubeObject {
  const data = { name: 'data', mountPath: DATA, readOnly: true };
  return job(
    claim.namespace,
    jobName('backup', claim.name),
    run,
    claim.name,
    {
      initContainers: [shell(run, 'manifest', `set -e; (${manifestScript('S')}) > ${META}/manifest`, [data, { name: 'meta', mountPath: META }])],
      containers: [restic(run, ['backup', DATA, META, '--json', '--host', 'fleetdeck', '--tag', snapshotTag(claim), '--tag', `fleetdeck-run:${run.run}`], [data, { name: 'meta', mountPath: META, readOnly: true }])],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: claim.name, readOnly: true } },
        { name: 'meta', emptyDir: {} },
      ],
    },
    2,
  );
}

/**
 * On the target: `restic restore` of the snapshot into the claim (and the source's listing into
 * an emptyDir), then a container that prints the source's listing and the restored volume's.
 */
export function restoreJob(namespace: string, claim: string, snapshot: string, run: MoverRun): KubeObject {
  const data = { name: 'data', mountPath: DATA };
  const meta = { name: 'meta', mountPath: META };
  return job(
    namespace,
    jobName('restore', claim),
    run,
    claim,
    {
      initContainers: [restic(run, ['restore', snapshot, '--target', '/', '--json'], [data, meta])],
      containers: [shell(run, 'verify', `set -e; cat ${META}/manifest; ${manifestScript('T')}`, [{ ...data, readOnly: true }, { ...meta, readOnly: true }])],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: claim } },
        { name: 'meta', emptyDir: {} },
      ],
    },
    2,
  );
}
