// Volume data does not travel through the laptop: per claim, a restic Job on the source backs the
// volume up into a repository both clusters reach (S3, GCS, Azure Blob, a REST server), and a
// Job on the target restores it into the new claim before the workloads use it. Both sides list
// the volume (path, type, mode, size, sha256 per file, symlink targets) so the copy is verified:
// the source's listing, made while restic reads the volume, goes into a snapshot of its own.
import { FleetdeckError } from '../errors.ts';
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
  /** the Secret holding the Google credentials file of a gs: repository, mounted into every restic container; none without one */
  keySecretName?: string;
  image?: string;
}

export const MOVER_IMAGE = 'restic/restic:0.17.3';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'fleetdeck' };
export const RUN_LABEL = 'fleetdeck.io/mover-run';
/** on a workload created on the target at 0 replicas: the replicas it is scaled to once its volumes are filled */
export const REPLICAS_ANNOTATION = 'fleetdeck.io/replicas';
/** where a mover mounts the claim, and the listing of the source volume that travels in the repository */
export const MOVER_PATHS = { data: '/data', meta: '/fleetdeck' };
const { data: DATA, meta: META } = MOVER_PATHS;
/** restic's gs: client reads the key from the file this variable names: it goes into a Secret of its own, mounted, since envFrom exports every key of a Secret (any printable name is a variable since Kubernetes 1.34) */
export const GOOGLE_CREDENTIALS = 'GOOGLE_APPLICATION_CREDENTIALS';
/** outside /fleetdeck and /data, which the snapshots hold */
const KEY_DIR = '/var/run/secrets/fleetdeck.io/google';
const KEY_FILE = 'credentials.json';

/** Joins a batch's `s MODE SIZE PATH` lines (stat) with sha256sum's; GNU's sha256sum escapes a name holding a backslash, and marks it with a leading one. */
const JOIN_HASHES = String.raw`
function unescape(s,   o, i, c) { o = ""; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (c == "\\") { i++; c = substr(s, i, 1); if (c == "n") c = "\n"; else if (c == "r") c = "\r" } o = o c } return o }
/^s / { p = substr($0, length($1 " " $2 " " $3 " ") + 1); m[p] = $2 " " $3; next }
{ h = $0; e = substr(h, 1, 1) == "\\"; if (e) h = substr(h, 2); p = substr(h, 67); if (e) p = unescape(p); if (p in m) print "f " m[p] " " substr(h, 1, 64) " " p }`;

/**
 * Lists the volume at `data` into the file `out`, one line per entry, sorted byte-wise so that
 * two listings compare line by line: `f MODE SIZE SHA256 PATH` for a file, `l - - TARGET PATH`
 * for a symlink (its target in base64), and for the rest `ls -l`'s type letter, MODE, `- -` and
 * PATH; MODE is the permission bits and the owner, `755:999:999` (a database refuses a data
 * folder that is not its user's). PATH is find's (./…), or = and its base64 when it holds a
 * newline. Files are listed in batches (find -exec … {} +) that cost a few processes each: a
 * loop forking per file took 4–7 ms a file. lost+found, a file system's own folder, is left out
 * but not what it holds (restic copies that), and so are sockets, which restic does not restore.
 * Uses only sh, find, stat, sha256sum, readlink, base64, sed, awk and sort, which busybox (the
 * restic image is Alpine) and coreutils both have.
 */
function listingScript(data: string, out: string): string {
  const find = `find . -mindepth 1 ! -path ./lost+found ! -type s`;
  return `cd ${data} && nl='
' && ${find} ! -type f ! -type l ! -path "*$nl*" -exec stat -c "%A %a:%u:%g - - %n" {} + > ${out}.part && sed -i 's/^\\(.\\)[^ ]* /\\1 /' ${out}.part && ${find} -type f ! -path "*$nl*" -exec sh -c '{ stat -c "s %a:%u:%g %s %n" "$@"; sha256sum "$@"; } | awk "$0"' '${JOIN_HASHES}' {} + >> ${out}.part && ${find} -type l ! -path "*$nl*" -exec sh -c '
for f do printf "l - - %s %s\\n" "$(readlink "$f" | base64 -w 0)" "$f"; done' sh {} + >> ${out}.part && ${find} -path "*$nl*" -exec sh -c '
for f do
  n=$(printf %s "$f" | base64 -w 0)
  s=$(stat -c "%a:%u:%g %s" "$f")
  if [ -L "$f" ]; then printf "l - - %s =%s\\n" "$(readlink "$f" | base64 -w 0)" "$n"
  elif [ -f "$f" ]; then h=$(sha256sum < "$f"); printf "f %s %s =%s\\n" "$s" "\${h%% *}" "$n"
  elif [ -d "$f" ]; then printf "d %s - - =%s\\n" "\${s%% *}" "$n"
  else printf "o %s - - =%s\\n" "\${s%% *}" "$n"; fi
done' sh {} + >> ${out}.part && LC_ALL=C sort ${out}.part > ${out} && rm ${out}.part`;
}

