import { AlertsScreen } from '../features/alerts/AlertsScreen.tsx';
import { ClustersScreen } from '../features/clusters/ClustersScreen.tsx';
import { FleetScreen } from '../features/fleet/FleetScreen.tsx';
import { JobsScreen } from '../features/jobs/JobsScreen.tsx';
import { MigrationDialog } from '../features/jobs/MigrationDialog.tsx';
import { MetricsScreen } from '../features/metrics/MetricsScreen.tsx';
import { WorkspaceScreen } from '../features/workspace/WorkspaceScreen.tsx';
import { GitOpsScreen } from '../features/gitops/GitOpsScreen.tsx';
import { useClusters } from '../features/clusters/queries.ts';
import { useEffect, useRef } from 'react';
import { useUi, type Screen } from './ui-store.ts';

const screens: { id: Screen; label: string }[] = [
  { id: 'fleet', label: 'Fleet' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'alerts', label: 'Alerts' },
  { id: 'gitops', label: 'GitOps' },
  { id: 'jobs', label: 'Jobs' },
  { id: 'workspace', label: 'Workspace' },
  { id: 'clusters', label: 'Clusters' },
];

export function App() {
  const { screen, setScreen, migration, setMigration } = useUi();
  const clusters = useClusters();
  const chose = useRef(false);
  // with no cluster configured, the offline workspace (the sample) is what there is to open
  useEffect(() => {
    if (chose.current || !clusters.data) return;
    chose.current = true;
    if (clusters.data.clusters.length === 0 && useUi.getState().screen === 'fleet') setScreen('workspace');
  }, [clusters.data, setScreen]);
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" aria-hidden>◆</span> Fleetdeck
        </div>
        {screens.map((s) => (
          <button key={s.id} className={s.id === screen ? 'nav-item active' : 'nav-item'} aria-current={s.id === screen ? 'page' : undefined} onClick={() => setScreen(s.id)}>
            {s.label}
          </button>
        ))}
      </nav>
      <main className="content">
        {screen === 'fleet' && <FleetScreen />}
        {screen === 'metrics' && <MetricsScreen />}
        {screen === 'alerts' && <AlertsScreen />}
        {screen === 'gitops' && <GitOpsScreen />}
        {screen === 'jobs' && <JobsScreen />}
        {screen === 'clusters' && <ClustersScreen />}
        {screen === 'workspace' && <WorkspaceScreen />}
      </main>
      {migration && <MigrationDialog request={migration} onClose={() => setMigration(undefined)} />}
    </div>
  );
}
