import { useEffect, type RefObject } from 'react';

/** Focuses `target` when `key` is pressed anywhere outside a text field (as "/" focuses a search box). */
export function useFocusKey(target: RefObject<HTMLElement | null>, key: string): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLElement && (e.target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.target.tagName));
      if (e.key !== key || typing) return;
      e.preventDefault();
      target.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [target, key]);
}
