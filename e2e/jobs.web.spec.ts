import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { clusterByContext, urls } from '../lab/config.ts';
import { LabApi } from '../lab/kube.ts';
import { moverRepositoryEnvPath } from '../lab/object-store.ts';
import { ArchiveWriter } from '../src/main/services/jobs/archive.ts';
import { startPrometheus } from '../test/prometheus.ts';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

// Drag a namespace from aks-lab onto eks-lab: plan (server-side dry run), migrate, verify; all in the window.
const ns = `dnd-${Date.now().toString(36)}`;
const aks = new LabApi(clusterByContext('aks-lab'));
const eks = new LabApi(clusterByContext('eks-lab'));
let shell: RunningShell;

test.beforeAll(async () => {
  const labels = { app: 'shop-web' };
  await aks.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await aks.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { color: 'blue' } });
  await aks.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'acmelab.azurecr.io/shop/web:1.0.0' }] } } } });
  await aks.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } });
  await aks.apply({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: ns }, spec: { ingressClassName: 'webapprouting.kubernetes.azure.com', rules: [{ host: 'web.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } });
  shell = await startWebShell(['--kubeconfig', path.join(root, 'lab/.state/kubeconfig')]);
});
test.afterAll(async () => {
  await shell.stop();
  for (const api of [aks, eks]) for (const name of [ns, `${ns}-data`, `${ns}-vol`, `${ns}-hist`]) await api.request('DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
});

/** Opens the fleet view, drags the namespace from aks-lab's drill-down onto eks-lab's card; the migration dialog that opens. */
async function dragNamespace(page: Page, namespace: string) {
  await page.goto(shell.url);
  await page.locator('.card[data-context="aks-lab"]').click();
  const browse = page.getByRole('navigation', { name: 'Drill down' });
  const source = browse.getByRole('button', { name: new RegExp(`Namespace\\s*${namespace}`) });
  await expect(source).toBeVisible({ timeout: 30_000 });
  const dialog = page.getByRole('dialog', { name: `Migrate ${namespace} from aks-lab to eks-lab` });
  // the live list may shift under the pointer between finding the row and pressing on it (a namespace
  // appearing above it): a dialog for another namespace is closed and the drag made again, as a user would
  await expect(async () => {
    await source.dragTo(page.locator('.card[data-context="eks-lab"]'));
    const opened = page.getByRole('dialog');
    await expect(opened).toBeVisible({ timeout: 5_000 });
    if (await dialog.isVisible()) return;
    await page.keyboard.press('Escape');
    throw new Error('the drag opened the migration of another namespace');
  }).toPass({ timeout: 60_000 });
  return dialog;
}

test('drag a namespace onto another cluster: plan, migrate and verify in the window', async ({ page }) => {
  test.setTimeout(240_000);
  const dialog = await dragNamespace(page, ns);
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('AKS → EKS');
  await expect(dialog.getByLabel('Ingress class webapprouting.kubernetes.azure.com on the target')).toHaveValue('alb', { timeout: 30_000 });
  await dialog.getByLabel('Registry mapping').fill('acmelab.azurecr.io=123456789012.dkr.ecr.eu-west-1.amazonaws.com');
  await dialog.getByRole('button', { name: 'Plan (dry run)' }).click();
  await expect(dialog.getByRole('group', { name: 'Results' })).toContainText('would be created', { timeout: 90_000 });
  const transforms = dialog.getByRole('region', { name: 'Transforms' });
  await expect(transforms).toContainText('spec.ingressClassName');
  await expect(transforms).toContainText('123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.0.0');
  await expect(eks.request('GET', `/api/v1/namespaces/${ns}`)).rejects.toThrow();
  await page.screenshot({ path: path.join(screenshotDir, 'migration-plan.png'), fullPage: true });

  await dialog.getByRole('button', { name: 'Migrate', exact: true }).click();
  await expect(dialog.getByRole('region', { name: 'Verification' })).toContainText(/Deployment \S+\/web/, { timeout: 150_000 });
  await expect(dialog.locator('.task-progress .status').first()).toHaveText('Completed');
  await page.screenshot({ path: path.join(screenshotDir, 'migration-done.png'), fullPage: true });
  const ingress = await eks.request<{ spec: { ingressClassName: string } }>('GET', `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/web`);
  expect(ingress.spec.ingressClassName).toBe('alb');

  await dialog.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Jobs' }).click();
  const tasks = page.getByRole('list', { name: 'Tasks' });
  await expect(tasks).toContainText(`Migrate ${ns} from aks-lab to eks-lab`);
  await expect(tasks).toContainText(`Plan migration ${ns} from aks-lab to eks-lab`);
  await tasks.getByText(`Migrate ${ns} from aks-lab to eks-lab`).click();
  await page.getByRole('group', { name: 'Results' }).getByRole('button', { name: /created/ }).click();
  await expect(page.getByRole('list', { name: 'Object results' })).toContainText('ConfigMap');
  await page.screenshot({ path: path.join(screenshotDir, 'jobs-center.png'), fullPage: true });
});

test("the migration dialog shows one row per class in use, chosen among the target's real classes, and the plan follows the user's pick", async ({ page }) => {
  test.setTimeout(180_000);
  const data = `${ns}-data`;
  const claim = (name: string, storageClassName: string, accessModes: string[]) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: data }, spec: { accessModes, storageClassName, resources: { requests: { storage: '1Gi' } } } });
  await aks.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: data } });
  await aks.apply(claim('db', 'managed-premium', ['ReadWriteOnce']));
  await aks.apply(claim('files', 'azurefile-csi', ['ReadWriteMany']));
  await aks.apply({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: data }, spec: { ingressClassName: 'webapprouting.kubernetes.azure.com', defaultBackend: { service: { name: 'web', port: { number: 80 } } } } });
  await aks.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'internal', namespace: data, annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] } });

  await page.goto(shell.url);
  await page.getByRole('button', { name: 'Jobs' }).click();
  await page.getByRole('button', { name: 'Migrate…' }).click();
  const migrate = page.getByRole('dialog', { name: /^Migrate / });
  await migrate.getByLabel('Source cluster').selectOption('aks-lab');
  await migrate.getByLabel('Namespace to migrate').fill(data);
  await migrate.getByLabel('Target cluster').selectOption('eks-lab');
  const rows = migrate.getByRole('group', { name: 'Classes on the target' });
  const premium = rows.getByLabel('Storage class managed-premium on the target');
  await expect(premium).toHaveValue('gp3', { timeout: 30_000 });
  // eks-lab's own classes only: none of the profile's classes it lacks (io2, efs-sc)
  await expect(premium.locator('option')).toHaveText(['gp2 (standard block, default)', 'gp3 (standard block) · automatic']);
  // a row holds its class's choice
  const rowOf = (label: string) => rows.locator('.class-row', { has: page.getByLabel(label) });
  const premiumRow = rowOf('Storage class managed-premium on the target');
  await expect(premiumRow).toContainText('premium block · 1 object');
  await expect(premiumRow).toContainText('downgrade: premium → standard');
  const files = rows.getByLabel('Storage class azurefile-csi on the target');
  await expect(files).toHaveValue('gp2');
  await expect(rowOf('Storage class azurefile-csi on the target')).toContainText('claims that ask for ReadWriteMany will not bind');
  await expect(rows.getByLabel('Ingress class webapprouting.kubernetes.azure.com on the target')).toHaveValue('alb');
  await expect(rows).toContainText('the target serves no IngressClass');
  await expect(rows.getByLabel('Internal load balancer service.beta.kubernetes.io/azure-load-balancer-internal: true on the target')).toHaveText(
    'service.beta.kubernetes.io/aws-load-balancer-scheme: internal, service.beta.kubernetes.io/aws-load-balancer-type: nlb',
  );
  await page.screenshot({ path: path.join(screenshotDir, 'migration-class-rows.png'), fullPage: true });

  await premium.selectOption('gp2');
  await expect(premiumRow).toContainText('chosen by you');
  // claims in use: their data is copied unless the user leaves it; with no repository saved, the plan waits for one
  await expect(migrate.getByLabel('Volume data')).toHaveValue('copy');
  await expect(migrate.getByRole('group', { name: 'New restic repository' })).toBeVisible();
  await expect(migrate.getByRole('button', { name: 'Plan (dry run)' })).toBeDisabled();
  await migrate.getByLabel('Volume data').selectOption('empty');
  await migrate.getByRole('button', { name: 'Plan (dry run)' }).click();
  await expect(migrate.getByRole('group', { name: 'Results' })).toContainText('would be created', { timeout: 90_000 });
  const classes = migrate.getByRole('region', { name: 'Classes' });
  await expect(classes).toContainText(/storage-class managed-premium → gp2 chosen by the user · downgrade premium → standard/);
  await expect(classes).toContainText(/storage-class azurefile-csi → gp2/);
  await expect(migrate.getByRole('region', { name: 'Pre-flight' })).toContainText('becomes gp2 (standard) on eks-lab: a downgrade from premium to standard');
  await expect(migrate.getByRole('region', { name: 'Transforms' })).toContainText('managed-premium');
  await page.screenshot({ path: path.join(screenshotDir, 'migration-class-plan.png'), fullPage: true });
  await page.keyboard.press('Escape');
  await expect(eks.request('GET', `/api/v1/namespaces/${data}`)).rejects.toThrow();
});

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('drag a namespace with a volume onto another cluster: the data is copied with progress, verified, and the writers run again', async ({ page }) => {
  test.setTimeout(420_000);
  const vol = `${ns}-vol`;
  const labels = { app: 'db' };
  await aks.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: vol } });
  await aks.apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: vol }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'managed-csi', resources: { requests: { storage: '2Gi' } } } });
  await aks.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'db', namespace: vol }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'db', image: 'postgres:16.4', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] } } } });
  // written as the database would: a large file (big enough for the copy to be seen moving), small ones, a symlink
  const source = await aks.volumeDir(vol, 'data', 60_000);
  const large = Buffer.alloc(300 * 2 ** 20);
  for (let i = 0; i < large.length; i += 4096) large.writeUInt32LE((i * 2654435761) >>> 0, i);
  writeFileSync(path.join(source, 'base.bin'), large);
  mkdirSync(path.join(source, 'pg_wal'), { recursive: true });
  for (let i = 0; i < 200; i++) writeFileSync(path.join(source, 'pg_wal', `segment ${i}.log`), `wal ${i}\n`.repeat(i + 1));
  symlinkSync('pg_wal/segment 7.log', path.join(source, 'latest'));
  // the plan reads the bytes used from the cluster's Prometheus (the lab's node-sim reports the directory's real usage)
  const usage = `${urls(clusterByContext('aks-lab')).prometheus}/api/v1/query?query=${encodeURIComponent(`kubelet_volume_stats_used_bytes{namespace="${vol}",persistentvolumeclaim="data"}`)}`;
  type Vector = { data: { result: { value: [number, string] }[] } };
  await expect.poll(async () => Number(((await (await fetch(usage)).json()) as Vector).data.result[0]?.value[1] ?? 0), { timeout: 60_000, message: 'the lab Prometheus scraped the volume' }).toBeGreaterThan(300 * 2 ** 20);

  const dialog = await dragNamespace(page, vol);
  await expect(dialog.getByLabel('Storage class managed-csi on the target')).toHaveValue('gp3', { timeout: 30_000 });

  // the claims' data is copied by default; the repository is added once and kept in the vault
  await expect(dialog.getByLabel('Volume data')).toHaveValue('copy');
  await expect(dialog.getByRole('button', { name: 'Plan (dry run)' })).toBeDisabled();
  const form = dialog.getByRole('group', { name: 'New restic repository' });
  await form.getByLabel('Repository name').fill('lab store');
  await form.getByLabel('Repository settings').fill('RESTIC_REPOSITORY=/var/backups/restic\nRESTIC_PASSWORD=x');
  await form.getByRole('button', { name: 'Save repository' }).click();
  await expect(form.getByRole('alert')).toContainText('must be a repository both clusters reach');
  await form.getByLabel('Repository settings').fill(readFileSync(moverRepositoryEnvPath, 'utf8'));
  await form.getByRole('button', { name: 'Save repository' }).click();
  await expect(form).toHaveCount(0);
  await expect(dialog.getByLabel('Restic repository', { exact: true })).toHaveValue('lab store');
  await expect(dialog.getByLabel('Restic repository', { exact: true }).locator('option')).toHaveText([/^lab store · s3:http:\/\/127\.0\.0\.1:\d+\/\S+$/]);
  // the values went to main's vault, never back to the window
  const password = /^RESTIC_PASSWORD=(.*)$/m.exec(readFileSync(moverRepositoryEnvPath, 'utf8'))![1];
  expect(await page.content()).not.toContain(password);

  await dialog.getByRole('button', { name: 'Plan (dry run)' }).click();
  const plan = dialog.getByRole('region', { name: 'Volume plan' });
  await expect(plan).toContainText(`${vol}/data`, { timeout: 90_000 });
  await expect(plan).toContainText(/2Gi · 30\d\.\d MiB used/);
  await expect(plan).toContainText('Deployment/db');
  await expect(plan).toContainText('managed-csi → gp3');
  // the first copy through this Fleetdeck: no throughput measured yet
  await expect(plan).toContainText('restic · unknown');
  await expect(dialog.getByRole('region', { name: 'Volume movers' })).toContainText('backup Job');
  await plan.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshotDir, 'migration-volume-plan.png'), fullPage: true });

  await dialog.getByRole('button', { name: 'Migrate', exact: true }).click();
  // progress per volume while its mover runs: bytes, files, rate and time left
  const copies = dialog.getByRole('list', { name: 'Volume copies' });
  await expect(copies.locator('li[data-claim="data"]')).toContainText(/\d+ files/, { timeout: 150_000 });
  await copies.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshotDir, 'migration-volume-progress.png'), fullPage: true });
  const volumes = dialog.getByRole('region', { name: 'Volumes' });
  const row = volumes.locator('tr[data-claim="data"]');
  await expect(row).toHaveAttribute('data-state', 'restored', { timeout: 240_000 });
  await expect(row).toContainText('✓ every file identical');
  await expect(row).toContainText('201 files');
  await expect(dialog.locator('.task-progress .status').first()).toHaveText('Completed');
  await volumes.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshotDir, 'migration-volume-done.png'), fullPage: true });

  // the data on the target, byte for byte; the writers running on both sides
  const target = await eks.volumeDir(vol, 'data', 60_000);
  expect(sha256(path.join(target, 'base.bin'))).toBe(sha256(path.join(source, 'base.bin')));
  expect(readFileSync(path.join(target, 'latest'), 'utf8')).toBe('wal 7\n'.repeat(8));
  type Scaled = { spec: { replicas: number } };
  expect((await aks.request<Scaled>('GET', `/apis/apps/v1/namespaces/${vol}/deployments/db`)).spec.replicas).toBe(1);
  await expect.poll(async () => (await eks.request<Scaled>('GET', `/apis/apps/v1/namespaces/${vol}/deployments/db`)).spec.replicas).toBe(1);

  // the saved repository is offered next time, and can be forgotten
  await dialog.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Jobs' }).click();
  await page.getByRole('button', { name: 'Migrate…' }).click();
  const next = page.getByRole('dialog', { name: /^Migrate / });
  await next.getByLabel('Source cluster').selectOption('aks-lab');
  await next.getByLabel('Namespace to migrate').fill(vol);
  await next.getByLabel('Target cluster').selectOption('gke-lab');
  await expect(next.getByLabel('Restic repository', { exact: true })).toHaveValue('lab store');
  page.once('dialog', (confirm) => void confirm.accept());
  await next.getByRole('button', { name: 'Forget repository lab store' }).click();
  await expect(next.getByRole('group', { name: 'New restic repository' })).toBeVisible();
  await expect(next.getByRole('button', { name: 'Plan (dry run)' })).toBeDisabled();
});

