import { z } from 'zod';
import { defineService } from '../rpc.ts';
import type { Finding } from '../security/model.ts';

/** What changed since the last earlier day a cluster was audited. */
export interface AuditChanges {
  /** that day (YYYY-MM-DD, UTC) */
  since: string;
  /** the contexts both audits cover: only their findings are compared */
  contexts: string[];
  appeared: Finding[];
  resolved: Finding[];
}

export interface AuditResult {
  findings: Finding[];
  /** against the last earlier day with an audit of these clusters; none before the first such day */
  changes?: AuditChanges;
  /** the contexts audited whole */
  answered: string[];
  /** a context that could not be read (unreachable, expired credentials…): no finding of it is shown */
  errors: { context: string; message: string }[];
}

const name = z.string().min(1).max(253);
export const auditInput = z.object({ contexts: z.array(name).max(100).optional() }).strict();

export interface SecurityService {
  /** RBAC, network policies, workloads and encryption of each context's cluster, read live */
  audit(input: z.infer<typeof auditInput>): Promise<AuditResult>;
}

export const securityContract = defineService<SecurityService>({ name: 'security', methods: { audit: auditInput }, events: [] });
