import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskInfo } from '../../../shared/contract/jobs.ts';
import type { JobReport } from '../../../shared/migration/report.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { FileKeyStore, Vault } from '../../kube/vault.ts';
import { ArchiveWriter } from './archive.ts';
import { JobRunner } from './job-runner.ts';
import { JobsCenter } from './jobs-center.ts';
import { SavedRepositories } from './saved-repositories.ts';
import { lab, labApi, labKubeconfig, labKubeconfigWith, labUrls } from '../../../../test/lab.ts';

/** The app's jobs center with its data in home, on the lab's clusters (or those of kubeconfig). */
const centerIn = (home: string, kubeconfig = labKubeconfig) => {
  const keys = new FileKeyStore(home);
  return new JobsCenter(new JobRunner({ store: new KubeconfigStore([kubeconfig]), keys, dir: home }), home, new SavedRepositories(new Vault(home, keys)));
};

const cli = path.resolve(import.meta.dirname, '../../../../bin/fleetdeck.js');
const work = mkdtempSync(path.join(tmpdir(), 'fleetdeck-jobs-'));
// one data dir for every run: the machine key and the journals are shared as on a real machine
const env = { ...process.env, FLEETDECK_HOME: path.join(work, 'home') };
const suffix = Date.now().toString(36);
const ns = `mig-${suffix}`;
const nodePort = 30100 + Math.floor(Math.random() * 2000);
const source = labApi('aks-lab');
const eks = labApi('eks-lab');
const gke = labApi('gke-lab');

function fleetdeck(...args: string[]): { status: number; report: JobReport; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args, '--kubeconfig', labKubeconfig, '--output', 'json'], { encoding: 'utf8', env, maxBuffer: 1 << 28 });
  let report: JobReport;
  try {
    report = JSON.parse(result.stdout) as JobReport;
  } catch {
    throw new Error(`fleetdeck ${args.join(' ')} printed no report (exit ${result.status}): ${result.stderr}${result.stdout}`);
  }
  return { status: result.status ?? 1, report, stderr: result.stderr };
}

const base64 = (text: string) => Buffer.from(text).toString('base64');
const secretValue = `s3cret-${suffix}`;
const lastApplied = (namespace: string, password: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace }, type: 'Opaque', data: { password: base64(password) } });

type Obj = { metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: Record<string, any>; data?: Record<string, string>; subjects?: { namespace?: string }[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
const get = (api: typeof source, p: string) => api.request<Obj>('GET', p);
const exists = (api: typeof source, p: string) => api.request('GET', p).then(() => true, () => false);

/** A namespace on aks-lab with one of everything the migration rules touch. */
async function seedSource() {
  const labels = { app: 'mig' };
  const objects: Parameters<typeof source.apply>[0][] = [
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `widgets${suffix}.test.fleetdeck.io` }, spec: { group: 'test.fleetdeck.io', scope: 'Namespaced', names: { kind: `Widget${suffix}`, plural: `widgets${suffix}`, singular: `widget${suffix}` }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: 'shop' } } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { 'app.yaml': 'color: blue\nretries: 3\n' } },
    // as kubectl apply leaves it: the annotation repeats the value
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: ns, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied(ns, secretValue) } }, type: 'Opaque', data: { password: base64(secretValue) } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: ns } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `${ns}-reader` }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'api-view', namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${ns}-reader` }, subjects: [{ kind: 'ServiceAccount', name: 'api', namespace: ns }] },
    { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `pv-${ns}` }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'managed-premium', persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: ns, name: 'uploads' }, csi: { driver: 'disk.csi.azure.com', volumeHandle: `vol-${ns}` } } },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'uploads', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'managed-premium', volumeName: `pv-${ns}`, resources: { requests: { storage: '1Gi' } } } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns, labels }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { serviceAccountName: 'api', containers: [{ name: 'web', image: 'acmelab.azurecr.io/shop/web:1.2.3', ports: [{ containerPort: 8080, name: 'http' }] }] } } } },
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: ns }, spec: { replicas: 0, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16.4' }] } }, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'managed-premium', resources: { requests: { storage: '5Gi' } } } }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { type: 'NodePort', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort }, { name: 'admin', port: 81, targetPort: 'http' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: ns }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-internal', namespace: ns, annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } }, spec: { type: 'LoadBalancer', selector: labels, ports: [{ port: 80, targetPort: 'http' }] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: ns }, spec: { ingressClassName: 'webapprouting.kubernetes.azure.com', rules: [{ host: 'web.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } },
  ];
  for (const o of objects) {
    await source.apply(o);
    if (o.kind === 'CustomResourceDefinition') await new Promise((r) => setTimeout(r, 2_000));
  }
  await source.apply({ apiVersion: 'test.fleetdeck.io/v1', kind: `Widget${suffix}`, metadata: { name: 'blue', namespace: ns }, spec: { size: 3 } });
}

beforeAll(seedSource, 60_000);
afterAll(async () => {
  for (const api of [source, eks, gke]) {
    for (const name of [ns, `${ns}-eks`, `${ns}-dry`, `${ns}-kill`, `${ns}-gke`, `${ns}-auto`]) await api.request('DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
    await api.request('DELETE', `/api/v1/persistentvolumes/pv-${ns}`).catch(() => undefined);
    await api.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${ns}-reader`).catch(() => undefined);
    await api.request('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets${suffix}.test.fleetdeck.io`).catch(() => undefined);
  }
});

