// Copy throughput measured by earlier runs, kept in the data dir, for the plan's estimates.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Throughput } from './claims.ts';

type Totals = Record<'backup' | 'restore', { bytes: number; seconds: number }>;

/** Copies shorter than this say more about start-up than about throughput. */
const MIN_SECONDS = 1;

export class ThroughputStore {
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, 'jobs', 'volume-throughput.json');
  }

  private totals(): Totals {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Totals;
    } catch {
      // none measured yet, or a file cut short: the estimate is "unknown" until the next copy
      return { backup: { bytes: 0, seconds: 0 }, restore: { bytes: 0, seconds: 0 } };
    }
  }

  read(): Throughput {
    const totals = this.totals();
    const rate = (t: { bytes: number; seconds: number } | undefined) => (t && t.seconds > 0 && t.bytes > 0 ? t.bytes / t.seconds : undefined);
    const backup = rate(totals.backup);
    const restore = rate(totals.restore);
    return { ...(backup ? { backup } : {}), ...(restore ? { restore } : {}) };
  }

  record(kind: 'backup' | 'restore', bytes: number, seconds: number): void {
    if (seconds < MIN_SECONDS || bytes <= 0) return;
    const totals = this.totals();
    totals[kind] = { bytes: (totals[kind]?.bytes ?? 0) + bytes, seconds: (totals[kind]?.seconds ?? 0) + seconds };
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(totals), { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
  }
}
