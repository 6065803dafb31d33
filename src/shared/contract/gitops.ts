import { z } from 'zod';
import { gitopsActions } from '../gitops/actions.ts';
import { gitopsKinds, type GitOpsApp, type GitOpsKind } from '../gitops/status.ts';
import { defineService } from '../rpc.ts';

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
    timeoutSeconds: z.number().int().min(0).max(3600).optional(),
  })
  .strict();
export type ActInput = z.infer<typeof actInput>;

export interface GitOpsService {
  status(input: z.infer<typeof statusInput>): Promise<GitOpsStatus>;
  act(input: ActInput): Promise<ActResult>;
}

export const gitopsContract = defineService<GitOpsService>({
  name: 'gitops',
  methods: { status: statusInput, act: actInput },
  events: [],
});
