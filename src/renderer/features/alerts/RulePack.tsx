import { useState } from 'react';
import { Banner, ErrorBanner } from '../../ui/Banner.tsx';
import { useDeployRulePack } from './queries.ts';

/** Deploys the PrometheusRule of the rule pack: a dry run first, then the real apply. */
export function RulePack({ clusters }: { clusters: string[] }) {
  const deploy = useDeployRulePack();
  const [context, setContext] = useState('');
  const [namespace, setNamespace] = useState('monitoring');
  const plan = deploy.data?.dryRun ? deploy.data : undefined;
  return (
    <div className="panel pad">
      <p className="small">
        The Fleetdeck rule pack (kubernetes-mixin alerts for pod errors in every namespace, nodes and resource usage, each with a runbook) as a prometheus-operator <code>PrometheusRule</code>. Without the operator, load{' '}
        <code>resources/alert-rules/fleetdeck.rules.yaml</code> into Prometheus&apos;s <code>rule_files</code>.
      </p>
      <div className="toolbar">
        <select aria-label="Cluster for the rule pack" value={context} onChange={(e) => (setContext(e.target.value), deploy.reset())}>
          <option value="">Choose a cluster…</option>
          {clusters.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
        <input className="filter" aria-label="Namespace for the rule pack" value={namespace} onChange={(e) => (setNamespace(e.target.value), deploy.reset())} />
        <button disabled={!context || deploy.isPending} onClick={() => deploy.mutate({ context, namespace, dryRun: true })}>
          Dry run
        </button>
        <button className="primary" disabled={!plan || plan.context !== context || deploy.isPending} onClick={() => deploy.mutate({ context, namespace, dryRun: false })}>
          Apply
        </button>
      </div>
      <ErrorBanner error={deploy.error} />
      {deploy.data && (
        <Banner tone={deploy.data.dryRun ? 'warning' : 'ok'}>
          {deploy.data.dryRun ? 'Dry run: would be' : 'Done:'} {deploy.data.result} — PrometheusRule {deploy.data.namespace}/{deploy.data.name} on {deploy.data.context} with {deploy.data.rules.length} rules
        </Banner>
      )}
    </div>
  );
}