describe('backup and restore across clouds (aks-lab → eks-lab)', () => {
  const archive = path.join(work, 'shop.tar.gz');
  const passphrase = path.join(work, 'passphrase');
  const target = `${ns}-eks`;
  const restoreArgs = ['restore', '--context', 'eks-lab', '--from', archive, '--passphrase-file', passphrase, '--namespace-map', `${ns}=${target}`, '--registry-map', 'acmelab.azurecr.io=123456789012.dkr.ecr.eu-west-1.amazonaws.com'];

  it('backs up the namespace with what it needs from the cluster, Secrets encrypted', () => {
    writeFileSync(passphrase, 'correct horse battery staple\n');
    const { status, report } = fleetdeck('backup', '--context', 'aks-lab', '--namespace', ns, '--out', archive, '--passphrase-file', passphrase);
    expect(status, report.error).toBe(0);
    const stored = report.items.filter((i) => i.result === 'created').map((i) => `${i.kind}/${i.name}`);
    expect(stored).toEqual(expect.arrayContaining(['ConfigMap/settings', 'Secret/db', 'Deployment/web', 'StatefulSet/db', `Widget${suffix}/blue`, `Namespace/${ns}`, `PersistentVolume/pv-${ns}`, `CustomResourceDefinition/widgets${suffix}.test.fleetdeck.io`, 'StorageClass/managed-premium', `ClusterRole/${ns}-reader`]));
    expect(report.items.find((i) => i.name === 'kube-root-ca.crt')?.result).toBe('skipped');
    expect(report.items.some((i) => i.kind === 'Pod' && i.result === 'created')).toBe(false);
    const tar = gunzipSync(readFileSync(archive));
    expect(tar.includes(Buffer.from(`resources/secrets/namespaces/${ns}/db.json`))).toBe(true);
    expect(tar.includes(Buffer.from(`resources/deployments.apps/namespaces/${ns}/web.json`))).toBe(true);
    expect(tar.includes(Buffer.from(base64(secretValue)))).toBe(false);
    expect(tar.includes(Buffer.from(secretValue))).toBe(false);
  });

  it('refuses, before writing anything, a storage class the user names that the target lacks, naming it', () => {
    const { status, report } = fleetdeck(...restoreArgs, '--storage-class-map', 'managed-premium=io2');
    expect(status).toBe(1);
    expect(report.state).toBe('Failed');
    expect(report.preflight?.find((f) => f.severity === 'error' && f.check === 'storage-class')?.message).toMatch(/^storage class io2, chosen for managed-premium \(used by .*PersistentVolumeClaim \S+\/uploads.*\), does not exist on eks-lab \(eks-lab has .*gp3/);
    expect(report.error).toContain('storage class io2, chosen for managed-premium');
    return expect(exists(eks, `/api/v1/namespaces/${target}`)).resolves.toBe(false);
  });

  it('refuses a wrong passphrase and a tampered archive before applying anything', () => {
    const wrong = path.join(work, 'wrong');
    writeFileSync(wrong, 'not it\n');
    const bad = fleetdeck('restore', '--context', 'eks-lab', '--from', archive, '--passphrase-file', wrong, '--namespace-map', `${ns}=${target}`);
    expect(bad.status).toBe(1);
    expect(bad.report.error).toMatch(/wrong passphrase/);
    const tar = gunzipSync(readFileSync(archive));
    const at = tar.indexOf(Buffer.from('color: blue'));
    expect(at).toBeGreaterThan(0);
    tar[at + 7] = 'r'.charCodeAt(0);
    const tampered = path.join(work, 'tampered.tar.gz');
    writeFileSync(tampered, gzipSync(tar));
    const refused = fleetdeck('restore', '--context', 'eks-lab', '--from', tampered, '--passphrase-file', passphrase, '--namespace-map', `${ns}=${target}`);
    expect(refused.status).toBe(1);
    expect(refused.report.error).toMatch(/was modified after the backup/);
    writeFileSync(path.join(work, 'truncated.tar.gz'), readFileSync(archive).subarray(0, 2000));
    expect(fleetdeck('restore', '--context', 'eks-lab', '--from', path.join(work, 'truncated.tar.gz'), '--passphrase-file', passphrase).report.error).toMatch(/truncated/);
    return expect(exists(eks, `/api/v1/namespaces/${target}`)).resolves.toBe(false);
  });

  it('dry-run plans every object and writes nothing', async () => {
    const { status, report } = fleetdeck(...restoreArgs, '--storage-class-map', 'managed-premium=gp3', '--dry-run');
    expect(status, report.error).toBe(0);
    expect(report.dryRun).toBe(true);
    expect(report.counts.created).toBeGreaterThanOrEqual(12);
    expect(report.counts.failed).toBe(0);
    await expect(exists(eks, `/api/v1/namespaces/${target}`)).resolves.toBe(false);
    await expect(exists(eks, `/api/v1/persistentvolumes/pv-${ns}`)).resolves.toBe(false);
  });

  it('restores with every transform listed and applied, then verifies', async () => {
    const { status, report } = fleetdeck(...restoreArgs, '--storage-class-map', 'managed-premium=gp3');
    expect(report.error).toBeUndefined();
    expect(status).toBe(0);
    expect(report.state).toBe('Completed');
    const transform = (kind: string, p: string) => report.transforms.find((t) => t.kind === kind && t.path === p);
    expect(transform('PersistentVolumeClaim', 'spec.storageClassName')).toMatchObject({ from: 'managed-premium', to: 'gp3' });
    expect(transform('PersistentVolume', 'spec.storageClassName')).toMatchObject({ from: 'managed-premium', to: 'gp3' });
    expect(transform('StatefulSet', 'spec.volumeClaimTemplates[0].spec.storageClassName')).toMatchObject({ to: 'gp3' });
    expect(transform('Ingress', 'spec.ingressClassName')).toMatchObject({ from: 'webapprouting.kubernetes.azure.com', to: 'alb' });
    expect(transform('RoleBinding', 'subjects[0].namespace')).toMatchObject({ from: ns, to: target });
    expect(transform('Deployment', 'spec.template.spec.containers[0].image')?.to).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.2.3');

    const base = `/api/v1/namespaces/${target}`;
    expect((await get(eks, `${base}/configmaps/settings`)).data).toEqual({ 'app.yaml': 'color: blue\nretries: 3\n' });
    expect((await get(eks, `${base}/secrets/db`)).data).toEqual({ password: base64(secretValue) });
    const [before, after] = [await get(source, `/api/v1/namespaces/${ns}/services/web`), await get(eks, `${base}/services/web`)];
    expect(after.spec!.clusterIP).toBeTruthy();
    expect(after.spec!.clusterIP).not.toBe(before.spec!.clusterIP);
    expect(after.spec!.ports.find((p: { name: string }) => p.name === 'http').nodePort).toBe(nodePort);
    expect((await get(eks, `${base}/services/db`)).spec!.clusterIP).toBe('None');
    expect((await get(eks, `${base}/services/web-internal`)).metadata.annotations).toMatchObject({ 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
    expect((await get(eks, `${base}/services/web-internal`)).metadata.annotations?.['service.beta.kubernetes.io/azure-load-balancer-internal']).toBeUndefined();
    expect((await get(eks, `/apis/networking.k8s.io/v1/namespaces/${target}/ingresses/web`)).spec!.ingressClassName).toBe('alb');
    expect((await get(eks, `/apis/apps/v1/namespaces/${target}/statefulsets/db`)).spec!.volumeClaimTemplates[0].spec.storageClassName).toBe('gp3');
    expect((await get(eks, `/apis/rbac.authorization.k8s.io/v1/namespaces/${target}/rolebindings/api-view`)).subjects?.[0].namespace).toBe(target);
    const pv = await get(eks, `/api/v1/persistentvolumes/pv-${ns}`);
    expect(pv.spec).toMatchObject({ storageClassName: 'gp3', claimRef: { namespace: target, name: 'uploads' } });
    expect((await get(eks, `/apis/test.fleetdeck.io/v1/namespaces/${target}/widgets${suffix}/blue`)).spec).toEqual({ size: 3 });

    const verified = (kind: string, name: string) => report.verification?.find((v) => v.kind === kind && v.name === name);
    expect(verified('PersistentVolumeClaim', 'uploads')).toMatchObject({ ok: true, detail: expect.stringContaining('Bound') });
    expect(verified('Deployment', 'web')).toMatchObject({ ok: true, detail: '1/1 available' });
    expect(verified('Service', 'web')?.ok).toBe(true);
  });

  it('applies the conflict policy per run: skip, fail, update', async () => {
    const args = [...restoreArgs, '--storage-class-map', 'managed-premium=gp3', '--verify-timeout', '0'];
    const skipped = fleetdeck(...args, '--conflict', 'skip');
    expect(skipped.status, JSON.stringify(skipped.report.items.filter((i) => i.result === 'failed'))).toBe(0);
    expect(skipped.report.counts.created).toBe(0);
    expect(skipped.report.items.find((i) => i.kind === 'ConfigMap' && i.name === 'settings')).toMatchObject({ result: 'skipped', reason: 'already exists on the target (conflict policy skip)' });

    const failed = fleetdeck(...args, '--conflict', 'fail');
    // every object clashes; only the storage class, left to the mapping, is skipped
    expect(failed.status).toBe(2);
    expect(failed.report.state).toBe('PartiallyFailed');
    expect(failed.report.counts.created + failed.report.counts.updated).toBe(0);
    expect(failed.report.items.find((i) => i.kind === 'Secret')?.reason).toBe('already exists on the target (conflict policy fail)');

    await eks.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: target } }, { data: { 'app.yaml': 'color: red\n' } });
    const plan = fleetdeck(...args, '--conflict', 'skip', '--dry-run');
    expect(plan.report.items.find((i) => i.kind === 'ConfigMap' && i.name === 'settings')).toMatchObject({ result: 'skipped', diff: expect.stringContaining('data.app.yaml: "color: red\\n" → "color: blue\\nretries: 3\\n"') });
    expect(plan.report.items.find((i) => i.kind === 'Secret' && i.name === 'db')?.diff).toBeUndefined();
    const updated = fleetdeck(...args, '--conflict', 'update');
    expect(updated.status, updated.report.error).toBe(0);
    const settings = updated.report.items.find((i) => i.kind === 'ConfigMap' && i.name === 'settings');
    expect(settings).toMatchObject({ result: 'updated', diff: expect.stringContaining('data.app.yaml') });
    expect(updated.report.items.find((i) => i.kind === 'RoleBinding' && i.name === 'api-view')?.result).toBe('unchanged');
    expect((await get(eks, `/api/v1/namespaces/${target}/configmaps/settings`)).data).toEqual({ 'app.yaml': 'color: blue\nretries: 3\n' });
  });

  it('shows no Secret value in a dry-run diff: not on stdout, not in the task file the app keeps', async () => {
    const changed = `leak-${suffix}`;
    await eks.mergePatch({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: target } }, { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied(target, changed) } }, data: { password: base64(changed) } });
    const values = [secretValue, base64(secretValue), changed, base64(changed)];
    const masked = ['metadata.annotations.kubectl.kubernetes.io/last-applied-configuration: (value changed, not shown)', 'data.password: (value changed, not shown)'];

    const result = spawnSync(process.execPath, [cli, ...restoreArgs, '--storage-class-map', 'managed-premium=gp3', '--conflict', 'skip', '--dry-run', '--kubeconfig', labKubeconfig], { encoding: 'utf8', env });
    expect(result.status, result.stderr).toBe(0);
    for (const line of masked) expect(result.stdout).toContain(line);
    for (const value of values) expect(result.stdout + result.stderr).not.toContain(value);

    const home = env.FLEETDECK_HOME;
    mkdirSync(path.join(home, 'backups'), { recursive: true });
    copyFileSync(archive, path.join(home, 'backups', `secret-diff-${suffix}.tar.gz`));
    const center = centerIn(home);
    const task = await center.startRestore({
      context: 'eks-lab',
      archive: `secret-diff-${suffix}.tar.gz`,
      passphrase: 'correct horse battery staple',
      target: { namespaceMap: { [ns]: target }, storageClassMap: { 'managed-premium': 'gp3' }, ingressClassMap: {}, registryMap: {}, conflict: 'skip', dryRun: true, verifyTimeoutSeconds: 0 },
    });
    await expect.poll(async () => (await center.get({ id: task.id })).info.state, { timeout: 60_000, interval: 200 }).toBe('Completed');
    const stored = readFileSync(path.join(home, 'jobs', 'tasks', `${task.id}.json`), 'utf8');
    for (const line of masked) expect(stored).toContain(JSON.stringify(line).slice(1, -1));
    for (const value of values) expect(stored).not.toContain(value);
  });
});

