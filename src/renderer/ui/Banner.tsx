import type { ReactNode } from 'react';
import { messageOf } from '../../shared/errors.ts';

export type BannerTone = 'error' | 'warning' | 'info' | 'ok';

/**
 * A message above or inside a screen. An error is announced at once (role alert); the other
 * tones are polite (role status).
 */
export function Banner({ tone, small, actions, children }: { tone: BannerTone; small?: boolean; actions?: ReactNode; children: ReactNode }) {
  return (
    <div className={`banner ${tone}${small ? ' small' : ''}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
      {actions && <span className="banner-actions">{actions}</span>}
    </div>
  );
}

/** The code a failure carries from main (FleetdeckError, a per-cluster error), if it has one. */
function codeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A failure: its code (what kind of failure, as main classified it) and its message, with what it
 * concerns (a cluster, a file) before them. Renders nothing for no error, so `error={query.error}` reads plainly.
 */
export function ErrorBanner({ error, about, small, actions }: { error: unknown; about?: ReactNode; small?: boolean; actions?: ReactNode }) {
  if (error === undefined || error === null || error === '') return null;
  const code = codeOf(error);
  return (
    <Banner tone="error" small={small} actions={actions}>
      {about && <>{about}: </>}
      {code && <span className="banner-code">{code}</span>}
      {messageOf(error)}
    </Banner>
  );
}
