// The security audit (issue 22) of 3 clusters × 5,000 pods, beside listing the same objects with
// `kubectl get <the audited kinds> -A -o json` (goal: the audit adds ≤ 10 % to the listing), per
// cluster and for the fleet at once (three kubectl processes side by side): as the app runs it,
// pods and namespaces from the fleet's caches (started and synced before the clock), and as the
// CLI runs it, everything listed. Runs alternate, so that all see the same moments of the lab's
// load; medians of three. Then the checks alone (no API) on collections a tenant may make large
// (test/audit-sizes.ts), which a quadratic check turned into seconds of the app's main process.
// It measures and prints; it does not assert. BENCH_PODS scales the pods per cluster.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clusters, kubeconfigPath } from '../lab/config.ts';
import { KubeconfigStore } from '../src/main/kube/kubeconfig-store.ts';
import { KubeFleetService } from '../src/main/services/fleet/fleet-service.ts';
import { KubeSecurityService } from '../src/main/services/security/security-service.ts';
import { auditCluster } from '../src/shared/security/audit.ts';
import { auditedCollections, type ClusterObjects } from '../src/shared/security/model.ts';
import { sizeCases } from '../test/audit-sizes.ts';
import { PODS, scaleLab, unscaleLab } from './bench-pods.ts';
import { median, rowPrinter } from './report.ts';

const root = path.resolve(import.meta.dirname, '..');
const NS = 'audit-bench';
const GOAL = 1.1;
const kinds = Object.values(auditedCollections).map((c) => (c.group ? `${c.resource}.${c.group}` : c.resource)).join(',');
const store = new KubeconfigStore([kubeconfigPath]);
const dataDir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-bench-audit-'));
const fleet = new KubeFleetService({ store });
const auditors = {
  'from the caches (app)': new KubeSecurityService({ store, dataDir, cached: (context) => fleet.cached(context, ['pods', 'namespaces']) }),
  'listed (CLI)': new KubeSecurityService({ store, dataDir }),
};
const contexts = clusters.map((c) => c.context);

/** Seconds for `kubectl get` of every audited kind in each context, run side by side. */
function kubectl(names: string[]): Promise<number> {
  const started = performance.now();
  return Promise.all(
    names.map(
      (context) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(path.join(root, 'lab/bin/kubectl'), ['--kubeconfig', kubeconfigPath, '--context', context, 'get', kinds, '-A', '-o', 'json'], { stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl failed: ${stderr}`))));
        }),
    ),
  ).then(() => (performance.now() - started) / 1000);
}

async function ours(security: KubeSecurityService, names: string[]): Promise<{ seconds: number; findings: number }> {
  const started = performance.now();
  const result = await security.audit({ contexts: names });
  if (result.errors.length) throw new Error(`audit failed: ${result.errors.map((e) => `${e.context}: ${e.message}`).join('; ')}`);
  return { seconds: (performance.now() - started) / 1000, findings: result.findings.length };
}

await scaleLab(NS);
const row = rowPrinter(78, 10, 24);
try {
  await fleet.synced(300_000);
  const unsynced = (await fleet.summaries()).filter((s) => s.state !== 'synced');
  if (unsynced.length) throw new Error(`the fleet's caches did not sync: ${unsynced.map((s) => s.context).join(', ')}`);
  row('measure', 'audit', 'kubectl get -A -o json', 'ratio');
  for (const names of [...contexts.map((c) => [c]), contexts]) {
    const runs: { ours: Record<string, { seconds: number; findings: number }>; peer: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const audits: Record<string, { seconds: number; findings: number }> = {};
      for (const [how, security] of Object.entries(auditors)) audits[how] = await ours(security, names);
      runs.push({ ours: audits, peer: await kubectl(names) });
    }
    const p = median(runs.map((r) => r.peer));
    const label = names.length === 1 ? `${names[0]}, ${PODS.toLocaleString('en')} bench pods` : `the fleet (${names.length} clusters at once)`;
    for (const how of Object.keys(auditors)) {
      const a = median(runs.map((r) => r.ours[how].seconds));
      row(`${label}, ${how}: ${runs[0].ours[how].findings} findings`, `${a.toFixed(2)} s`, `${p.toFixed(2)} s (≤ ${GOAL}×)`, `${(a / p).toFixed(2)}× ${a / p <= GOAL ? 'goal met' : 'goal NOT met'}`);
    }
  }
} finally {
  fleet.dispose();
  await unscaleLab(NS);
}

const empty: ClusterObjects = { context: 'bench', cloud: 'eks', namespaces: [], pods: [], serviceAccounts: [], networkPolicies: [], clusterRoles: [], roles: [], clusterRoleBindings: [], roleBindings: [], storageClasses: [], ingresses: [], services: [] };
const caseLabels: Record<keyof typeof sizeCases, string> = {
  batchPods: '40,000 finished pods in one namespace (was 12.6 s)',
  bigRoleBindings: 'a Role of 20,000 rules bound 20,000 times (was 32 s)',
  tenantPolicies: '2,000 namespaces beside 100,000 policies (was 2.6 s)',
  unmatchedPolicies: '20,000 policies selecting none of 2,000 pods (was 4.4 s)',
};
console.log();
row('checks alone on what a tenant may make large', 'audit', '', '');
for (const [name, build] of Object.entries(sizeCases) as [keyof typeof sizeCases, () => Partial<ClusterObjects>][]) {
  const objects = { ...empty, ...build() };
  const runs = [0, 1, 2].map(() => {
    const started = performance.now();
    auditCluster(objects);
    return (performance.now() - started) / 1000;
  });
  row(caseLabels[name], `${median(runs).toFixed(2)} s`, '', '');
}
