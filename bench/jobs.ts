// Backup/restore budgets (issue 5), side by side on the lab:
//   backup of a 10,000-object namespace set ≥ 5× faster than the classic kubectl backup script
//   (`kubectl get <kind> -n <ns> -o yaml` per kind and namespace);
//   restore of the same set ≥ 2× faster than `kubectl apply --server-side -f <dir>`;
//   memory flat from 1,000 to 50,000 objects (max RSS ≤ 300 MB).
// It measures and prints; it does not assert. BENCH_JOBS_SIZES=1000,10000,50000 sets the sizes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clusterByContext, kubeconfigPath } from '../lab/config.ts';
import { LabApi } from '../lab/kube.ts';
import { ArchiveReader } from '../src/main/services/jobs/archive.ts';
import { rowPrinter } from './report.ts';

const root = path.resolve(import.meta.dirname, '..');
const sizes = (process.env.BENCH_JOBS_SIZES ?? '1000,10000,50000').split(',').map(Number);
const NAMESPACES = 10;
const SOURCE = 'aks-lab';
const TARGET = 'gke-lab';
const work = mkdtempSync(path.join(tmpdir(), 'fleetdeck-bench-jobs-'));
const env = { ...process.env, FLEETDECK_HOME: path.join(work, 'home') };
const kubectl = path.join(root, 'lab/bin/kubectl');
const log = (line: string) => console.error(`bench: ${line}`);
const row = rowPrinter(66, 12, 22);
const namespaces = (prefix: string) => Array.from({ length: NAMESPACES }, (_, i) => `${prefix}-${i}`);

/** A realistic mix per namespace: mostly ConfigMaps and Secrets, then Services and (scaled-to-zero) Deployments. */
function objectsFor(ns: string, count: number): object[] {
  const labels = { app: 'bench' };
  return Array.from({ length: count }, (_, i) => {
    const name = `obj-${i}`;
    switch (i % 10) {
      case 0:
        return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns, labels }, spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: `acmelab.azurecr.io/bench/${name}:1.0.0`, resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } } } };
      case 1:
        return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } };
      case 2:
      case 3:
        return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns, labels }, type: 'Opaque', data: { token: Buffer.from(`secret-${ns}-${i}`).toString('base64') } };
      default:
        return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { 'config.yaml': `name: ${name}\nreplicas: 3\nfeatures: [a, b, c]\n` } };
    }
  });
}