/**
 * Walks the source's sorted listing and the target's side by side: prints the first few entries
 * that differ (S or T, the line's fields, a tab, the path) and then `C` and how many paths differ.
 */
const MERGE = String.raw`
function step() { more = (getline t < T) > 0 }
function differ(side, l,   p, i) {
  p = l; for (i = 0; i < 4; i++) sub(/^[^ ]* /, "", p)
  if (!(p in seen)) seen[p] = ++n
  if (seen[p] <= 10) print side " " substr(l, 1, length(l) - length(p) - 1) "\t" p
}
BEGIN { step() }
{ while (more && t < $0) { differ("T", t); step() } if (more && t == $0) step(); else differ("S", $0) }
END { while (more) { differ("T", t); step() } print "C " n + 0 }`;

/** The source side: the volume's listing, kept beside it in the snapshot. */
export const sourceListingScript = (paths = MOVER_PATHS) => `set -e; ${listingScript(paths.data, `${paths.meta}/listing`)}`;

/**
 * The target side, after the restore: the restored volume listed as the source was and compared
 * with the source's listing in the pod, so that only a summary reaches the log (a volume's whole
 * listing would grow with its files, and the kubelet rotates container logs at 10 MiB). Lines:
 * `V T` the source's files and bytes, `V X` a differing entry (its fields and its path's base64),
 * `V C` how many paths differ, `V E` the end; `V N` when the snapshot holds no listing.
 */
export const verifyScript = (paths = MOVER_PATHS) => {
  const listing = `${paths.meta}/listing`;
  return `set -e; [ -f ${listing} ] || { echo "V N"; exit 0; }
${listingScript(paths.data, `${paths.meta}/restored`)}
awk '$1 == "f" { n++; b += $3 } END { printf "V T %d %.0f\\n", n, b }' ${listing}
awk -v T=${paths.meta}/restored '${MERGE}' ${listing} > ${paths.meta}/differences
while IFS= read -r l; do
  case $l in
    "C "*) printf "V %s\\n" "$l";;
    *) m=\${l%%\t*}; p=\${l#*\t}
      case $p in =*) b=\${p#=};; *) b=$(printf %s "\${p#./}" | base64 -w 0);; esac
      printf "V X %s %s\\n" "$m" "$b";;
  esac
done < ${paths.meta}/differences
echo "V E"`;
};

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

function restic(run: MoverRun, args: string[], volumeMounts: unknown[] = [], name = 'restic'): Container {
  return {
    name,
    image: run.image ?? MOVER_IMAGE,
    args,
    // one status line a second in the log, not sixty
    env: [{ name: 'RESTIC_PROGRESS_FPS', value: '1' }, ...(run.keySecretName ? [{ name: GOOGLE_CREDENTIALS, value: `${KEY_DIR}/${KEY_FILE}` }] : [])],
    envFrom: [{ secretRef: { name: run.secretName } }],
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
    volumeMounts: run.keySecretName ? [...volumeMounts, { name: 'google-credentials', mountPath: KEY_DIR, readOnly: true }] : volumeMounts,
  };
}

/** A shell with the repository's settings, for a script that runs restic itself. */
function resticShell(run: MoverRun, name: string, script: string, volumeMounts: unknown[]): Container {
  const { args: _, ...container } = restic(run, [], volumeMounts, name);
  return { ...container, command: ['/bin/sh', '-c', script] };
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
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsUser: 0, fsGroup: 0 },
          ...pod,
          ...(run.keySecretName ? { volumes: [...(pod.volumes ?? []), { name: 'google-credentials', secret: { secretName: run.keySecretName, defaultMode: 0o400 } }] } : {}),
        },
      },
    },
  };
}

/** The per-run Secret a mover reads its repository and credentials from as variables: all of the settings but the Google credentials file. */
export function moverSecret(namespace: string, run: MoverRun, env: Record<string, string>): KubeObject {
  const { [GOOGLE_CREDENTIALS]: _key, ...variables } = env;
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: run.secretName, namespace, labels: labels(run) }, type: 'Opaque', stringData: variables } as KubeObject;
}