describe('hostile archives', () => {
  const passphrase = path.join(work, 'hostile-passphrase');
  const evil = `${ns}-evil`;
  const bindingName = `fleetdeck-test-${suffix}`;
  afterAll(async () => {
    await gke.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${bindingName}`).catch(() => undefined);
    await gke.request('DELETE', `/api/v1/namespaces/${evil}`).catch(() => undefined);
  });

  it('refuses, before writing anything and under --dry-run too, an archive whose ConfigMap entry holds a ClusterRoleBinding', async () => {
    writeFileSync(passphrase, 'hostile but signed\n');
    const archive = path.join(work, 'mismatched.tar.gz');
    // signed with the passphrase the restore is given: the signature alone does not make an entry what the manifest says
    const writer = await ArchiveWriter.create(archive, { key: { passphrase: 'hostile but signed', keySource: 'passphrase' } });
    await writer.add({ resource: 'namespaces', group: '', name: evil, apiVersion: 'v1', kind: 'Namespace' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: evil } });
    await writer.add(
      { resource: 'configmaps', group: '', namespace: evil, name: 'harmless', apiVersion: 'v1', kind: 'ConfigMap' },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: bindingName, namespace: evil },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }],
      },
    );
    await writer.finish({ source: { context: 'aks-lab', cloud: 'aks' }, selection: { namespaces: [evil] } });

    for (const dryRun of [['--dry-run'], []]) {
      const { status, report } = fleetdeck('restore', '--context', 'gke-lab', '--from', archive, '--passphrase-file', passphrase, '--verify-timeout', '0', ...dryRun);
      expect(status).toBe(1);
      expect(report.state).toBe('Failed');
      expect(report.error).toBe(`${archive}: entry resources/configmaps/namespaces/${evil}/harmless.json holds ClusterRoleBinding rbac.authorization.k8s.io/v1 ${evil}/${bindingName}, but the manifest lists ConfigMap v1 ${evil}/harmless`);
      expect(report.counts.created).toBe(0);
    }
    await expect(exists(gke, `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${bindingName}`)).resolves.toBe(false);
    await expect(exists(gke, `/api/v1/namespaces/${evil}`)).resolves.toBe(false);
  });

  it('restores an unsigned archive only with --allow-unsigned, and the report says it was unsigned', async () => {
    const archive = path.join(work, 'unsigned.tar.gz');
    const writer = await ArchiveWriter.create(archive);
    await writer.add({ resource: 'configmaps', group: '', namespace: 'default', name: `unsigned-${suffix}`, apiVersion: 'v1', kind: 'ConfigMap' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `unsigned-${suffix}`, namespace: 'default' } });
    await writer.finish({ source: { context: 'aks-lab', cloud: 'aks' }, selection: { namespaces: ['default'] } });
    const args = ['restore', '--context', 'gke-lab', '--from', archive, '--dry-run', '--passphrase-file', passphrase];

    const refused = fleetdeck(...args);
    expect(refused.status).toBe(1);
    expect(refused.report.error).toBe(`${archive} is not signed: nothing shows that Fleetdeck wrote it or that it is unchanged; restore it only if you trust where it came from, with --allow-unsigned`);
    const allowed = fleetdeck(...args, '--allow-unsigned');
    expect(allowed.status, allowed.report.error).toBe(0);
    expect(allowed.report).toMatchObject({ state: 'Completed', unsigned: true, counts: { created: 1 } });
    const human = spawnSync(process.execPath, [cli, ...args, '--allow-unsigned', '--kubeconfig', labKubeconfig], { encoding: 'utf8', env });
    expect(human.stdout).toContain('warning: the archive is unsigned');
  });
});

describe('resume', () => {
  const bulk = `${ns}-bulk`;
  const archive = path.join(work, 'bulk.tar.gz');
  const restoreTo = (target: string) => ['restore', '--context', 'gke-lab', '--from', archive, '--namespace-map', `${bulk}=${target}`, '--conflict', 'fail', '--verify-timeout', '0'];
  const restoredNames = async (target: string) => (await gke.list<{ metadata: { name: string } }>('v1', 'ConfigMap', target).catch(() => [])).map((c) => c.metadata.name).filter((n) => n.startsWith('cm-'));
  /** starts the restore as a separate process and resolves once it is writing */
  const startRestore = async (target: string, kubeconfig = labKubeconfig) => {
    const child = spawn(process.execPath, [cli, ...restoreTo(target), '--kubeconfig', kubeconfig, '--output', 'json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    await new Promise<void>((resolve) => child.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('restoring') && resolve()));
    await expect.poll(async () => (await restoredNames(target)).length, { interval: 50 }).toBeGreaterThan(20);
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    /** the run's exit code and report, once it has ended */
    const finished = async () => {
      const status = await exited;
      const output = { stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
      if (!output.stdout) throw new Error(`the restore printed no report (exit ${status}): ${output.stderr}`);
      return { status, report: JSON.parse(output.stdout) as JobReport, stderr: output.stderr };
    };
    return { child, finished };
  };
  const failures = (report: JobReport) => report.error ?? JSON.stringify(report.items.filter((i) => i.result === 'failed').slice(0, 5));

  beforeAll(async () => {
    await source.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: bulk } });
    for (let i = 0; i < 300; i++) await source.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: bulk }, data: { i: String(i) } });
    expect(fleetdeck('backup', '--context', 'aks-lab', '--namespace', bulk, '--out', archive).status).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await source.request('DELETE', `/api/v1/namespaces/${bulk}`).catch(() => undefined);
    await gke.request('DELETE', `/api/v1/namespaces/${ns}-apiserver`).catch(() => undefined);
  });

  it('a restore killed midway finishes on the next run with nothing lost and nothing duplicated', async () => {
    const target = `${ns}-kill`;
    const { child } = await startRestore(target);
    child.kill('SIGKILL');
    expect((await restoredNames(target)).length).toBeLessThan(300);

    const { status, report } = fleetdeck(...restoreTo(target));
    expect(report.error).toBeUndefined();
    expect(status).toBe(0);
    expect(report.counts.failed).toBe(0);
    expect(report.items.filter((i) => i.kind === 'ConfigMap' && i.result === 'created')).toHaveLength(300);
    expect(new Set(await restoredNames(target)).size).toBe(300);
  });

  it('a restore waits while its target API server is down and finishes when it is back', async () => {
    const target = `${ns}-apiserver`;
    const { finished } = await startRestore(target);
    expect(lab('fault', 'apiserver-stop', 'gke-lab').status).toBe(0);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(lab('fault', 'apiserver-start', 'gke-lab').status).toBe(0);
    const { status, report } = await finished();
    expect(status, failures(report)).toBe(0);
    expect(report.state).toBe('Completed');
    expect(report.items.filter((i) => i.kind === 'ConfigMap' && i.result === 'created')).toHaveLength(300);
    expect(new Set(await restoredNames(target)).size).toBe(300);
  });

  it('a create whose answer was lost on the way back is sent again without being taken for a conflict', async () => {
    const target = `${ns}-lost`;
    // a TCP relay in front of gke-lab; while it drops, requests reach the API server but the
    // answers are swallowed and the connection cut, as when a network path fails mid-request
    const upstream = new URL(labUrls('gke-lab').apiserver);
    let dropping = false;
    let dropped = 0;
    const relay = net.createServer((client) => {
      const server = net.connect(Number(upstream.port), upstream.hostname);
      client.pipe(server);
      server.on('data', (chunk: Buffer) => {
        if (!dropping) return client.write(chunk);
        dropped++;
        setTimeout(() => (client.destroy(), server.destroy()), 200);
      });
      const close = () => (client.destroy(), server.destroy());
      client.on('error', close).on('close', close);
      server.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const relayed = labKubeconfigWith((config) => (config.clusters.find((c) => c.name === 'gke-lab')!.cluster.server = `https://127.0.0.1:${(relay.address() as net.AddressInfo).port}`));
    try {
      const { finished } = await startRestore(target, relayed);
      dropping = true;
      await expect.poll(() => dropped, { interval: 20 }).toBeGreaterThan(3);
      await new Promise((r) => setTimeout(r, 1_000));
      dropping = false;
      const { status, report, stderr } = await finished();
      expect(stderr).toContain('retrying');
      expect(status, failures(report)).toBe(0);
      expect(report.items.filter((i) => i.kind === 'ConfigMap' && i.result === 'created')).toHaveLength(300);
      expect(report.items.some((i) => i.reason === 'created; the answer to its first request was lost')).toBe(true);
      expect(new Set(await restoredNames(target)).size).toBe(300);
    } finally {
      relay.close();
      await gke.request('DELETE', `/api/v1/namespaces/${target}`).catch(() => undefined);
    }
  });
});

