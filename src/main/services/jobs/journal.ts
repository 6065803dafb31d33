import type { ObjectResult } from '../../../shared/migration/report.ts';
import { Journal as StepJournal } from '../../base/journal.ts';

export { runKey } from '../../base/journal.ts';

export interface JournalEntry {
  /** pending: the write was sent and its answer never recorded (the process died or the server went away) */
  result: ObjectResult | 'pending';
  reason?: string;
  /** a volume step (volumes/engine.ts): the replicas a workload had before it was stopped, a claim's snapshot, its restore and verification */
  volume?: VolumeStep;
}

export interface VolumeStep {
  replicas?: number;
  snapshot?: string;
  listing?: string;
  /** the claim a restore filled: its namespace on the target and its uid (a claim made anew has another) */
  targetNamespace?: string;
  claimUid?: string;
  files?: number;
  bytes?: number;
  seconds?: number;
  verified?: boolean;
  mismatches?: number;
}

/** What a restore or a volume copy has done so far: a step per object or volume. */
export class Journal extends StepJournal<JournalEntry> {}