/** Creates the objects with kubectl apply --server-side from files (fast to seed, and the peer's own tool). */
function seed(context: string, prefix: string, total: number) {
  const dir = path.join(work, `seed-${prefix}`);
  mkdirSync(dir, { recursive: true });
  for (const ns of namespaces(prefix)) {
    const items = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, ...objectsFor(ns, Math.floor(total / NAMESPACES))];
    writeFileSync(path.join(dir, `${ns}.json`), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  }
  const result = spawnSync(kubectl, ['--kubeconfig', kubeconfigPath, '--context', context, 'apply', '--server-side', '-f', dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`seeding failed: ${result.stderr.slice(0, 500)}`);
}

async function removeNamespaces(context: string, prefix: string) {
  const api = new LabApi(clusterByContext(context));
  for (const ns of namespaces(prefix)) await api.request('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
  for (const ns of namespaces(prefix)) {
    while (await api.request('GET', `/api/v1/namespaces/${ns}`).then(() => true, () => false)) await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Runs the CLI as a user would (through its shebang, as npx does); max RSS from the kernel's accounting of the child. */
function fleetdeck(args: string[]): { seconds: number; maxRssMb: number; report: { state: string; counts: Record<string, number> } } {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', path.join(root, 'bin/fleetdeck.js'), ...args, '--kubeconfig', kubeconfigPath, '--output', 'json'], { encoding: 'utf8', env: { ...env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` }, maxBuffer: 1 << 30 });
  const seconds = (performance.now() - started) / 1000;
  const maxRssKb = Number(result.stderr.trim().split('\n').at(-1));
  if (result.status !== 0) throw new Error(`fleetdeck ${args[0]} failed (${result.status}): ${result.stderr.slice(-500)}`);
  const report = JSON.parse(result.stdout);
  return { seconds, maxRssMb: maxRssKb / 1024, report };
}

/** The classic backup script: one `kubectl get -o yaml` per namespaced kind and namespace. */
function kubectlBackup(prefix: string): number {
  const started = performance.now();
  const kinds = spawnSync(kubectl, ['--kubeconfig', kubeconfigPath, '--context', SOURCE, 'api-resources', '--namespaced', '--verbs=list', '-o', 'name'], { encoding: 'utf8' }).stdout.trim().split('\n');
  const out = path.join(work, `kubectl-backup-${prefix}`);
  for (const ns of namespaces(prefix)) {
    mkdirSync(path.join(out, ns), { recursive: true });
    for (const kind of kinds) {
      const result = spawnSync(kubectl, ['--kubeconfig', kubeconfigPath, '--context', SOURCE, 'get', kind, '-n', ns, '-o', 'yaml'], { encoding: 'utf8', maxBuffer: 1 << 30 });
      writeFileSync(path.join(out, ns, `${kind}.yaml`), result.stdout);
    }
  }
  return (performance.now() - started) / 1000;
}

/** The same objects as the archive holds, as files for kubectl, mapped to the peer's namespaces. */
async function exportForKubectl(archive: string, from: string, to: string): Promise<string> {
  const reader = await ArchiveReader.open(archive, { passphrase: 'bench' });
  const dir = path.join(work, `apply-${to}`);
  const order = ['Namespace', 'Secret', 'ConfigMap', 'Service', 'Deployment'];
  const buckets = new Map<string, object[]>(order.map((k) => [k, []]));
  for await (const { object } of reader.entries()) {
    const o = object as { kind: string; metadata: { name: string; namespace?: string } };
    if (!buckets.has(o.kind)) continue;
    if (o.metadata.namespace) o.metadata.namespace = o.metadata.namespace.replace(from, to);
    else o.metadata.name = o.metadata.name.replace(from, to);
    buckets.get(o.kind)!.push(o);
  }
  mkdirSync(dir, { recursive: true });
  // numbered files: kubectl applies a directory in name order, so dependencies keep their order
  order.forEach((kind, i) => writeFileSync(path.join(dir, `${i}-${kind}.json`), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: buckets.get(kind) })));
  return dir;
}

function kubectlRestore(dir: string): number {
  const started = performance.now();
  const result = spawnSync(kubectl, ['--kubeconfig', kubeconfigPath, '--context', TARGET, 'apply', '--server-side', '-f', dir], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`kubectl apply failed: ${result.stderr.slice(0, 300)}`);
  return (performance.now() - started) / 1000;
}

spawnSync(process.execPath, [path.join(root, 'lab/lab.ts'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
writeFileSync(path.join(work, 'passphrase'), 'bench\n');
row('measure', 'ours', 'peer / budget', 'ratio');
try {
  for (const size of sizes) {
    const prefix = `bench-jobs-${size}`;
    log(`seeding ${size} objects in ${NAMESPACES} namespaces of ${SOURCE}…`);
    seed(SOURCE, prefix, size);
    const archive = path.join(work, `${prefix}.tar.gz`);
    const nsArgs = namespaces(prefix).flatMap((ns) => ['--namespace', ns]);
    const backup = fleetdeck(['backup', '--context', SOURCE, ...nsArgs, '--out', archive, '--passphrase-file', path.join(work, 'passphrase')]);
    row(`backup, ${size} objects: time`, `${backup.seconds.toFixed(1)} s`);
    row(`backup, ${size} objects: max RSS`, `${backup.maxRssMb.toFixed(0)} MB`, '300 MB', (backup.maxRssMb / 300).toFixed(2));
    const mapArgs = namespaces(prefix).flatMap((ns) => ['--namespace-map', `${ns}=${ns.replace(prefix, `${prefix}-ours`)}`]);
    const restore = fleetdeck(['restore', '--context', TARGET, '--from', archive, '--passphrase-file', path.join(work, 'passphrase'), ...mapArgs, '--verify-timeout', '0']);
    row(`restore, ${size} objects (${restore.report.state}): time`, `${restore.seconds.toFixed(1)} s`, '', `${Math.round(size / restore.seconds)} objects/s`);
    row(`restore, ${size} objects: max RSS`, `${restore.maxRssMb.toFixed(0)} MB`, '300 MB', (restore.maxRssMb / 300).toFixed(2));
    if (size === 10_000) {
      log('running the kubectl peers on the same set…');
      const peerBackup = kubectlBackup(prefix);
      row(`backup, ${size} objects vs kubectl get -o yaml per kind and namespace`, `${backup.seconds.toFixed(1)} s`, `${peerBackup.toFixed(1)} s (≥ 5× faster)`, `${(peerBackup / backup.seconds).toFixed(1)}×`);
      const dir = await exportForKubectl(archive, prefix, `${prefix}-kubectl`);
      const peerRestore = kubectlRestore(dir);
      row(`restore, ${size} objects vs kubectl apply --server-side -f dir`, `${restore.seconds.toFixed(1)} s`, `${peerRestore.toFixed(1)} s (≥ 2× faster)`, `${(peerRestore / restore.seconds).toFixed(1)}×`);
      await removeNamespaces(TARGET, `${prefix}-kubectl`);
    }
    await removeNamespaces(TARGET, `${prefix}-ours`);
    await removeNamespaces(SOURCE, prefix);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