describe('jobs center', () => {
  it('runs tasks with live progress, cancels one, and resumes it from a new instance (an app restart)', async () => {
    const home = env.FLEETDECK_HOME;
    const center = () => centerIn(home);
    const bulk = `${ns}-center`;
    await source.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: bulk } });
    try {
      for (let i = 0; i < 300; i++) await source.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: bulk }, data: { i: String(i) } });
      const first = center();
      const events: TaskInfo[] = [];
      first.onDidChangeTask((t) => events.push(t));
      const finished = (c: JobsCenter, id: string) => expect.poll(async () => (await c.get({ id })).info.state, { timeout: 120_000, interval: 200 }).not.toBe('running');

      const backup = await first.startBackup({ context: 'aks-lab', selection: { namespaces: [bulk] }, archive: 'center.tar.gz' });
      await finished(first, backup.id);
      expect((await first.get({ id: backup.id })).info.state).toBe('Completed');
      expect(events.some((e) => e.id === backup.id && e.progress.phase === 'listing')).toBe(true);
      expect((await first.archives()).find((a) => a.file === 'center.tar.gz')).toMatchObject({ total: 301, source: { context: 'aks-lab', cloud: 'aks' }, needsPassphrase: false });

      const target = { namespaceMap: { [bulk]: `${bulk}-restored` }, storageClassMap: {}, ingressClassMap: {}, registryMap: {}, conflict: 'fail' as const, dryRun: false, verifyTimeoutSeconds: 0 };
      const restore = await first.startRestore({ context: 'gke-lab', archive: 'center.tar.gz', target });
      await expect.poll(() => events.filter((e) => e.id === restore.id && e.progress.phase === 'restoring').at(-1)?.progress.done ?? 0, { timeout: 60_000, interval: 20 }).toBeGreaterThan(10);
      await first.cancel({ id: restore.id });
      await finished(first, restore.id);
      expect((await first.get({ id: restore.id })).info).toMatchObject({ state: 'cancelled', resumable: true });
      expect((await gke.list('v1', 'ConfigMap', `${bulk}-restored`)).length).toBeLessThan(301);

      const second = center();
      expect((await second.list()).find((t) => t.id === restore.id)).toMatchObject({ state: 'cancelled', resumable: true });
      await second.resume({ id: restore.id });
      await finished(second, restore.id);
      const done = await second.get({ id: restore.id });
      expect(done.info.state).toBe('Completed');
      expect(done.report?.counts).toMatchObject({ failed: 0 });
      expect(new Set((await gke.list<{ metadata: { name: string } }>('v1', 'ConfigMap', `${bulk}-restored`)).map((c) => c.metadata.name).filter((n) => n.startsWith('cm-'))).size).toBe(300);
    } finally {
      await source.request('DELETE', `/api/v1/namespaces/${bulk}`).catch(() => undefined);
      await gke.request('DELETE', `/api/v1/namespaces/${bulk}-restored`).catch(() => undefined);
    }
  });
});

