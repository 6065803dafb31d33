import { lazy, Suspense, useEffect, useRef } from 'react';
import { useClusters } from '../data/shared-queries.ts';
import { useUi, type Screen } from './ui-store.ts';

// each screen is its own chunk, loaded when first shown: the first screen paints without
// waiting for the editor (CodeMirror) or the charts (recharts) of the others
const FleetScreen = lazy(() => import('../features/fleet/FleetScreen.tsx').then((m) => ({ default: m.FleetScreen })));
const MetricsScreen = lazy(() => import('../features/metrics/MetricsScreen.tsx').then((m) => ({ default: m.MetricsScreen })));
const AlertsScreen = lazy(() => import('../features/alerts/AlertsScreen.tsx').then((m) => ({ default: m.AlertsScreen })));
const GitOpsScreen = lazy(() => import('../features/gitops/GitOpsScreen.tsx').then((m) => ({ default: m.GitOpsScreen })));
const SecurityScreen = lazy(() => import('../features/security/SecurityScreen.tsx').then((m) => ({ default: m.SecurityScreen })));
const JobsScreen = lazy(() => import('../features/jobs/JobsScreen.tsx').then((m) => ({ default: m.JobsScreen })));
const ClustersScreen = lazy(() => import('../features/clusters/ClustersScreen.tsx').then((m) => ({ default: m.ClustersScreen })));
const WorkspaceScreen = lazy(() => import('../features/workspace/WorkspaceScreen.tsx').then((m) => ({ default: m.WorkspaceScreen })));
const MigrationDialog = lazy(() => import('../features/jobs/MigrationDialog.tsx').then((m) => ({ default: m.MigrationDialog })));

const screens: { id: Screen; label: string }[] = [
  { id: 'fleet', label: 'Fleet' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'alerts', label: 'Alerts' },
  { id: 'gitops', label: 'GitOps' },
  { id: 'security', label: 'Security' },
  { id: 'jobs', label: 'Jobs' },
  { id: 'workspace', label: 'Workspace' },
  { id: 'clusters', label: 'Clusters' },
];

export function App() {
  const screen = useUi((s) => s.screen);
  const setScreen = useUi((s) => s.setScreen);
  const migration = useUi((s) => s.migration);
  const setMigration = useUi((s) => s.setMigration);
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
        <Suspense fallback={<p className="muted">Loading…</p>}>
          {screen === 'fleet' && <FleetScreen />}
          {screen === 'metrics' && <MetricsScreen />}
          {screen === 'alerts' && <AlertsScreen />}
          {screen === 'gitops' && <GitOpsScreen />}
          {screen === 'security' && <SecurityScreen />}
          {screen === 'jobs' && <JobsScreen />}
          {screen === 'clusters' && <ClustersScreen />}
          {screen === 'workspace' && <WorkspaceScreen />}
        </Suspense>
      </main>
      {migration && (
        <Suspense fallback={null}>
          <MigrationDialog request={migration} onClose={() => setMigration(undefined)} />
        </Suspense>
      )}
    </div>
  );
}
