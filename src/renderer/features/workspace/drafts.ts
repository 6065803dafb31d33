import { create } from 'zustand';
import { persist } from 'zustand/middleware';

interface DraftsState {
  /** workspace root + NUL + file path → text typed but not yet confirmed written */
  drafts: Record<string, string>;
  edited(key: string, text: string): void;
  /** the write of `text` succeeded: the draft goes, unless it was edited again meanwhile */
  saved(key: string, text: string): void;
}

/** Unsaved edits, kept in the browser's storage so a reload or a renderer crash does not lose them. */
export const useDrafts = create<DraftsState>()(
  persist(
    (set) => ({
      drafts: {},
      edited: (key, text) => set((s) => ({ drafts: { ...s.drafts, [key]: text } })),
      saved: (key, text) =>
        set((s) => {
          if (s.drafts[key] !== text) return s;
          const { [key]: _saved, ...rest } = s.drafts;
          return { drafts: rest };
        }),
    }),
    { name: 'fleetdeck-drafts' },
  ),
);
