import { ClustersScreen } from '../features/clusters/ClustersScreen.tsx';
import { FleetScreen } from '../features/fleet/FleetScreen.tsx';
import { useUi, type Screen } from './ui-store.ts';

const screens: { id: Screen; label: string }[] = [
  { id: 'fleet', label: 'Fleet' },
  { id: 'clusters', label: 'Clusters' },
];

export function App() {
  const { screen, setScreen } = useUi();
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
        {screen === 'clusters' && <ClustersScreen />}
      </main>
    </div>
  );
}