/** The shell's data folder: startWebShell gives each shell a FLEETDECK_HOME of its own. */
const homeOf = (running: RunningShell) =>
  readFileSync(`/proc/${running.process.pid}/environ`, 'utf8').split('\0').find((v) => v.startsWith('FLEETDECK_HOME='))!.slice('FLEETDECK_HOME='.length);

test('an unsigned archive is planned only after the user says they trust it, and the report says it was unsigned', async ({ page }) => {
  const file = `unsigned-${ns}.tar.gz`;
  const writer = await ArchiveWriter.create(path.join(homeOf(shell), 'backups', file));
  await writer.add({ resource: 'configmaps', group: '', namespace: 'default', name: `unsigned-${ns}`, apiVersion: 'v1', kind: 'ConfigMap' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `unsigned-${ns}`, namespace: 'default' } });
  await writer.finish({ source: { context: 'elsewhere', cloud: 'aks' }, selection: { namespaces: ['default'] } });

  await page.goto(shell.url);
  await page.getByRole('button', { name: 'Jobs' }).click();
  const archives = page.getByRole('group', { name: 'Archives' });
  await archives.locator('summary').click();
  const row = archives.locator('.archive-row', { hasText: file });
  await expect(row).toContainText('unsigned');
  await row.getByRole('button', { name: `Restore ${file}…` }).click();
  // the dialog's name follows the choices: Restore <archive> to <cluster>
  const dialog = page.getByRole('dialog', { name: `Restore ${file} to` });
  await dialog.getByLabel('Target cluster').selectOption('aks-lab');
  await expect(dialog.getByRole('status').filter({ hasText: `${file} is not signed` })).toContainText('nothing shows that Fleetdeck wrote it or that it is unchanged');
  // nothing is planned or restored until the user says they trust it
  await expect(dialog.getByRole('button', { name: 'Plan (dry run)' })).toBeDisabled();
  await expect(dialog.getByRole('button', { name: 'Restore', exact: true })).toBeDisabled();
  await expect(page.getByRole('list', { name: 'Tasks' })).not.toContainText(file);

  await dialog.getByLabel('I trust this unsigned archive').check();
  await dialog.getByRole('button', { name: 'Plan (dry run)' }).click();
  await expect(dialog.locator('.task-progress .status').first()).toHaveText('Completed', { timeout: 60_000 });
  await expect(dialog.getByRole('status').filter({ hasText: 'The archive was unsigned' })).toBeVisible();
  await page.screenshot({ path: path.join(screenshotDir, 'jobs-unsigned-archive.png'), fullPage: true });
  await page.keyboard.press('Escape');
  await expect(page.getByRole('article', { name: `Plan restore ${file} to aks-lab` })).toBeVisible();
});