/** The per-run Secret with the Google credentials file (the settings hold its content), for a run that has one. */
export function moverKeySecret(namespace: string, run: MoverRun, env: Record<string, string>): KubeObject | undefined {
  if (!run.keySecretName) return undefined;
  const key = env[GOOGLE_CREDENTIALS];
  if (key === undefined) throw new FleetdeckError('internal', `the run's settings have no ${GOOGLE_CREDENTIALS} for the Secret ${run.keySecretName}`);
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: run.keySecretName, namespace, labels: labels(run) }, type: 'Opaque', stringData: { [KEY_FILE]: key } } as KubeObject;
}

/** `restic cat config`: exit 0 the repository opens, 10 it does not exist, 12 the password is wrong. Writes nothing. */
export const repositoryCheckJob = (namespace: string, run: MoverRun) => job(namespace, `fleetdeck-check-${run.run}`, run, undefined, { containers: [restic(run, ['cat', 'config'])] }, 0);

/** `restic init`, for a repository the check found missing. */
export const repositoryInitJob = (namespace: string, run: MoverRun) => job(namespace, `fleetdeck-init-${run.run}`, run, undefined, { containers: [restic(run, ['init'])] }, 0);

/** The tag a claim's data snapshots carry, and the tag of its listings' snapshots. */
export const snapshotTag = (claim: Claim) => `fleetdeck:${claim.namespace}/${claim.name}`;
const listingTag = (claim: Claim) => `fleetdeck-listing:${claim.namespace}/${claim.name}`;

/**
 * On the source, side by side, both read-only on the volume: `restic backup` of the volume with
 * JSON progress in its log, and the listing of the volume (into an emptyDir) backed up as a
 * snapshot of its own (its summary line in the `listing` container's log). Hashing every file
 * beside restic, not before it, keeps the listing from adding a whole read of the volume.
 */
export function backupJob(claim: Claim, run: MoverRun): KubeObject {
  const data = { name: 'data', mountPath: DATA, readOnly: true };
  const tags = (tag: string) => ['--host', 'fleetdeck', '--tag', tag, '--tag', `fleetdeck-run:${run.run}`];
  const quoted = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;
  const listing = `${sourceListingScript()} && exec restic backup ${META} --json --quiet ${tags(listingTag(claim)).map(quoted).join(' ')}`;
  return job(
    claim.namespace,
    jobName('backup', claim.name),
    run,
    claim.name,
    {
      containers: [restic(run, ['backup', DATA, '--json', ...tags(snapshotTag(claim))], [data]), resticShell(run, 'listing', listing, [data, { name: 'meta', mountPath: META }])],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: claim.name, readOnly: true } },
        { name: 'meta', emptyDir: {} },
      ],
    },
    2,
  );
}

/** where the restore mounts the claim and the listing's folder: the snapshot's two folders below one target */
const RESTORE_ROOT = '/restore';

/**
 * On the target: restic restores the snapshot's data into the claim (what the snapshot does not
 * hold removed: a re-run restores into a claim an earlier run began to fill) and the listing's
 * snapshot into an emptyDir; then the verify container compares the two. Without a listing
 * snapshot (a backup by an older Fleetdeck) the data's snapshot holds the listing too.
 */
export function restoreJob(namespace: string, claim: string, snapshots: { snapshot: string; listing?: string }, run: MoverRun): KubeObject {
  const data = { name: 'data', mountPath: DATA };
  const meta = { name: 'meta', mountPath: META };
  const below = (mount: { name: string; mountPath: string }) => ({ ...mount, mountPath: `${RESTORE_ROOT}${mount.mountPath}` });
  // the data's restore sees no other folder below its target (--delete would remove it); the listing's restores that one file, whatever the snapshot holds
  const restoreData = restic(run, ['restore', snapshots.snapshot, '--target', RESTORE_ROOT, '--delete', '--json'], snapshots.listing ? [below(data)] : [below(data), below(meta)]);
  return job(
    namespace,
    jobName('restore', claim),
    run,
    claim,
    {
      initContainers: snapshots.listing ? [restoreData, restic(run, ['restore', snapshots.listing, '--target', RESTORE_ROOT, '--include', `${META}/listing`, '--quiet'], [below(meta)], 'listing')] : [restoreData],
      containers: [shell(run, 'verify', verifyScript(), [{ ...data, readOnly: true }, meta])],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: claim } },
        { name: 'meta', emptyDir: {} },
      ],
    },
    2,
  );
}
