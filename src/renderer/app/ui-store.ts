import { create } from 'zustand';

export type Screen = 'fleet' | 'clusters';

interface UiState {
  screen: Screen;
  clusterFilter: string;
  fleetSearch: string;
  /** context/namespace/pod of the problem whose root cause is open */
  selectedProblem?: string;
  /** the cluster the fleet view is narrowed to */
  clusterFocus?: string;
  setScreen(screen: Screen): void;
  setClusterFilter(filter: string): void;
  setFleetSearch(search: string): void;
  selectProblem(key: string | undefined): void;
  setClusterFocus(context: string | undefined): void;
}

/** UI state only; server data lives in react-query. */
export const useUi = create<UiState>((set) => ({
  screen: 'fleet',
  clusterFilter: '',
  fleetSearch: '',
  setScreen: (screen) => set({ screen }),
  setClusterFilter: (clusterFilter) => set({ clusterFilter }),
  setFleetSearch: (fleetSearch) => set({ fleetSearch }),
  selectProblem: (selectedProblem) => set({ selectedProblem }),
  setClusterFocus: (clusterFocus) => set({ clusterFocus }),
}));