describe('archive names from context names', () => {
  it('backs up contexts named like EKS ARNs or paths into one safe file each, inside backups/', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'fleetdeck-names-'));
    const names = ['arn:aws:eks:eu-west-1:123456789012:cluster/prod', '../../x'];
    const kubeconfig = labKubeconfigWith((config) => {
      const aks = config.contexts.find((c) => c.name === 'aks-lab')!;
      config.contexts.push(...names.map((name) => ({ ...aks, name }) as typeof aks));
    });
    const center = centerIn(home, kubeconfig);
    for (const context of names) {
      const task = await center.startBackup({ context, selection: { namespaces: [ns], includeKinds: ['ConfigMap'] } });
      await expect.poll(async () => (await center.get({ id: task.id })).info.state, { timeout: 60_000, interval: 200 }).toBe('Completed');
    }
    const files = readdirSync(path.join(home, 'backups')).sort();
    expect(files).toEqual([expect.stringMatching(/^arn-aws-eks-eu-west-1-123456789012-cluster-prod-[0-9TZ-]+\.tar\.gz$/), expect.stringMatching(/^x-[0-9TZ-]+\.tar\.gz$/)]);
    expect((await center.archives()).map((a) => a.source.context).sort()).toEqual([...names].sort());
    expect(readdirSync(home).sort()).toEqual(['backups', 'jobs', 'vault.key']);
    expect(existsSync(path.join(home, '..', '..', 'x'))).toBe(false);
  });
});

