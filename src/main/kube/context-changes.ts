import { Emitter } from '../../shared/emitter.ts';

/**
 * Gathers the contexts whose data changed and announces them together: a lone change at once
 * (on the next turn of the event loop), a storm of changes at most once per interval.
 */
export class ContextChanges {
  private readonly changed = new Emitter<{ contexts: string[] }>();
  readonly event = this.changed.event;
  private readonly pending = new Set<string>();
  private timer?: ReturnType<typeof setTimeout>;
  private lastFired = 0;
  private readonly intervalMs: number;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  add(...contexts: string[]): void {
    for (const context of contexts) this.pending.add(context);
    this.timer ??= setTimeout(
      () => {
        this.timer = undefined;
        this.lastFired = Date.now();
        const contexts = [...this.pending];
        this.pending.clear();
        this.changed.fire({ contexts });
      },
      Math.max(0, this.lastFired + this.intervalMs - Date.now()),
    );
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
