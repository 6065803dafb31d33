import { create } from 'zustand';

export type Screen = 'clusters';

interface UiState {
  screen: Screen;
  clusterFilter: string;
  setScreen(screen: Screen): void;
  setClusterFilter(filter: string): void;
}

/** UI state only; server data lives in react-query. */
export const useUi = create<UiState>((set) => ({
  screen: 'clusters',
  clusterFilter: '',
  setScreen: (screen) => set({ screen }),
  setClusterFilter: (clusterFilter) => set({ clusterFilter }),
}));
