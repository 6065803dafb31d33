import { useState } from 'react';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { ClusterDot } from '../../ui/ClusterDot.tsx';
import { ScreenHeader } from '../../ui/ScreenHeader.tsx';
import { AlertList } from './AlertList.tsx';
import { useAlerts } from './queries.ts';
import { RoutingView } from './RoutingView.tsx';
import { RulePack } from './RulePack.tsx';
import { SilenceList } from './SilenceList.tsx';

type Tab = 'alerts' | 'silences' | 'routing' | 'rules';

/** Every Alertmanager's alerts merged, their silences, routing and the rule pack. */
export function AlertsScreen() {
  const alerts = useAlerts();
  const [tab, setTab] = useState<Tab>('alerts');
  const clusters = [...new Set([...(alerts.data?.answered ?? []), ...(alerts.data?.errors.map((e) => e.cluster) ?? [])])].sort();
  const active = alerts.data?.alerts.filter((a) => a.state === 'active').length ?? 0;
  return (
    <section className="screen alerts" aria-labelledby="alerts-title">
      <ScreenHeader id="alerts-title" title="Alerts" summary={alerts.data ? `${active} active of ${alerts.data.alerts.length} from ${alerts.data.answered.length} Alertmanagers` : 'asking every Alertmanager…'}>
        <div className="segmented" role="tablist" aria-label="Alert views">
          {(['alerts', 'silences', 'routing', 'rules'] as const).map((t) => (
            <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
              {{ alerts: 'Alerts', silences: 'Silences', routing: 'Routing', rules: 'Rule pack' }[t]}
            </button>
          ))}
        </div>
      </ScreenHeader>
      <ErrorBanner error={alerts.error} />
      {alerts.data?.errors.map((e) => <ErrorBanner key={e.cluster} error={e} about={<><ClusterDot context={e.cluster} /> {e.cluster}</>} />)}
      {tab === 'alerts' && <AlertList alerts={alerts.data?.alerts ?? []} clusters={clusters} loading={alerts.isPending} />}
      {tab === 'silences' && <SilenceList />}
      {tab === 'routing' && <RoutingView alerts={alerts.data?.alerts ?? []} />}
      {tab === 'rules' && <RulePack clusters={clusters} />}
    </section>
  );
}
