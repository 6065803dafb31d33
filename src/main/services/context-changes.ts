import { Emitter } from '../../shared/emitter.ts';

/** Gathers the contexts whose data changed and announces them together, at most once per interval. */
export class ContextChanges {
  private readonly changed = new Emitter<{ contexts: string[] }>();
  readonly event = this.changed.event;
  private readonly pending = new Set<string>();
  private timer?: ReturnType<typeof setTimeout>;
  private readonly intervalMs: number;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  add(...contexts: string[]): void {
    for (const context of contexts) this.pending.add(context);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const contexts = [...this.pending];
      this.pending.clear();
      this.changed.fire({ contexts });
    }, this.intervalMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
