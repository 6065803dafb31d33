import type { ReactNode } from 'react';

/**
 * The top line of a screen: its title (the heading the screen's section is labelled by, `id`),
 * a muted summary, and the screen's controls at the right.
 */
export function ScreenHeader({ id, title, summary, children }: { id: string; title: string; summary?: ReactNode; children?: ReactNode }) {
  return (
    <header className="screen-header">
      <h1 id={id}>{title}</h1>
      {summary !== undefined && <span className="muted">{summary}</span>}
      <div className="spacer" />
      {children}
    </header>
  );
}
