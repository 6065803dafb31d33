import { z } from 'zod';
import { gitopsActions } from '../gitops/actions.ts';
import { gitopsKinds, type GitOpsApp, type GitOpsKind } from '../gitops/status.ts';
import { defineService, type Event } from '../rpc.ts';

/** A kind that cannot be listed in a cluster, and why: not installed, forbidden. Not an error: shown quietly. */
export interface GitOpsNotice {
  cluster: string;
  kind: GitOpsKind;
  reason: string;
}

export interface GitOpsStatus {
  apps: GitOpsApp[];
  notices: GitOpsNotice[];
  /** the clusters read, and those that could not be read at all */
  answered: string[];
  errors: { cluster: string; message: string }[];
}

export interface ActResult {
  /** every object patched, and the merge patch sent */
  written: { kind: GitOpsKind; namespace: string; name: string; patch: Record<string, unknown> }[];
  /** whether the controller acted before the timeout */
  settled: boolean;
  requestedAt: string;
  message: string;
  app: GitOpsApp;
}

/** One object whose live state differs from what the workspace renders. */
export interface DriftItem {
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  /** missing: in Git, not in the cluster; changed: applying Git would change it; extra: carries the app's labels, not in Git */
  drift: 'missing' | 'changed' | 'extra';
  /** for changed: "path: live → desired" */
  diff?: string[];
}

const name = z.string().min(1).max(253);
export const statusInput = z.object({ contexts: z.array(name).max(100).optional() }).strict();
export const actInput = z
  .object({
    context: name,
    kind: z.enum(gitopsKinds.map((k) => k.kind) as [GitOpsKind, ...GitOpsKind[]]),
    namespace: name,
    name,
    action: z.enum(gitopsActions),
    prune: z.boolean().optional(),
    hard: z.boolean().optional(),
    withSource: z.boolean().optional(),
    timeoutSeconds: z.number().int('whole seconds').min(0).max(3600, 'at most 3600 seconds').optional(),
  })
  .strict();
export type ActInput = z.infer<typeof actInput>;
const absolutePath = z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'an absolute path');
/**
 * workspace: a folder opened in Fleetdeck (main refuses any other); allowRemote: let kustomize
 * fetch the overlay's remote resources and bases (rendering is offline otherwise)
 */
export const driftInput = z
  .object({
    context: name,
    workspace: absolutePath,
    overlay: z.string().max(4096).refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), 'a folder inside the workspace'),
    allowRemote: z.boolean().optional(),
  })
  .strict();
export type DriftInput = z.infer<typeof driftInput>;

export interface GitOpsService {
  status(input: z.infer<typeof statusInput>): Promise<GitOpsStatus>;
  act(input: ActInput): Promise<ActResult>;
  /** the workspace overlay rendered and compared with the cluster's live objects */
  drift(input: DriftInput): Promise<DriftItem[]>;
  /** applies the overlay's desired state (server-side apply); extra objects are left alone */
  selfHeal(input: DriftInput): Promise<{ applied: number; remaining: DriftItem[] }>;
  /** the clusters whose Argo CD or Flux objects changed (seen through watches, throttled): read the status again */
  onDidChange: Event<{ contexts: string[] }>;
}

export const gitopsContract = defineService<GitOpsService>({
  name: 'gitops',
  methods: { status: statusInput, act: actInput, drift: driftInput, selfHeal: driftInput },
  events: ['onDidChange'],
});
