import type { ReactNode } from 'react';
import type { Cloud } from '../../shared/cloud.ts';

export type StatusTone = 'ok' | 'failed' | 'pending' | 'idle';

/** A state with its coloured dot: live, failed, connecting…, not checked. */
export function StatusBadge({ tone, title, children }: { tone: StatusTone; title?: string; children: ReactNode }) {
  return (
    <span className={`status ${tone}`} title={title}>
      {children}
    </span>
  );
}

/** Which cloud a cluster runs on. */
export function CloudBadge({ cloud }: { cloud: Cloud }) {
  return <span className={`cloud-badge ${cloud}`}>{cloud.toUpperCase()}</span>;
}

/** An alert's severity label (critical, warning, info); none shows a dash. */
export function SeverityBadge({ severity }: { severity?: string }) {
  return <span className={`sev sev-${severity ?? 'none'}`}>{severity ?? '–'}</span>;
}
