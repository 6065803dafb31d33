import { z } from 'zod';
import type { Cloud } from '../cloud.ts';
import type { PodProblem } from '../fleet/pod-problems.ts';
import { workloadKinds, type WorkloadKind } from '../kube-object.ts';
import { defineService, type Event } from '../rpc.ts';

export type CacheState = 'connecting' | 'synced' | 'reconnecting' | 'failed';

export interface ClusterSummary {
  context: string;
  cloud: Cloud;
  state: CacheState;
  /** why the cluster is reconnecting or failed, or which lists are forbidden */
  error?: string;
  forbidden: string[];
  version?: string;
  nodes: { ready: number; total: number };
  pods: { running: number; pending: number; succeeded: number; failed: number; unknown: number };
  problemPods: number;
  namespaces: number;
  cpu: { requestedMillis: number; allocatableMillis: number };
  memory: { requestedBytes: number; allocatableBytes: number };
}

/** A broken pod as the fleet view lists it: the classification plus where it is and what to do. */
export interface PodProblemRow extends Omit<PodProblem, 'lastTermination'> {
  context: string;
  cloud: Cloud;
  namespace: string;
  pod: string;
  node?: string;
  hint: string;
  owner?: string;
}

export interface KubeEventRow {
  type: string;
  reason: string;
  message: string;
  count: number;
  lastSeen?: string;
  object: string;
}

/** One level of the drill-down: cluster → namespace → workload → pod. */
export interface BrowseItem {
  kind: 'Namespace' | WorkloadKind | 'Pod';
  context: string;
  namespace?: string;
  name: string;
  /** e.g. "3/3 ready", "Running", "12 pods" */
  status: string;
  problems: number;
}

export type PodActionId = 'delete-pod' | 'restart-workload';

/** An action offered on a broken pod; shown disabled with the reason when RBAC denies it. */
export interface PodAction {
  id: PodActionId;
  label: string;
  allowed: boolean;
  reason?: string;
}

export interface RootCause {
  problem?: PodProblemRow;
  lastTermination?: { container: string; reason?: string; exitCode?: number; finishedAt?: string };
  ownerChain: { kind: string; name: string }[];
  events: KubeEventRow[];
  /** why the events may be incomplete: still being listed, forbidden, reconnecting */
  eventsNote?: string;
  node?: { name: string; ready?: string; conditions: { type: string; status: string; reason?: string; message?: string }[] };
  logs: { available: true; container: string; text: string } | { available: false; reason: string };
  steps: string[];
  actions: PodAction[];
}

export const podRef = z.object({ context: z.string().min(1), namespace: z.string().min(1), pod: z.string().min(1) }).strict();
export const browseInput = z
  .object({ context: z.string().min(1), namespace: z.string().min(1).optional(), workload: z.object({ kind: z.enum(workloadKinds), name: z.string().min(1) }).strict().optional() })
  .strict();
export const searchInput = z.object({ query: z.string().min(1).max(200), limit: z.number().int().min(1).max(1000).optional() }).strict();
export const problemsInput = z
  .object({
    context: z.string().min(1).optional(),
    namespace: z.string().min(1).optional(),
    /** matched against cluster, namespace, pod, reason, node and owner */
    query: z.string().max(200).optional(),
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

/** A window of the fleet's problem rows (in compareProblems order): the table fetches what it shows. */
export interface ProblemsPage {
  /** rows matching the filter, in all */
  total: number;
  offset: number;
  rows: PodProblemRow[];
  /** the version of the fleet's problem list the window was cut from: a delta `from` it applies */
  version: number;
}

/**
 * How the fleet's problem list changed from one version to the next. A changed row is in both
 * lists, since its place in the order may change too.
 */
export interface ProblemDelta {
  from: number;
  to: number;
  /** rows that appeared or changed, as they are now */
  upserted: PodProblemRow[];
  /** rows that went or changed, as they were */
  removed: PodProblemRow[];
  /** more rows changed than an event carries (both lists are then empty): pages of version `from` are fetched again */
  omitted?: true;
}

/** Clusters whose data changed; with `problems`, the problem list's delta alone (the pages are patched, nothing else changed). */
export interface FleetChange {
  contexts: string[];
  problems?: ProblemDelta;
}

export const podActionInput = podRef.extend({ action: z.enum(['delete-pod', 'restart-workload']) }).strict();

export interface FleetService {
  summaries(input?: void): Promise<ClusterSummary[]>;
  problems(input: z.infer<typeof problemsInput>): Promise<ProblemsPage>;
  rootCause(input: z.infer<typeof podRef>): Promise<RootCause>;
  /** the namespaces of a cluster, the workloads of a namespace, or the pods of a workload */
  browse(input: z.infer<typeof browseInput>): Promise<BrowseItem[]>;
  /** namespaces, workloads and pods of every cluster whose name contains the query */
  search(input: z.infer<typeof searchInput>): Promise<BrowseItem[]>;
  /** runs an action of the root-cause panel; RBAC denials read "forbidden: <verb> <resource> in <namespace>" */
  runAction(input: z.infer<typeof podActionInput>): Promise<{ message: string }>;
  /**
   * the clusters whose data changed (throttled): refetch what you show of them; or a delta of the
   * problem list, sent as soon as a new version of it is known, to apply to the pages shown
   */
  onDidChange: Event<FleetChange>;
}

export const fleetContract = defineService<FleetService>({
  name: 'fleet',
  methods: { summaries: z.void(), problems: problemsInput, rootCause: podRef, runAction: podActionInput, browse: browseInput, search: searchInput },
  events: ['onDidChange'],
});
