import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ObjectResult } from '../../../shared/migration/report.ts';

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
  files?: number;
  bytes?: number;
  seconds?: number;
  verified?: boolean;
  mismatches?: number;
}

/** A stable id for a run: the same command against the same target resumes the same journal. */
export const runKey = (parts: unknown) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);

/**
 * What a restore has written so far, one JSON line per step, appended synchronously so that a
 * killed process loses at most the answer it was waiting for (recorded as pending before the write).
 */
export class Journal {
  /** what the earlier runs recorded; this run's steps only go to the file (a run visits each object once) */
  private readonly earlier = new Map<string, JournalEntry>();
  private readonly fd: number;
  readonly file: string;
  /** the journal held steps from an earlier, interrupted run */
  readonly resumed: boolean;

  constructor(dir: string, key: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, `${key}.jsonl`);
    this.resumed = existsSync(this.file);
    const text = this.resumed ? readFileSync(this.file, 'utf8') : '';
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const { key: objectKey, ...entry } = JSON.parse(line) as JournalEntry & { key: string };
        this.earlier.set(objectKey, entry);
      } catch {
        // the last line of a killed run may be cut short; the step it recorded is redone
      }
    }
    this.fd = openSync(this.file, 'a', 0o600);
    // this run's first step goes on a line of its own, not onto a cut-short one
    if (text && !text.endsWith('\n')) writeSync(this.fd, '\n');
  }

  /** the last step an earlier run recorded for the object */
  get(key: string): JournalEntry | undefined {
    return this.earlier.get(key);
  }

  record(key: string, entry: JournalEntry): void {
    writeSync(this.fd, `${JSON.stringify({ key, ...entry })}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The run finished: a later identical command starts afresh. */
  discard(): void {
    this.close();
    rmSync(this.file, { force: true });
  }
}
