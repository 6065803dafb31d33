// The security audit (issue 22) of 3 clusters × 5,000 pods, beside listing the same objects with
// `kubectl get <the audited kinds> -A -o json` (goal: the audit adds ≤ 10 % to the listing), per
// cluster and for the fleet at once (three kubectl processes side by side). Runs alternate, so that
// both see the same moments of the lab's load; medians of three. It measures and prints; it does
// not assert. BENCH_PODS scales the pods per cluster.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clusters, kubeconfigPath } from '../lab/config.ts';
import { KubeconfigStore } from '../src/main/kube/kubeconfig-store.ts';
import { KubeSecurityService } from '../src/main/services/security/security-service.ts';
import { auditedCollections } from '../src/shared/security/model.ts';
import { PODS, scaleLab, unscaleLab } from './bench-pods.ts';
import { median, rowPrinter } from './report.ts';

const root = path.resolve(import.meta.dirname, '..');
const NS = 'audit-bench';
const GOAL = 1.1;
const kinds = Object.values(auditedCollections).map((c) => (c.group ? `${c.resource}.${c.group}` : c.resource)).join(',');
const security = new KubeSecurityService({ store: new KubeconfigStore([kubeconfigPath]), dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-bench-audit-')) });
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

async function ours(names: string[]): Promise<{ seconds: number; findings: number }> {
  const started = performance.now();
  const result = await security.audit({ contexts: names });
  if (result.errors.length) throw new Error(`audit failed: ${result.errors.map((e) => `${e.context}: ${e.message}`).join('; ')}`);
  return { seconds: (performance.now() - started) / 1000, findings: result.findings.length };
}

await scaleLab(NS);
const row = rowPrinter(66, 10, 24);
try {
  row('measure', 'audit', 'kubectl get -A -o json', 'ratio');
  for (const names of [...contexts.map((c) => [c]), contexts]) {
    const runs: { ours: number; peer: number; findings: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const audit = await ours(names);
      runs.push({ ours: audit.seconds, findings: audit.findings, peer: await kubectl(names) });
    }
    const [a, p] = [median(runs.map((r) => r.ours)), median(runs.map((r) => r.peer))];
    const label = names.length === 1 ? `${names[0]}, ${PODS.toLocaleString('en')} bench pods` : `the fleet (${names.length} clusters at once)`;
    row(`${label}: ${runs[0].findings} findings`, `${a.toFixed(2)} s`, `${p.toFixed(2)} s (≤ ${GOAL}×)`, `${(a / p).toFixed(2)}× ${a / p <= GOAL ? 'goal met' : 'goal NOT met'}`);
  }
} finally {
  await unscaleLab(NS);
}
