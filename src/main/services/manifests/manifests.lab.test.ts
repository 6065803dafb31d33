// Rendering with a real kustomize (the lab builds kustomize and kubectl from their modules) and
// the schema bundle regenerated from the lab's API server.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterByContext } from '../../../../lab/config.ts';
import { LabApi } from '../../../../lab/kube.ts';
import { bundlePath, generateSchemaBundle } from '../../../../scripts/generate-schemas.ts';
import { locateInput } from '../../../shared/contract/manifests.ts';
import { findKustomize, kustomizeBuild } from './kustomize.ts';
import { LocalManifestsService } from './manifests-service.ts';

const root = path.resolve(import.meta.dirname, '../../../..');
const savedPath = process.env.PATH;

describe('kustomize rendering and overlay comparison', () => {
  const service = new LocalManifestsService({ dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-')) });
  let workspace: string;

  beforeAll(async () => {
    process.env.PATH = `${path.join(root, 'lab/bin')}${path.delimiter}${savedPath}`;
    workspace = (await service.scaffold({ into: 'new-folder', name: 'shop' }))!.root;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
  });

  it('locates the objects of a rendered overlay: the overlay’s own patch first, else the base; null for what it does not hold', async () => {
    const { locations } = await service.locate({
      root: workspace,
      dir: 'overlays/eks',
      objects: [
        { kind: 'Deployment', namespace: 'shop', name: 'shop' },
        { kind: 'Ingress', namespace: 'shop', name: 'shop' },
        { kind: 'Namespace', namespace: null, name: 'shop' },
        { kind: 'Deployment', namespace: 'payments', name: 'shop' },
        { kind: 'Deployment', namespace: 'shop', name: 'elsewhere' },
      ],
    });
    const line = (file: string, text: string) => readFileSync(path.join(workspace, file), 'utf8').split('\n').indexOf(text) + 1;
    expect(locations).toEqual([
      { path: 'base/deployment.yaml', line: line('base/deployment.yaml', '  name: shop') },
      { path: 'overlays/eks/ingress-class.yaml', line: line('overlays/eks/ingress-class.yaml', '  name: shop') },
      { path: 'base/namespace.yaml', line: line('base/namespace.yaml', '  name: shop') },
      null,
      null,
    ]);
    expect(locations[0]!.line).toBeGreaterThan(1);
  });

  it('renders an overlay: base, patches and labels applied', async () => {
    const result = await service.render({ root: workspace, dir: 'overlays/eks' });
    expect(result.tool).toBe('kustomize v5.7.1');
    expect(result.objects).toBe(10);
    expect(result.yaml).toContain('storageClassName: efs-sc');
    expect(result.yaml).toContain('service.beta.kubernetes.io/aws-load-balancer-scheme: internal');
    expect(result.yaml).toContain('ingressClassName: alb');
    expect(result.yaml).toContain('namespace: shop');
  });

  it('the CLI renders an overlay folder it is given, reading the base beside it as kustomize does, and refuses a remote base unless --allow-remote', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/fleetdeck.js'), ...args], { encoding: 'utf8', env: { ...process.env, FLEETDECK_HOME: mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-')) } });
    const rendered = cli('render', path.join(workspace, 'overlays/eks'));
    expect(rendered.status, rendered.stderr).toBe(0);
    expect(rendered.stdout).toContain('storageClassName: efs-sc');
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-remote-'));
    writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: ["https://example.invalid/deploy.yaml"]\n');
    const refused = cli('render', dir);
    expect([refused.status, refused.stderr]).toEqual([1, 'fleetdeck: kustomization.yaml: resources[0] "https://example.invalid/deploy.yaml" is remote, and rendering is offline: allow remote resources to fetch it (--allow-remote in the CLI)\n']);
    // allowed, kustomize itself tries (and here fails: the name does not resolve)
    expect(cli('render', dir, '--allow-remote').stderr).toMatch(/^fleetdeck: kustomize v5\.7\.1 failed: .*example\.invalid/);
  });

  it('kustomize itself cannot fetch while rendering is offline: the defence behind the check of remote references', async () => {
    // Go's HTTP client bypasses proxies for loopback addresses: the server listens on this machine's other address
    const address = Object.values(networkInterfaces()).flat().find((i) => i?.family === 'IPv4' && !i.internal)?.address;
    expect(address, 'a non-loopback IPv4 address to serve from').toBeDefined();
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}\n');
    });
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    try {
      const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-remote-'));
      writeFileSync(path.join(dir, 'kustomization.yaml'), `resources: ["http://${address}:${(server.address() as AddressInfo).port}/cm.yaml"]\n`);
      const tool = await findKustomize([path.join(root, 'lab/bin')]);
      await expect(kustomizeBuild(tool, dir)).rejects.toMatchObject({ code: 'invalid-input' });
      expect(requests).toBe(0);
      expect(await kustomizeBuild(tool, dir, true)).toContain('name: fetched');
      expect(requests).toBe(1);
    } finally {
      server.close();
    }
  });

  it('kustomize clones nothing while offline, not even a repository on this machine (file://)', async () => {
    const repository = mkdtempSync(path.join(tmpdir(), 'fleetdeck-local-repo-'));
    const git = (...args: string[]) => spawnSync('git', ['-C', repository, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { encoding: 'utf8' });
    git('init', '--quiet', '--initial-branch=main');
    mkdirSync(path.join(repository, 'base'));
    writeFileSync(path.join(repository, 'base/kustomization.yaml'), 'resources: [cm.yaml]\n');
    writeFileSync(path.join(repository, 'base/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cloned}\n');
    git('add', '.');
    git('commit', '--quiet', '-m', 'base');
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-clone-'));
    writeFileSync(path.join(dir, 'kustomization.yaml'), `resources: ["file://${repository}//base?ref=main"]\n`);
    const tool = await findKustomize([path.join(root, 'lab/bin')]);
    await expect(kustomizeBuild(tool, dir)).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/transport 'file' not allowed/) });
    expect(await kustomizeBuild(tool, dir, true)).toContain('name: cloned');
  });

  it("a server on this machine gets no request while offline: each form kustomize reads (and does fetch, once allowed) is refused by the check, the closed network's gap", async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      res.end(req.url?.includes('patch') ? 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {patched: "yes"}\n' : 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const base64 = (text: string) => Buffer.from(text).toString('base64');
      const variants = [
        `Resources: [${url}/cm.yaml]`,
        `resources: [!!binary ${base64(`${url}/cm.yaml`)}]`,
        `re\u017Fources: [${url}/cm.yaml]`,
        `!!binary ${base64('resources')}: [${url}/cm.yaml]`,
        `<<: {RESOURCES: [${url}/cm.yaml]}`,
        `resources: [cm.yaml]\nPATCHES: [{PATH: ${url}/patch.yaml, target: {kind: ConfigMap}}]`,
        `resources: [cm.yaml]\nconfigMapGenerator: [{name: g, FILES: [key=${url}/cm.yaml]}]`,
        `resources: [cm.yaml]\ntransformers: ["{apiVersion: builtin, kind: PatchTransformer, metadata: {name: p}, path: '${url}/patch.yaml', target: {kind: ConfigMap}}"]`,
      ];
      for (const variant of variants) {
        const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-loopback-'));
        writeFileSync(path.join(dir, 'kustomization.yaml'), `${variant}\n`);
        writeFileSync(path.join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
        const own = new LocalManifestsService({ dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-')), workspaces: [dir] });
        await expect(own.render({ root: dir, dir: '' }), variant).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('rendering is offline') });
        expect(requests, variant).toBe(0);
        // the same kustomization, allowed: kustomize does fetch it
        await own.render({ root: dir, dir: '', allowRemote: true }).catch(() => undefined);
        expect(requests, variant).toBeGreaterThan(0);
        requests = 0;
      }
    } finally {
      server.close();
    }
  });

  it('uses kubectl kustomize where kustomize is not installed, with the same result', async () => {
    const kubectlOnly = mkdtempSync(path.join(tmpdir(), 'kubectl-only-'));
    symlinkSync(path.join(root, 'lab/bin/kubectl'), path.join(kubectlOnly, 'kubectl'));
    const viaKubectl = await findKustomize([kubectlOnly]);
    expect(viaKubectl.label).toBe('kubectl kustomize (kubectl v1.37.2)');
    const viaKustomize = await findKustomize([path.join(root, 'lab/bin')]);
    const overlay = path.join(workspace, 'overlays/aks');
    expect(await kustomizeBuild(viaKubectl, overlay)).toBe(await kustomizeBuild(viaKustomize, overlay));
  });

  it('compares the three cloud overlays and marks what differs per cloud', async () => {
    const comparison = await service.compareOverlays({ root: workspace, overlays: ['overlays/aks', 'overlays/gke', 'overlays/eks'] });
    const claim = comparison.objects.find((o) => o.kind === 'PersistentVolumeClaim')!;
    expect(claim.differences.find((d) => d.path === 'spec.storageClassName')).toMatchObject({ cloudSpecific: true, values: ['"azurefile-csi"', '"standard-rwx"', '"efs-sc"'] });
    const ingress = comparison.objects.find((o) => o.kind === 'Ingress')!;
    expect(ingress.differences.find((d) => d.path === 'spec.ingressClassName')?.values).toEqual(['"webapprouting.kubernetes.azure.com"', '"gce"', '"alb"']);
    const internal = comparison.objects.find((o) => o.name === 'shop-internal')!;
    expect(internal.differences.filter((d) => d.cloudSpecific).length).toBeGreaterThanOrEqual(3);
    // the label each overlay adds differs too, but is not a per-cloud setting the rules know
    expect(comparison.objects.every((o) => o.yaml.every(Boolean))).toBe(true);
  });

  it("a kustomization pointing at a missing file gets kustomize's own error, naming the file", async () => {
    const file = path.join(workspace, 'overlays/gke/kustomization.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('path: ingress-class.yaml', 'path: ingress-klass.yaml'));
    await expect(service.render({ root: workspace, dir: 'overlays/gke' })).rejects.toThrow(/kustomize.* failed: .*ingress-klass\.yaml: no such file/);
    const { problems } = await service.validate({ root: workspace });
    expect(problems).toEqual([expect.objectContaining({ file: 'overlays/gke/kustomization.yaml', line: 12, rule: 'kustomize-missing-file' })]);
  });

  // manifests.locate against a workspace others commit to and a caller that names what it likes:
  // a finding links only to a file the overlay's render reads, and nothing outside the workspace is rendered or read
  const deployment = { kind: 'Deployment', namespace: 'shop', name: 'shop' };
  const copyOf = (name: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  namespace: shop\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          securityContext:\n            privileged: true\n`;

  it('links a finding to the file the render reads, not to a stale file beside the overlay’s kustomization nor to a folder no kustomization names', async () => {
    const before = await service.locate({ root: workspace, dir: 'overlays/eks', objects: [deployment] });
    expect(before.locations[0]?.path).toBe('base/deployment.yaml');
    // a patch left in the overlay's folder after it was dropped from the kustomization, and an archived copy
    writeFileSync(path.join(workspace, 'overlays/eks/old-shop-patch.yaml'), copyOf('shop'));
    mkdirSync(path.join(workspace, 'archive'));
    writeFileSync(path.join(workspace, 'archive/shop.yaml'), copyOf('shop'));
    const { locations } = await service.locate({ root: workspace, dir: 'overlays/eks', objects: [deployment] });
    const line = readFileSync(path.join(workspace, 'base/deployment.yaml'), 'utf8').split('\n').indexOf('  name: shop') + 1;
    expect(locations).toEqual([{ path: 'base/deployment.yaml', line }]);
    const aks = await service.locate({ root: workspace, dir: 'overlays/aks', objects: [deployment] });
    expect(aks.locations[0]?.path).toBe('base/deployment.yaml');
  });

  it('refuses an overlay outside the workspace: .., an absolute path, a symlinked folder, .git', async () => {
    for (const dir of ['..', '../shop', 'overlays/../../x', '/etc', 'overlays\\..\\..']) expect(locateInput.safeParse({ root: workspace, dir, objects: [] }).success, dir).toBe(false);
    const outside = mkdtempSync(path.join(tmpdir(), 'fleetdeck-outside-'));
    writeFileSync(path.join(outside, 'kustomization.yaml'), 'resources:\n  - secret.yaml\n');
    writeFileSync(path.join(outside, 'secret.yaml'), copyOf('outside'));
    symlinkSync(outside, path.join(workspace, 'overlays/linked'));
    await expect(service.locate({ root: workspace, dir: 'overlays/linked', objects: [] })).rejects.toMatchObject({ code: 'forbidden' });
    // a kustomization inside that names the folder outside
    mkdirSync(path.join(workspace, 'overlays/reaching'));
    writeFileSync(path.join(workspace, 'overlays/reaching/kustomization.yaml'), `resources:\n  - ${outside}\n`);
    await expect(service.locate({ root: workspace, dir: 'overlays/reaching', objects: [] })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.locate({ root: workspace, dir: '.git', objects: [] })).rejects.toMatchObject({ code: expect.stringMatching(/forbidden|not-found/) });
  });
});

describe('schemas', () => {
  it('the bundled schemas are what scripts/generate-schemas.ts makes from the lab API server today', async () => {
    const fresh = await generateSchemaBundle(new LabApi(clusterByContext('aks-lab')));
    const bundled = JSON.parse(readFileSync(bundlePath, 'utf8'));
    expect(fresh.kubernetesVersion).toBe(bundled.kubernetesVersion);
    expect(fresh.kinds).toEqual(bundled.kinds);
    expect(JSON.stringify(fresh.definitions)).toBe(JSON.stringify(bundled.definitions));
  });
});
