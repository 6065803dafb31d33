import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** A stable id for a run: the same command against the same target resumes the same journal. */
export const runKey = (parts: unknown) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);

/**
 * What a long job has done so far, one JSON line per step, appended synchronously so that a killed
 * process loses at most the step it was doing (a restore records a write as pending before it sends it).
 */
export class Journal<Entry extends object> {
  /** what the earlier runs recorded; this run's steps only go to the file (a run visits each step once) */
  private readonly earlier = new Map<string, Entry>();
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
        const { key: stepKey, ...entry } = JSON.parse(line) as Entry & { key: string };
        this.earlier.set(stepKey, entry as unknown as Entry);
      } catch {
        // the last line of a killed run may be cut short; the step it recorded is redone
      }
    }
    this.fd = openSync(this.file, 'a', 0o600);
    // this run's first step goes on a line of its own, not onto a cut-short one
    if (text && !text.endsWith('\n')) writeSync(this.fd, '\n');
  }

  /** the last step an earlier run recorded under key */
  get(key: string): Entry | undefined {
    return this.earlier.get(key);
  }

  record(key: string, entry: Entry): void {
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
