// What a copy of Prometheus history reports, for the CLI, a migration's report and the app.
import type { RunState } from '../migration/report.ts';

export interface TargetProblem {
  /** what is missing, with the value found */
  problem: string;
  /** what to set on a Prometheus run by hand, and on one run by prometheus-operator */
  prometheus: string;
  operator: string;
}

/** Whether the target Prometheus can take the copied history. */
export interface TargetReadiness {
  receiver: boolean;
  outOfOrderWindowSeconds: number;
  /** undefined: no time limit */
  retentionSeconds?: number;
  problems: TargetProblem[];
}

export interface HistoryReport {
  state: RunState;
  dryRun?: boolean;
  /** series selected on the source */
  series: number;
  /** samples copied, by this run and earlier runs of the same copy (a dry run copies none) */
  samples: number;
  /** a dry run's estimate: the samples of the selected series' chunks in the range (a chunk reaching past it counts whole; a series two selectors match, twice) */
  estimatedSamples?: number;
  seconds: number;
  range: { start: string; end: string };
  target: TargetReadiness;
  /** samples not copied because the target already held that series from then on: its own samples win */
  skipped: { series: number; samples: number };
  /** staleness markers written: the source's, and one at the end of the range for each series still going there that the target does not go on with */
  staleMarkers: number;
  verification?: { series: number; samplesMatched: number; mismatches: string[] };
  /** a migration's: the namespaces whose series were carried, as the target names them */
  namespaces?: string[];
  /** days an earlier run of the same copy had done */
  resumedDays?: number;
  /** series written again because they read back short (summed over the rounds): the target had lost samples it accepted */
  rewrittenSeries?: number;
  error?: string;
}

/** The selector of the series of these namespaces (kube-state-metrics, cAdvisor and the workloads' own). */
export function namespacesSelector(namespaces: string[]): string {
  // namespace names are DNS labels: no character of theirs means anything in a regular expression
  return `{namespace=~"${namespaces.join('|')}"}`;
}