describe('migrate', () => {
  it('moves one workload with what it uses, and nothing else of its namespace', async () => {
    const target = `${ns}-one`;
    const { status, report } = fleetdeck('migrate', '--from-context', 'aks-lab', '--to-context', 'gke-lab', '--namespace', ns, '--workload', 'Deployment/web', '--namespace-map', `${ns}=${target}`, '--verify-timeout', '0');
    try {
      expect(status, report.error).toBe(0);
      const moved = report.items.filter((i) => i.result === 'created').map((i) => `${i.kind}/${i.name}`).sort();
      expect(moved).toEqual(['Deployment/web', 'Ingress/web', `Namespace/${target}`, 'RoleBinding/api-view', 'Service/web', 'Service/web-internal', 'ServiceAccount/api', `ClusterRole/${ns}-reader`].sort());
      await expect(exists(gke, `/api/v1/namespaces/${target}/configmaps/settings`)).resolves.toBe(false);

      // its explicit nodePort now belongs to that Service: a second copy elsewhere is refused up front
      const again = fleetdeck('migrate', '--from-context', 'aks-lab', '--to-context', 'gke-lab', '--namespace', ns, '--namespace-map', `${ns}=${ns}-two`, '--dry-run');
      expect(again.status).toBe(1);
      expect(again.report.preflight?.find((f) => f.check === 'node-port')?.message).toBe(`nodePort ${nodePort} of Service ${ns}-two/web is already used on gke-lab by Service ${target}/web`);
    } finally {
      await gke.request('DELETE', `/api/v1/namespaces/${target}`).catch(() => undefined);
      await expect.poll(() => exists(gke, `/api/v1/namespaces/${target}`), { timeout: 60_000, interval: 1_000 }).toBe(false);
    }
  });

  it('moves premium claims from aks-lab to eks-lab without any map: the nearest class eks-lab has is chosen, and the plan and the report show the downgrade', async () => {
    const target = `${ns}-auto`;
    // the Service's explicit nodePort and the PV are already on eks-lab (restored above)
    const args = ['migrate', '--from-context', 'aks-lab', '--to-context', 'eks-lab', '--namespace', ns, '--namespace-map', `${ns}=${target}`, '--exclude-kinds', 'Service,PersistentVolume', '--verify-timeout', '0'];
    const premium = { kind: 'storage-class', from: 'managed-premium', to: 'gp3', reason: 'nearest-tier', fromTier: 'premium', toTier: 'standard', downgrade: true };
    const downgrade = { severity: 'warning', check: 'storage-class', message: expect.stringMatching(/^storage class managed-premium \(premium, used by PersistentVolumeClaim \S+\/uploads, StatefulSet \S+\/db\) becomes gp3 \(standard\) on eks-lab: a downgrade from premium to standard$/) };

    const dry = fleetdeck(...args, '--dry-run');
    expect(dry.status, dry.report.error ?? JSON.stringify(dry.report.items.filter((i) => i.result === 'failed'))).toBe(0);
    expect(dry.report.classes?.find((c) => c.from === 'managed-premium')).toMatchObject(premium);
    expect(dry.report.preflight).toContainEqual(downgrade);
    await expect(exists(eks, `/api/v1/namespaces/${target}`)).resolves.toBe(false);
    const human = spawnSync(process.execPath, [cli, ...args, '--dry-run', '--kubeconfig', labKubeconfig], { encoding: 'utf8', env });
    expect(human.stdout).toMatch(/classes on the target:\n.*\nstorage-class +managed-premium +gp3 +premium → standard \(downgrade\)/);

    const { status, report } = fleetdeck(...args);
    expect(status, report.error ?? JSON.stringify(report.items.filter((i) => i.result === 'failed'))).toBe(0);
    expect(report.classes?.find((c) => c.from === 'managed-premium')).toMatchObject(premium);
    expect(report.preflight).toContainEqual(downgrade);
    expect(report.transforms.find((t) => t.kind === 'PersistentVolumeClaim' && t.path === 'spec.storageClassName')).toMatchObject({ from: 'managed-premium', to: 'gp3' });
    expect((await get(eks, `/api/v1/namespaces/${target}/persistentvolumeclaims/uploads`)).spec!.storageClassName).toBe('gp3');
    expect((await get(eks, `/apis/apps/v1/namespaces/${target}/statefulsets/db`)).spec!.volumeClaimTemplates[0].spec.storageClassName).toBe('gp3');
    // eks-lab serves no IngressClass: the profile's class is set, and the report says nothing serves it there yet
    expect(report.classes?.find((c) => c.kind === 'ingress-class')).toMatchObject({ from: 'webapprouting.kubernetes.azure.com', to: 'alb', reason: 'profile' });
    expect(report.preflight?.find((f) => f.check === 'ingress-class')?.message).toContain('the target serves no IngressClass');
  });

  it('moves a namespace from aks-lab to gke-lab with the target cloud detected', async () => {
    const target = `${ns}-gke`;
    const args = ['migrate', '--from-context', 'aks-lab', '--to-context', 'gke-lab', '--namespace', ns, '--namespace-map', `${ns}=${target}`, '--verify-timeout', '30'];
    // the plan of the claim's data: a backup Job on the source, a restore Job on the target, both accepted by a server-side dry run
    const repository = path.join(work, 'movers.env');
    writeFileSync(repository, 'RESTIC_REPOSITORY=s3:s3.amazonaws.com/acme-migrations\nRESTIC_PASSWORD=not-used-by-a-dry-run\n', { mode: 0o600 });
    const dry = fleetdeck(...args, '--dry-run', '--volumes', 'restic', '--repository-env', repository);
    expect(dry.status, dry.report.error ?? JSON.stringify(dry.report.items.filter((i) => i.result === 'failed'))).toBe(0);
    expect(dry.report.movers?.map((m) => [m.cluster, m.role, m.namespace, m.name, m.validated])).toEqual([
      ['aks-lab', 'backup', ns, 'fleetdeck-backup-uploads', true],
      ['gke-lab', 'restore', target, 'fleetdeck-restore-uploads', true],
    ]);
    expect(dry.report.volumePlan?.map((v) => [v.claim, v.requested, v.mover, v.targetStorageClass])).toEqual([['uploads', '1Gi', 'restic', 'premium-rwo']]);
    await expect(exists(gke, `/api/v1/namespaces/${target}`)).resolves.toBe(false);
    const { status, report } = fleetdeck(...args);
    expect(status, report.error ?? JSON.stringify(report.items.filter((i) => i.result === 'failed'))).toBe(0);
    // without --volumes the claim is recreated empty, and the report says so
    expect(report.volumes?.map((v) => [v.claim, v.targetNamespace, v.state, v.reason])).toEqual([['uploads', target, 'empty', 'recreated empty: its data was not moved (--volumes restic moves it)']]);
    await expect(exists(gke, `/apis/batch/v1/namespaces/${target}/jobs/fleetdeck-restore-uploads`)).resolves.toBe(false);
    expect(report.transforms.find((t) => t.kind === 'PersistentVolumeClaim' && t.path === 'spec.storageClassName')).toMatchObject({ from: 'managed-premium', to: 'premium-rwo' });
    expect((await get(gke, `/api/v1/namespaces/${target}/services/web-internal`)).metadata.annotations).toMatchObject({ 'networking.gke.io/load-balancer-type': 'Internal' });
    expect((await get(gke, `/apis/networking.k8s.io/v1/namespaces/${target}/ingresses/web`)).spec!.ingressClassName).toBe('gce');
  });
});

