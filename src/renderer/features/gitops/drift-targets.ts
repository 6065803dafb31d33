import { create } from 'zustand';
import { persist } from 'zustand/middleware';

interface DriftTargetsState {
  /** workspace root + NUL + overlay → the context it was last checked against */
  targets: Record<string, string>;
  remember(root: string, overlay: string, context: string): void;
}

export const driftTargetKey = (root: string, overlay: string) => `${root}\0${overlay}`;

/** Which cluster each overlay is compared with, kept across restarts once chosen. */
export const useDriftTargets = create<DriftTargetsState>()(
  persist(
    (set) => ({
      targets: {},
      remember: (root, overlay, context) => set((s) => ({ targets: { ...s.targets, [driftTargetKey(root, overlay)]: context } })),
    }),
    { name: 'fleetdeck-drift-targets' },
  ),
);
