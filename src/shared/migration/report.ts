// The result of a backup, restore or migration, as the CLI prints it and the jobs center shows it.
import type { HistoryReport } from '../monitoring/history.ts';
import type { ClassChoice } from './class-choice.ts';
import type { TransformRecord } from './transforms.ts';

export const objectResults = ['created', 'updated', 'unchanged', 'skipped', 'failed'] as const;
export type ObjectResult = (typeof objectResults)[number];
export type RunState = 'Completed' | 'PartiallyFailed' | 'Failed';

export interface ReportItem {
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  result: ObjectResult;
  reason?: string;
  /** dry-run and update: what would change / changed on the target (Secret values masked) */
  diff?: string;
}

/** A pre-flight check on the target: errors refuse the run, warnings are shown. */
export interface PreflightFinding {
  severity: 'error' | 'warning';
  check: 'api-version' | 'crd' | 'scope' | 'storage-class' | 'ingress-class' | 'load-balancer' | 'node-port' | 'admission-webhook' | 'quota' | 'namespace';
  message: string;
}

export interface VerificationItem {
  kind: string;
  namespace?: string;
  name: string;
  ok: boolean;
  detail: string;
}

/** A volume mover Job of a dry run, checked by a server-side dry-run create where it would run. */
export interface MoverItem {
  cluster: string;
  role: 'backup' | 'restore';
  namespace: string;
  name: string;
  claim: string;
  validated: boolean;
  reason: string;
  manifest: Record<string, unknown>;
}

/** One claim of a migration, before it runs: what moves, how long it may take, how long its writers stop. */
export interface VolumePlanItem {
  namespace: string;
  claim: string;
  targetNamespace: string;
  /** spec.resources.requests.storage, as written */
  requested?: string;
  /** kubelet_volume_stats_used_bytes from the source's Prometheus */
  usedBytes: number | 'unknown';
  accessModes: string[];
  /** Kind/name of the workloads that mount it */
  workloads: string[];
  storageClass?: string;
  targetStorageClass?: string;
  /** none: the claim is recreated empty on the target */
  mover: 'restic' | 'none';
  /** backup and restore, from the throughput earlier runs measured */
  estimatedSeconds: number | 'unknown';
  /** how long its writers are stopped (the backup's part of the estimate); 0 when copied live */
  downtimeSeconds: number | 'unknown';
  /** copied while its writers run (--volumes-live): crash-consistent at best */
  live: boolean;
  /** why a writer cannot be stopped (a DaemonSet, a CronJob), so the copy is live for it */
  notes?: string[];
}

export type VolumeState = 'restored' | 'backed-up' | 'failed' | 'empty' | 'planned';

/** One claim's data as the run left it. */
export interface VolumeResult {
  namespace: string;
  claim: string;
  targetNamespace: string;
  /** regular files and their bytes in the source volume (from its listing) */
  bytes: number;
  files: number;
  /** backup and restore */
  seconds: number;
  state: VolumeState;
  /** every file, folder and symlink of the source found identical on the target (sha256, mode, target) */
  verified: boolean;
  mismatches: number;
  /** the first few mismatches, named */
  mismatched?: string[];
  snapshot?: string;
  /** copied while its writers ran: crash-consistent at best */
  crashConsistent?: true;
  /** done by an earlier run of the same command (the journal) */
  resumed?: true;
  reason?: string;
  /** a failed mover's last log lines (repository credentials removed) */
  logTail?: string;
}

export interface JobReport {
  state: RunState;
  dryRun?: boolean;
  counts: Record<ObjectResult, number>;
  items: ReportItem[];
  transforms: TransformRecord[];
  preflight?: PreflightFinding[];
  /** what each storage class, ingress class and internal load balancer of the objects becomes on the target, and why */
  classes?: ClassChoice[];
  verification?: VerificationItem[];
  movers?: MoverItem[];
  /** the claims of a migration, as planned (dry run) */
  volumePlan?: VolumePlanItem[];
  volumes?: VolumeResult[];
  /** objects a failed volume copy left on the clusters for a look (Jobs, Secrets), as cluster: Kind namespace/name */
  leftovers?: string[];
  /** a migration's metrics history: the plan (dry run), or the copy and its verification */
  metrics?: HistoryReport;
  /** why the run failed as a whole (refused, cancelled, target gone) */
  error?: string;
  /** the archive carried no signature (nothing shows who wrote it or that it is unchanged): restored only because the user allowed it */
  unsigned?: true;
}

export function countResults(items: ReportItem[]): Record<ObjectResult, number> {
  const counts = Object.fromEntries(objectResults.map((r) => [r, 0])) as Record<ObjectResult, number>;
  for (const item of items) counts[item.result]++;
  return counts;
}

/** Completed when nothing failed; PartiallyFailed when some objects failed; Failed when the run itself failed or every object did. */
export function runState(counts: Record<ObjectResult, number>, error?: string): RunState {
  const succeeded = counts.created + counts.updated + counts.unchanged + counts.skipped;
  if (error) return 'Failed';
  if (counts.failed === 0) return 'Completed';
  return succeeded > 0 ? 'PartiallyFailed' : 'Failed';
}

/** A run whose objects all went through is PartiallyFailed when a volume failed or does not match its source. */
export function withVolumes(state: RunState, volumes: VolumeResult[] | undefined): RunState {
  if (state !== 'Completed') return state;
  return volumes?.some((v) => v.state === 'failed' || v.mismatches > 0) ? 'PartiallyFailed' : state;
}

/** A run whose objects all went through is PartiallyFailed when its metrics history did not arrive whole. */
export function withMetrics(state: RunState, metrics: HistoryReport | undefined): RunState {
  if (state !== 'Completed' || !metrics) return state;
  return metrics.state === 'Completed' ? state : 'PartiallyFailed';
}

export const exitCodeFor = (state: RunState) => (state === 'Completed' ? 0 : state === 'PartiallyFailed' ? 2 : 1);
