import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { labDir, webhookPort, type LabCluster } from './config.ts';
import { pki } from './pki.ts';

export const rulePack = path.resolve(labDir, '../resources/alert-rules/fleetdeck.rules.yaml');
/** The lab waits this long, not the mixin's minutes, before an alert fires. */
const labFor = 30;

const seconds = (duration: string) => {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[unit as 'ms']!;
  return total;
};

/** The project's rule pack with lab-short `for` durations. */
export function labRules(): string {
  const pack = parse(readFileSync(rulePack, 'utf8')) as { groups: { rules: { alert?: string; for?: string }[] }[] };
  for (const group of pack.groups) for (const rule of group.rules) if (rule.for && seconds(rule.for) > labFor) rule.for = `${labFor}s`;
  return stringify(pack);
}

export function writeMonitoringConfig(cluster: LabCluster): { prometheus: string; alertmanager: string } {
  const dir = path.join(cluster.dir, 'monitoring');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'rules.yaml'), labRules());
  const local = (port: number) => [`127.0.0.1:${port}`];
  const prometheus = {
    global: { scrape_interval: '10s', evaluation_interval: '10s', external_labels: { cluster: cluster.context } },
    storage: { tsdb: { out_of_order_time_window: '31d' } },
    rule_files: [path.join(dir, 'rules.yaml')],
    alerting: { alertmanagers: [{ static_configs: [{ targets: local(cluster.ports.alertmanager) }] }] },
    scrape_configs: [
      { job_name: 'prometheus', static_configs: [{ targets: local(cluster.ports.prometheus) }] },
      {
        job_name: 'apiserver',
        scheme: 'https',
        tls_config: { ca_file: pki('ca.crt'), cert_file: pki('admin.crt'), key_file: pki('admin.key') },
        static_configs: [{ targets: local(cluster.ports.apiserver) }],
      },
      { job_name: 'kube-state-metrics', honor_labels: true, static_configs: [{ targets: local(cluster.ports.ksm) }] },
      // node-sim plays the kubelets' cAdvisor and volume-stats endpoints
      { job_name: 'kubelet', honor_labels: true, static_configs: [{ targets: local(cluster.ports.nodeSim) }] },
    ],
  };
  const hook = (receiver: string) => ({ name: receiver, webhook_configs: [{ url: `http://127.0.0.1:${webhookPort}/${cluster.context}/${receiver}`, send_resolved: true }] });
  const alertmanager = {
    route: {
      receiver: 'default',
      group_by: ['alertname', 'namespace'],
      group_wait: '5s',
      group_interval: '15s',
      repeat_interval: '1h',
      routes: [
        { matchers: ['team="platform"'], receiver: 'platform' },
        { matchers: ['team="apps"'], receiver: 'apps' },
      ],
    },
    inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', 'namespace'] }],
    receivers: [hook('default'), hook('platform'), hook('apps')],
  };
  const files = { prometheus: path.join(dir, 'prometheus.yml'), alertmanager: path.join(dir, 'alertmanager.yml') };
  writeFileSync(files.prometheus, stringify(prometheus));
  writeFileSync(files.alertmanager, stringify(alertmanager));
  return files;
}