describe('entries listed where their kind does not live', () => {
  const from = `${ns}-scope`;
  const to = `${ns}-scope-dst`;
  const binding = `fleetdeck-scope-${suffix}`;
  const crd = `gadgets${suffix}.test.fleetdeck.io`;
  const rbac = 'rbac.authorization.k8s.io';
  afterAll(async () => {
    await gke.request('DELETE', `/apis/${rbac}/v1/clusterrolebindings/${binding}`).catch(() => undefined);
    await gke.request('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`).catch(() => undefined);
    for (const name of [from, to]) await gke.request('DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
  });

  /** An unsigned archive of these objects, each listed as the object itself says (its namespace included). */
  async function archiveOf(name: string, objects: { resource: string; apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown }[]) {
    const archive = path.join(work, name);
    const writer = await ArchiveWriter.create(archive);
    for (const { resource, ...object } of objects) {
      const { apiVersion, kind, metadata } = object;
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      await writer.add({ resource, group, ...(metadata.namespace ? { namespace: metadata.namespace } : {}), name: metadata.name, apiVersion, kind }, object);
    }
    await writer.finish({ source: { context: 'aks-lab', cloud: 'aks' }, selection: { namespaces: [from] } });
    return archive;
  }

  /** Dry run and real run, with the namespace map: both refused by pre-flight with exactly these scope findings, nothing planned. */
  function expectRefusedByScope(archive: string, messages: string[]) {
    for (const dryRun of [['--dry-run'], []]) {
      const { status, report } = fleetdeck('restore', '--context', 'gke-lab', '--from', archive, '--allow-unsigned', '--namespace-map', `${from}=${to}`, '--verify-timeout', '0', ...dryRun);
      expect(status).toBe(1);
      expect(report.state).toBe('Failed');
      expect(report.preflight?.filter((f) => f.check === 'scope')).toEqual(messages.map((message) => ({ severity: 'error', check: 'scope', message })));
      for (const message of messages) expect(report.error).toContain(message);
      expect(report.items).toEqual([]);
      expect(report.transforms).toEqual([]);
    }
  }

  it('refuses a ClusterRoleBinding listed in a namespace, dry run or not, namespace map or not: nothing is created', async () => {
    const archive = await archiveOf('crb-in-namespace.tar.gz', [
      { resource: 'namespaces', apiVersion: 'v1', kind: 'Namespace', metadata: { name: from } },
      {
        resource: 'clusterrolebindings',
        apiVersion: `${rbac}/v1`,
        kind: 'ClusterRoleBinding',
        metadata: { name: binding, namespace: from },
        roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'view' },
        subjects: [{ apiGroup: rbac, kind: 'User', name: 'rt-evil' }],
      },
    ]);
    expectRefusedByScope(archive, [`the archive lists ClusterRoleBinding ${binding} in namespace ${from}, but ${rbac}/v1 ClusterRoleBinding is cluster-scoped on gke-lab`]);
    await expect(exists(gke, `/apis/${rbac}/v1/clusterrolebindings/${binding}`)).resolves.toBe(false);
    for (const name of [from, to]) await expect(exists(gke, `/api/v1/namespaces/${name}`)).resolves.toBe(false);
  });

  it('refuses a custom resource in a namespace that its own CRD in the archive makes cluster-scoped, and a ConfigMap listed without a namespace', async () => {
    const archive = await archiveOf('cr-in-namespace.tar.gz', [
      {
        resource: 'customresourcedefinitions',
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crd },
        spec: { group: 'test.fleetdeck.io', scope: 'Cluster', names: { kind: `Gadget${suffix}`, plural: `gadgets${suffix}`, singular: `gadget${suffix}` }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
      },
      { resource: `gadgets${suffix}`, apiVersion: 'test.fleetdeck.io/v1', kind: `Gadget${suffix}`, metadata: { name: 'blue', namespace: from } },
      { resource: 'configmaps', apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { color: 'blue' } },
    ]);
    expectRefusedByScope(archive, [
      `the archive lists Gadget${suffix} blue in namespace ${from}, but test.fleetdeck.io/v1 Gadget${suffix} is cluster-scoped by its CRD ${crd} in the archive`,
      'the archive lists ConfigMap settings without a namespace, but v1 ConfigMap is namespaced on gke-lab',
    ]);
    await expect(exists(gke, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`)).resolves.toBe(false);
  });
});
