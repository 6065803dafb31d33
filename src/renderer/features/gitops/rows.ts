import type { StatusTone } from '../../ui/Badge.tsx';
import type { GitOpsApp } from '../../../shared/gitops/status.ts';

/** One row of the table, and what the detail panel is opened by. */
export const keyOf = (a: Pick<GitOpsApp, 'context' | 'kind' | 'namespace' | 'name'>) => `${a.context}/${a.kind}/${a.namespace}/${a.name}`;

/** The colour of a sync or health word, or of a managed resource's status. */
export const toneOf = (value: string): StatusTone =>
  /^(Synced|Ready|Healthy|Current)$/.test(value) ? 'ok' : /^(OutOfSync|NotReady|Degraded|Failed|Missing)$/.test(value) ? 'failed' : /^(Suspended)$/.test(value) ? 'idle' : 'pending';
