import { create } from 'zustand';
import type { WorkloadKind } from '../../shared/kube-object.ts';
import type { AlertGrouping, AlertState } from '../../shared/monitoring/alerts.ts';

export type Screen = 'fleet' | 'metrics' | 'alerts' | 'gitops' | 'security' | 'jobs' | 'clusters' | 'workspace';

export type WorkspacePanel = 'problems' | 'render' | 'compare' | 'git';

export interface BrowsePath {
  context: string;
  namespace?: string;
  workload?: { kind: WorkloadKind; name: string };
}

/** The migration dialog is open: for a namespace or workload dropped onto another cluster, or with empty fields from the jobs center. */
export interface MigrationRequest {
  fromContext: string;
  toContext: string;
  namespace: string;
  /** just this workload and what it uses, not the whole namespace */
  workload?: { kind: WorkloadKind; name: string };
}

export interface PodRef {
  context: string;
  namespace: string;
  pod: string;
}

/** How the alert list is filtered and grouped: kept while the user looks at a pod and comes back. */
export interface AlertView {
  filter: string;
  states: AlertState[];
  groupBy: AlertGrouping;
}

interface UiState {
  screen: Screen;
  alertView: AlertView;
  setAlertView(change: Partial<AlertView>): void;
  clusterFilter: string;
  fleetSearch: string;
  /** the pod whose root-cause panel is open */
  selectedPod?: PodRef;
  /** the cluster the fleet view is narrowed to, and how far the user drilled into it */
  browse?: BrowsePath;
  /** the task open in the jobs center */
  selectedTask?: string;
  migration?: MigrationRequest;
  /** the folder the user asked to open; undefined: the last one, else the sample */
  workspacePath?: string;
  /** the file open in the manifest editor, and a line to show */
  openFile?: { path: string; line?: number; nonce: number };
  workspacePanel: WorkspacePanel;
  setWorkspacePath(path: string | undefined): void;
  openWorkspaceFile(path: string | undefined, line?: number): void;
  setWorkspacePanel(panel: WorkspacePanel): void;
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
  alertView: { filter: '', states: ['active', 'silenced', 'suppressed'], groupBy: 'alertname' },
  setAlertView: (change) => set((state) => ({ alertView: { ...state.alertView, ...change } })),
  clusterFilter: '',
  fleetSearch: '',
  workspacePanel: 'problems',
  setWorkspacePath: (workspacePath) => set({ workspacePath, openFile: undefined }),
  openWorkspaceFile: (path, line) => set({ openFile: path ? { path, line, nonce: Date.now() } : undefined }),
  setWorkspacePanel: (workspacePanel) => set({ workspacePanel }),
  setScreen: (screen) => set({ screen }),
  setClusterFilter: (clusterFilter) => set({ clusterFilter }),
  setFleetSearch: (fleetSearch) => set({ fleetSearch }),
  selectPod: (selectedPod) => set({ selectedPod }),
  setBrowse: (browse) => set({ browse }),
  selectTask: (selectedTask) => set({ selectedTask }),
  setMigration: (migration) => set({ migration }),
}));
