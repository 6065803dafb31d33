import { create } from 'zustand';

export type Screen = 'fleet' | 'metrics' | 'alerts' | 'jobs' | 'clusters';

export interface BrowsePath {
  context: string;
  namespace?: string;
  workload?: { kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job'; name: string };
}

/** A namespace or workload dropped onto another cluster: the migration dialog is open for it. */
export interface MigrationRequest {
  fromContext: string;
  toContext: string;
  namespace: string;
  /** just this workload and what it uses, not the whole namespace */
  workload?: { kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job'; name: string };
}

export interface PodRef {
  context: string;
  namespace: string;
  pod: string;
}

interface UiState {
  screen: Screen;
  clusterFilter: string;
  fleetSearch: string;
  /** the pod whose root-cause panel is open */
  selectedPod?: PodRef;
  /** the cluster the fleet view is narrowed to, and how far the user drilled into it */
  browse?: BrowsePath;
  /** the task open in the jobs center */
  selectedTask?: string;
  migration?: MigrationRequest;
  setScreen(screen: Screen): void;
  selectTask(id: string | undefined): void;
  setMigration(request: MigrationRequest | undefined): void;
  setClusterFilter(filter: string): void;
  setFleetSearch(search: string): void;
  selectPod(pod: PodRef | undefined): void;
  setBrowse(path: BrowsePath | undefined): void;
}

/** UI state only; server data lives in react-query. */
export const useUi = create<UiState>((set) => ({
  screen: 'fleet',
  clusterFilter: '',
  fleetSearch: '',
  setScreen: (screen) => set({ screen }),
  setClusterFilter: (clusterFilter) => set({ clusterFilter }),
  setFleetSearch: (fleetSearch) => set({ fleetSearch }),
  selectPod: (selectedPod) => set({ selectedPod }),
  setBrowse: (browse) => set({ browse }),
  selectTask: (selectedTask) => set({ selectedTask }),
  setMigration: (migration) => set({ migration }),
}));
