import { z } from 'zod';
import { defineService } from '../rpc.ts';
import type { Finding } from '../security/model.ts';

export interface AuditResult {
  findings: Finding[];
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