test('restore and migration are reached from the jobs center by keyboard: dry runs against the lab', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'Jobs' }).click();
  // an archive to restore from: a backup of the test namespace
  await page.getByLabel('Context to back up').selectOption('aks-lab');
  await page.getByLabel('Namespaces to back up').fill(ns);
  await page.keyboard.press('Enter');
  const backup = page.getByRole('article', { name: `Back up ${ns} of aks-lab` });
  await expect(backup.locator('.task-progress .status').first()).toHaveText('Completed', { timeout: 90_000 });

  await page.getByRole('button', { name: 'Restore…', exact: true }).focus();
  await page.keyboard.press('Enter');
  const restore = page.getByRole('dialog', { name: /^Restore / });
  const archive = (await restore.getByLabel('Archive to restore').locator('option', { hasText: /^aks-lab-/ }).first().getAttribute('value'))!;
  await restore.getByLabel('Archive to restore').selectOption(archive);
  await restore.getByLabel('Target cluster').selectOption('gke-lab');
  await restore.getByLabel('Namespace mapping').fill(`${ns}=${ns}-restored`);
  await restore.getByLabel('Conflict policy').selectOption('fail');
  await expect(restore).toContainText(`namespaces ${ns}`);
  await restore.getByRole('button', { name: 'Plan (dry run)' }).focus();
  await page.keyboard.press('Enter');
  await expect(restore.getByRole('group', { name: 'Results' })).toContainText('would be created', { timeout: 90_000 });
  await expect(restore.getByRole('list', { name: 'Object results' })).toContainText(`${ns}-restored`);
  await expect(restore.getByRole('button', { name: 'Restore', exact: true })).toBeEnabled();
  await page.screenshot({ path: path.join(screenshotDir, 'jobs-restore-dialog.png'), fullPage: true });
  await page.keyboard.press('Escape');
  await expect(restore).toHaveCount(0);
  const gke = new LabApi(clusterByContext('gke-lab'));
  await expect(gke.request('GET', `/api/v1/namespaces/${ns}-restored`)).rejects.toThrow();

  await page.getByRole('button', { name: 'Migrate…' }).focus();
  await page.keyboard.press('Enter');
  const migrate = page.getByRole('dialog', { name: /^Migrate / });
  await migrate.getByLabel('Source cluster').selectOption('aks-lab');
  await migrate.getByLabel('Namespace to migrate').fill(ns);
  await migrate.getByLabel('Target cluster').selectOption('gke-lab');
  await expect(migrate).toHaveAccessibleName(`Migrate ${ns} from aks-lab to gke-lab`);
  await expect(migrate).toContainText('AKS → GKE');
  await expect(migrate.getByLabel('Ingress class webapprouting.kubernetes.azure.com on the target')).toHaveValue('gce', { timeout: 30_000 });
  await migrate.getByRole('button', { name: 'Plan (dry run)' }).focus();
  await page.keyboard.press('Enter');
  await expect(migrate.getByRole('group', { name: 'Results' })).toContainText('would be created', { timeout: 90_000 });
  await expect(migrate.getByRole('region', { name: 'Transforms' })).toContainText('spec.ingressClassName');
  await expect(migrate.getByRole('button', { name: 'Migrate', exact: true })).toBeEnabled();
  await page.screenshot({ path: path.join(screenshotDir, 'jobs-migrate-dialog.png'), fullPage: true });
  await page.keyboard.press('Escape');
  await expect(gke.request('GET', `/api/v1/namespaces/${ns}`)).rejects.toThrow();
  const tasks = page.getByRole('list', { name: 'Tasks' });
  await expect(tasks).toContainText(`Plan restore ${archive} to gke-lab`);
  await expect(tasks).toContainText(`Plan migration ${ns} from aks-lab to gke-lab`);
});

