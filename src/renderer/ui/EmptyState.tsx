import type { ReactNode } from 'react';

/** What a list or pane says when it has nothing to show, or while its first answer comes. */
export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
