// Reads and writes of workspace files check a path, then open it. Git can turn a folder on that
// path into a symlink in between (a branch where `d` is a link to /etc): the open would then
// follow it out of the folder the user opened. Git operations therefore run alone, while file
// operations, which never create a symlink, run side by side.

type Waiter = { exclusive: boolean; start: () => void };

/** Many holders in shared mode, or one in exclusive mode; granted in the order asked (no starvation). */
export class WorkTreeLock {
  /** holders in shared mode, or -1 while held exclusively */
  private holders = 0;
  private readonly waiting: Waiter[] = [];

  /** Runs `task` beside other shared tasks, never during an exclusive one. Not re-entrant. */
  shared<T>(task: () => Promise<T>): Promise<T> {
    return this.run(false, task);
  }

  /** Runs `task` alone. Not re-entrant. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.run(true, task);
  }

  private async run<T>(exclusive: boolean, task: () => Promise<T>): Promise<T> {
    if (!this.waiting.length && this.fits(exclusive)) this.take(exclusive);
    else await new Promise<void>((start) => this.waiting.push({ exclusive, start }));
    try {
      return await task();
    } finally {
      this.holders = this.holders < 0 ? 0 : this.holders - 1;
      while (this.waiting.length && this.fits(this.waiting[0].exclusive)) {
        const next = this.waiting.shift()!;
        this.take(next.exclusive);
        next.start();
      }
    }
  }

  private fits(exclusive: boolean): boolean {
    return exclusive ? this.holders === 0 : this.holders >= 0;
  }

  private take(exclusive: boolean): void {
    this.holders = exclusive ? -1 : this.holders + 1;
  }
}