/** The points of a rendered recharts line, in pixels: the path's "M x,y L x,y …". */
const pointsOf = (d: string) => [...d.matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));

test("a namespace migrated with its metrics history: the plan checks the target's Prometheus, the copy is verified, and the Metrics screen draws one line across the move", async ({ page }) => {
  test.setTimeout(480_000);
  // payments runs in every lab cluster: aks-lab's Prometheus has scraped its pods (cAdvisor, kube-state-metrics) since the lab started
  const moved = `${ns}-hist`;
  const dialog = await dragNamespace(page, 'payments');
  await expect(dialog).toContainText('The objects use no storage class', { timeout: 30_000 });
  await dialog.getByLabel('Target namespace').fill(moved);
  const carry = dialog.getByRole('checkbox', { name: 'Carry metrics history' });
  await expect(dialog.getByLabel('Metrics history to carry')).toBeDisabled();
  await carry.focus();
  await page.keyboard.press('Space');
  await expect(carry).toBeChecked();
  await expect(dialog.getByLabel('Metrics history to carry')).toHaveValue('30');
  await dialog.getByLabel('Metrics history to carry').selectOption('7');

  await dialog.getByRole('button', { name: 'Plan (dry run)' }).click();
  const history = dialog.getByRole('region', { name: 'Metrics history' });
  await expect(history).toContainText(/[1-9][\d,]* series · about [1-9][\d,]* samples to copy/, { timeout: 90_000 });
  await expect(history).toContainText("✓ the target's Prometheus is ready: remote-write receiver on, out-of-order window 31 days, retention 35 days");
  await expect(history.locator('h3 .status')).toHaveText('ready');
  await expect(dialog.getByRole('button', { name: 'Migrate', exact: true })).toBeEnabled();
  await history.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshotDir, 'migration-history-plan.png'), fullPage: true });

  // the namespace did not exist on eks-lab before this: its samples older than now can only be the copied history
  const beforeMove = Date.now() / 1000;
  // every state the task's progress is drawn in: a small namespace's history is copied in well under a poll's interval
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    new MutationObserver(() => document.querySelectorAll('[role=dialog] .task-progress').forEach((el) => seen.push(el.textContent ?? ''))).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await dialog.getByRole('button', { name: 'Migrate', exact: true }).click();
  const verified = history.locator('li', { hasText: 'verified by reading it back' });
  await expect(verified).toHaveClass('good', { timeout: 300_000 });
  await expect(dialog.locator('.task-progress .status').first()).toHaveText('Completed');
  // after the objects, the history: its phases with their counts in the task's progress
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
  expect(seen.filter((text) => /metrics history: (reading the source|reading the target's own samples|copying|verifying)/.test(text)).length).toBeGreaterThan(0);
  await expect(history).toContainText(/[1-9][\d,]* samples copied in/);
  await expect(verified).toContainText(/✓ verified by reading it back: [1-9][\d,]* samples of [1-9][\d,]* series identical$/);
  await history.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshotDir, 'migration-history-report.png'), fullPage: true });

  // the Metrics screen on the target's namespace: the copied history, then eks-lab's own samples, with the move marked
  await dialog.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Metrics' }).click();
  await expect(page.getByLabel('Namespace scope').locator('option', { hasText: `namespace ${moved}` })).toHaveCount(1, { timeout: 60_000 });
  await page.getByLabel('Namespace scope').selectOption(moved);
  await page.getByRole('radio', { name: '6h' }).click();
  const cpu = page.getByRole('article', { name: 'CPU usage vs requests' });
  const marker = cpu.locator('.move-marker');
  await expect(marker).toHaveCount(1, { timeout: 30_000 });
  await expect(cpu.locator('.recharts-label', { hasText: 'moved from aks-lab' })).toBeVisible();
  // only eks-lab holds the namespace: its usage line starts before the move (the copied history) and goes on after it (eks-lab's own pods)
  await expect(cpu.locator('.recharts-legend-item')).toHaveText(['eks-lab requests', 'eks-lab usage']);
  const curves = cpu.locator('.recharts-line-curve');
  await expect(curves).toHaveCount(2);
  // the axis moves as the panel refreshes: the marker's place is read with the lines
  const sides = async () => {
    const markerX = Number(await marker.locator('line').getAttribute('x1'));
    return Promise.all(
      (await curves.all()).map(async (curve) => {
        const points = pointsOf((await curve.getAttribute('d')) ?? '');
        return { before: points.filter((p) => p.x < markerX - 2).length, after: points.filter((p) => p.x > markerX + 2).length };
      }),
    );
  };
  // eks-lab's pods are scraped, the next step of the range query passes, the panel refreshes (every 30 s)
  await expect.poll(async () => Math.min(...(await sides()).map((s) => s.after)), { timeout: 240_000, intervals: [5_000], message: "eks-lab's own samples after the move" }).toBeGreaterThan(0);
  for (const side of await sides()) expect(side.before).toBeGreaterThan(3);
  await cpu.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshotDir, 'metrics-history-move.png'), fullPage: true });

  // in eks-lab's Prometheus, the panel's query over the renamed namespace: aks-lab's line (gaps of the lab's own included) up to the move, then eks-lab's own
  const rangeOf = async (context: string, namespace: string) => {
    const query = `sum(rate(container_cpu_usage_seconds_total{namespace="${namespace}",container!=""}[5m]))`;
    const answer = (await (await fetch(`${urls(clusterByContext(context)).prometheus}/api/v1/query_range?query=${encodeURIComponent(query)}&start=${end - 6 * 3600}&end=${end}&step=60`)).json()) as Matrix;
    return answer.data.result[0]?.values.map(([t, v]) => ({ t, v: Number(v) })) ?? [];
  };
  type Matrix = { data: { result: { values: [number, string][] }[] } };
  const end = Math.floor(Date.now() / 1000);
  const [source, target] = [await rangeOf('aks-lab', 'payments'), await rangeOf('eks-lab', moved)];
  const before = <T extends { t: number }>(points: T[]) => points.filter((p) => p.t < beforeMove);
  expect(before(target).length).toBeGreaterThan(5);
  expect(before(target).map((p) => p.t)).toEqual(before(source).map((p) => p.t));
  before(target).forEach((p, i) => expect(p.v).toBeCloseTo(before(source)[i].v, 9));
  const after = target.filter((p) => p.t >= beforeMove);
  expect(end - after.at(-1)!.t).toBeLessThan(180);
  // sampled up to the move on aks-lab: no step missing on eks-lab from there on
  const last = before(source).at(-1)!;
  if (beforeMove - last.t <= 120) {
    const across = target.filter((p) => p.t >= last.t);
    expect(Math.max(...across.slice(1).map((p, i) => p.t - across[i].t))).toBe(60);
  }

  // the jobs center keeps the run's report, its history section with it
  await page.getByRole('button', { name: 'Jobs' }).click();
  await page.getByRole('list', { name: 'Tasks' }).getByText('Migrate payments from aks-lab to eks-lab', { exact: true }).click();
  const kept = page.getByRole('article', { name: 'Migrate payments from aks-lab to eks-lab' }).getByRole('region', { name: 'Metrics history' });
  await expect(kept.locator('li.good', { hasText: 'verified by reading it back' })).toBeVisible();
  await kept.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshotDir, 'jobs-center-history.png'), fullPage: true });
});

