// The result of a backup, restore or migration, as the CLI prints it and the jobs center shows it.
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
  check: 'api-version' | 'crd' | 'scope' | 'storage-class' | 'node-port' | 'admission-webhook' | 'quota' | 'namespace';
  message: string;
}

export interface VerificationItem {
  kind: string;
  namespace?: string;
  name: string;
  ok: boolean;
  detail: string;
}

/** A generated volume-data mover Job, checked by server-side dry-run (never started by Fleetdeck). */
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

export interface JobReport {
  state: RunState;
  dryRun?: boolean;
  counts: Record<ObjectResult, number>;
  items: ReportItem[];
  transforms: TransformRecord[];
  preflight?: PreflightFinding[];
  verification?: VerificationItem[];
  movers?: MoverItem[];
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

export const exitCodeFor = (state: RunState) => (state === 'Completed' ? 0 : state === 'PartiallyFailed' ? 2 : 1);
