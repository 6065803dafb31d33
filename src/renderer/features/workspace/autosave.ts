import { FleetdeckError, messageOf } from '../../../shared/errors.ts';

export type SaveState = { state: 'loading' } | { state: 'saved' } | { state: 'unsaved' } | { state: 'saving' } | { state: 'failed'; message: string; conflict: boolean };

export const AUTOSAVE_MS = 400;

export interface AutosaveTarget {
  /** writes the text over `version` (undefined: over whatever is on disk); resolves to the version written */
  write(text: string, version: string | undefined): Promise<string>;
  /** the save state, until close() */
  onState(state: SaveState): void;
  /** a write reached the disk (also after close(): the draft it saved can go) */
  onSaved(text: string): void;
}

/**
 * The autosave of one open file: an edit is written once typing has paused for `delayMs`, one
 * write at a time, each over the version the last one left, so that a file changed on disk since
 * is refused (a conflict the user resolves) and never silently overwritten.
 */
export class Autosave {
  private version?: string;
  private pending?: string;
  private timer?: ReturnType<typeof setTimeout>;
  private saving = false;
  private closed = false;
  private readonly target: AutosaveTarget;
  private readonly delayMs: number;

  constructor(target: AutosaveTarget, delayMs = AUTOSAVE_MS) {
    this.target = target;
    this.delayMs = delayMs;
  }

  /** the file as read from disk: the next write goes over this version */
  opened(version: string): void {
    this.version = version;
  }

  edit(text: string): void {
    this.pending = text;
    this.report({ state: 'unsaved' });
    this.schedule();
  }

  /** writes what is pending now (Ctrl+S, leaving the file) */
  flush(): void {
    clearTimeout(this.timer);
    this.run();
  }

  /** writes `text` over whatever is on disk: the user chose to keep theirs after a conflict */
  overwrite(text: string): void {
    void this.write(text, true);
  }

  /** the file was read again and shown as it is on disk: nothing is pending */
  reloaded(version: string): void {
    clearTimeout(this.timer);
    this.pending = undefined;
    this.version = version;
    this.report({ state: 'saved' });
  }

  /** the file is left: what was typed is still written, but no state is reported any more */
  close(): void {
    this.closed = true;
    this.flush();
  }

  private report(state: SaveState): void {
    if (!this.closed) this.target.onState(state);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), this.delayMs);
  }

  private run(): void {
    if (this.saving || this.pending === undefined) return;
    const text = this.pending;
    this.pending = undefined;
    void this.write(text);
  }

  private async write(text: string, overwrite = false): Promise<void> {
    this.saving = true;
    this.report({ state: 'saving' });
    try {
      this.version = await this.target.write(text, overwrite ? undefined : this.version);
      this.report(this.pending === undefined ? { state: 'saved' } : { state: 'unsaved' });
      this.target.onSaved(text);
    } catch (error) {
      this.report({ state: 'failed', message: messageOf(error), conflict: error instanceof FleetdeckError && error.code === 'conflict' });
    } finally {
      this.saving = false;
      if (this.pending !== undefined && !this.closed) this.schedule();
    }
  }
}