test("a target Prometheus that cannot take the history: the plan says so, with the fixes for Prometheus and prometheus-operator, and the migration cannot start", async ({ page }) => {
  test.setTimeout(180_000);
  // eks-lab's Prometheus as set in Fleetdeck's endpoint settings: one without the remote-write receiver or an out-of-order window
  const bare = await startPrometheus({ global: { external_labels: { cluster: 'eks-lab' } } }, []);
  await page.goto(shell.url);
  const setPrometheus = async (url: string) => {
    await page.getByRole('button', { name: 'Metrics' }).click();
    const endpoints = page.locator('details.endpoints');
    if (!(await endpoints.getAttribute('open'))) await endpoints.locator('summary').click();
    await endpoints.getByLabel('Cluster to configure').selectOption('eks-lab');
    await endpoints.getByLabel('prometheus URL').fill(url);
    await endpoints.getByRole('button', { name: 'Save' }).click();
    const row = endpoints.getByRole('table', { name: 'Monitoring endpoints' }).locator('tr', { hasText: 'eks-lab' }).first();
    if (url) await expect(row).toContainText(url);
    else await expect(row).not.toContainText(bare.url);
  };
  try {
    await setPrometheus(bare.url);
    await page.getByRole('button', { name: 'Jobs' }).click();
    await page.getByRole('button', { name: 'Migrate…' }).click();
    const dialog = page.getByRole('dialog', { name: /^Migrate / });
    await dialog.getByLabel('Source cluster').selectOption('aks-lab');
    await dialog.getByLabel('Namespace to migrate').fill('payments');
    await dialog.getByLabel('Target cluster').selectOption('eks-lab');
    await dialog.getByLabel('Target namespace').fill(`${ns}-refused`);
    await dialog.getByRole('checkbox', { name: 'Carry metrics history' }).check();
    await dialog.getByRole('button', { name: 'Plan (dry run)' }).click();
    const history = dialog.getByRole('region', { name: 'Metrics history' });
    await expect(history.getByRole('alert')).toContainText("The target's Prometheus cannot take this history", { timeout: 90_000 });
    const receiver = history.locator('li.bad', { hasText: 'remote-write receiver is off' });
    await expect(receiver).toContainText('Prometheus: start it with --web.enable-remote-write-receiver');
    await expect(receiver).toContainText('prometheus-operator: set spec.enableRemoteWriteReceiver: true in the Prometheus resource');
    // said once, in the history's section, not again as the task's error
    await expect(dialog.locator('.task-progress').getByRole('alert')).toHaveCount(0);
    await expect(history.locator('li.bad', { hasText: 'out-of-order window' })).toContainText('spec.tsdb.outOfOrderTimeWindow');
    await expect(dialog.getByRole('button', { name: 'Migrate', exact: true })).toBeDisabled();
    await history.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshotDir, 'migration-history-refused.png'), fullPage: true });
    await page.keyboard.press('Escape');
  } finally {
    await setPrometheus('');
    bare.stop();
  }
  await expect(eks.request('GET', `/api/v1/namespaces/${ns}-refused`)).rejects.toThrow();
});
