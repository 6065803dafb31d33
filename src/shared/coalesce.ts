/**
 * Runs `run` at once when triggered; triggers that come while it runs are gathered into one more
 * run when it ends, at least minGapMs after the previous one started. A storm of triggers costs
 * as many runs as there is time for, never a queue of them.
 */
export function coalesce(run: () => Promise<unknown>, minGapMs: number): { trigger(): void; stop(): void } {
  let running = false;
  let again = false;
  let stopped = false;
  const start = async () => {
    running = true;
    again = false;
    const started = Date.now();
    try {
      await run();
    } catch {
      // the caller's run reports its own failures; the next trigger tries again
    }
    await new Promise((resolve) => setTimeout(resolve, started + minGapMs - Date.now()));
    running = false;
    if (again && !stopped) void start();
  };
  return {
    trigger() {
      if (stopped) return;
      if (running) again = true;
      else void start();
    },
    stop() {
      stopped = true;
    },
  };
}
