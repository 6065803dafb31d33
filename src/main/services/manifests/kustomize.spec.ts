// Issue 18 item 16: the workspace is offline. A kustomization that names a remote resource is
// refused before kustomize runs unless the user allows it, and kustomize itself runs with the
// network closed; a render reads nothing outside the workspace.
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamObjects } from '../../../shared/manifests/documents.ts';
import { remoteReferences } from './kustomize.ts';
import { LocalManifestsService } from './manifests-service.ts';

const temp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

function workspace(files: Record<string, string>): string {
  const root = temp('fleetdeck-ws-');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n';

describe('rendering is offline', () => {
  // a stand-in kustomize that renders what it was given to run with: its network settings
  const savedPath = process.env.PATH;
  beforeAll(() => {
    const bin = temp('fake-kustomize-');
    writeFileSync(
      path.join(bin, 'kustomize'),
      `#!/bin/sh\n[ "$1" = version ] && { echo v0.0.0-fake; exit 0; }\nprintf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: env}\\ndata: {https_proxy: "%s", HTTP_PROXY: "%s", NO_PROXY: "%s", GIT_ALLOW_PROTOCOL: "%s"}\\n' "$https_proxy" "$HTTP_PROXY" "$NO_PROXY" "$GIT_ALLOW_PROTOCOL"\n`,
    );
    chmodSync(path.join(bin, 'kustomize'), 0o755);
    process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
    process.env.NO_PROXY = 'example.com';
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    delete process.env.NO_PROXY;
  });

  const remote = [
    'https://raw.githubusercontent.com/org/repo/main/deploy.yaml',
    'http://example.com/deploy.yaml',
    'HTTPS://EXAMPLE.COM/deploy.yaml',
    'git::https://github.com/org/repo//deploy?ref=v1',
    'git@github.com:org/repo.git//deploy',
    'ssh://git@example.com/org/repo.git',
    'github.com/org/repo//deploy?ref=v1',
    'gh:org/repo//deploy',
    'file:///srv/repos/base.git',
    'gitlab.com/org/repo',
    'deploy?ref=main',
    ' https://example.com/with-space.yaml',
  ];

  it('refuses every remote form in resources, naming the file, the field, the reference and how to allow it', async () => {
    for (const ref of remote) {
      const root = workspace({ 'overlays/eks/kustomization.yaml': `resources:\n- local.yaml\n- ${JSON.stringify(ref)}\n`, 'overlays/eks/local.yaml': configMap });
      const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] });
      await expect(service.render({ root, dir: 'overlays/eks' }), ref).rejects.toMatchObject({
        code: 'forbidden',
        message: `overlays/eks/kustomization.yaml: resources[1] ${JSON.stringify(ref)} is remote, and rendering is offline: allow remote resources to fetch it (--allow-remote in the CLI)`,
      });
    }
  });

  it('finds remote references in every field kustomize loads from, through local bases and components', async () => {
    const root = workspace({
      'overlays/aks/kustomization.yaml': 'resources: [../../base]\ncomponents: [../../components/monitoring]\n',
      'base/kustomization.yaml': [
        'resources: [cm.yaml]',
        'bases: [github.com/org/bases//web]',
        'patches: [{path: "https://example.com/patch.yaml"}]',
        'patchesStrategicMerge: ["https://example.com/psm.yaml"]',
        'patchesJson6902: [{path: "https://example.com/json6902.yaml", target: {kind: ConfigMap, name: a}}]',
        'configMapGenerator: [{name: g, files: ["key=https://example.com/data.txt"], envs: ["https://example.com/env"]}]',
        'secretGenerator: [{name: s, env: "https://example.com/secret.env"}]',
        'crds: ["https://example.com/crd.yaml"]',
        'configurations: ["https://example.com/config.yaml"]',
        'generators: ["https://example.com/generator.yaml"]',
        'transformers: ["https://example.com/transformer.yaml"]',
        'validators: ["https://example.com/validator.yaml"]',
        'replacements: [{path: "https://example.com/replacement.yaml"}]',
        'openapi: {path: "https://example.com/openapi.json"}',
        'helmCharts: [{name: redis, repo: "https://charts.example.com"}]',
        'helmChartInflationGenerator: [{chartName: redis, chartRepoUrl: "oci://registry.example.com/charts"}]',
        '',
      ].join('\n'),
      'base/cm.yaml': configMap,
      'components/monitoring/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: ["git@example.com:org/monitoring.git"]\n',
    });
    const found = await remoteReferences(root, path.join(root, 'overlays/aks'), true);
    expect(found.map((r) => `${r.file} ${r.field}`)).toEqual([
      'base/kustomization.yaml bases[0]',
      'base/kustomization.yaml crds[0]',
      'base/kustomization.yaml patches[0].path',
      'base/kustomization.yaml patchesJson6902[0].path',
      'base/kustomization.yaml patchesStrategicMerge[0]',
      'base/kustomization.yaml configMapGenerator[0].files[0]',
      'base/kustomization.yaml configMapGenerator[0].envs[0]',
      'base/kustomization.yaml secretGenerator[0].env',
      'base/kustomization.yaml configurations[0]',
      'base/kustomization.yaml generators[0]',
      'base/kustomization.yaml transformers[0]',
      'base/kustomization.yaml validators[0]',
      'base/kustomization.yaml replacements[0].path',
      'base/kustomization.yaml openapi.path',
      'base/kustomization.yaml helmCharts[0].repo',
      'base/kustomization.yaml helmChartInflationGenerator[0].chartRepoUrl',
      'components/monitoring/kustomization.yaml resources[0]',
    ]);
    const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] });
    await expect(service.render({ root, dir: 'overlays/aks' })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/^base\/kustomization\.yaml: bases\[0\] "github\.com\/org\/bases\/\/web" is remote \(and 16 more\), and rendering is offline/) });
  });

  it('reads a kustomization as kustomize does (a repeated key, a merge key) and refuses one it cannot read', async () => {
    const render = (text: string) => {
      const root = workspace({ 'kustomization.yaml': text });
      return new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] }).render({ root, dir: '' });
    };
    await expect(render('resources: [cm.yaml]\nresources: ["https://example.com/last-wins.yaml"]\n')).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('last-wins.yaml') });
    await expect(render('base: &base {resources: ["https://example.com/merged.yaml"]}\n<<: *base\n')).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('merged.yaml') });
    const laughs = ['l0: &l0 [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`), 'resources: *l8'].join('\n');
    await expect(render(laughs)).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('kustomization.yaml: Excessive alias count') });
    await expect(render('resources: [a\n  - b: [\n')).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/^kustomization\.yaml is not valid YAML: /) });
  });

  it('renders with the network closed for kustomize, and with the user’s own settings once remote resources are allowed', async () => {
    const root = workspace({ 'kustomization.yaml': 'resources: [cm.yaml]\n', 'cm.yaml': configMap, 'remote/kustomization.yaml': 'resources: ["https://example.com/deploy.yaml"]\n' });
    const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] });
    const env = async (dir: string, allowRemote?: boolean) => streamObjects((await service.render({ root, dir, allowRemote })).yaml)[0].data;
    expect(await env('')).toEqual({ https_proxy: 'http://127.0.0.1:0', HTTP_PROXY: 'http://127.0.0.1:0', NO_PROXY: '', GIT_ALLOW_PROTOCOL: 'file' });
    expect(await env('remote', true)).toEqual({ https_proxy: '', HTTP_PROXY: '', NO_PROXY: 'example.com', GIT_ALLOW_PROTOCOL: '' });
  });

  it('reads only the workspace: a base, a file or a link outside it is refused', async () => {
    const elsewhere = workspace({ 'base/kustomization.yaml': 'secretGenerator: [{name: s, envs: [secrets.env]}]\n', 'base/secrets.env': 'token=s3cr3t\n', 'secret.yaml': configMap });
    const cases: [Record<string, string>, string][] = [
      [{ 'kustomization.yaml': `resources: [${path.join(elsewhere, 'base')}]\n` }, `kustomization.yaml: resources[0] "${path.join(elsewhere, 'base')}" leads outside the workspace`],
      [{ 'overlays/x/kustomization.yaml': `resources: [../../../${path.basename(elsewhere)}/base]\n` }, `overlays/x/kustomization.yaml: resources[0] "../../../${path.basename(elsewhere)}/base" leads outside the workspace`],
      [{ 'kustomization.yaml': 'resources: [linked.yaml]\n' }, 'kustomization.yaml: resources[0] "linked.yaml" leads outside the workspace'],
      [{ 'kustomization.yaml': 'configMapGenerator: [{name: c, files: [linked.yaml]}]\n' }, 'kustomization.yaml: configMapGenerator[0].files[0] "linked.yaml" leads outside the workspace'],
    ];
    for (const [files, message] of cases) {
      const root = workspace(files);
      symlinkSync(path.join(elsewhere, 'secret.yaml'), path.join(root, 'linked.yaml'));
      const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] });
      const dir = Object.keys(files)[0].replace(/\/?kustomization\.yaml$/, '');
      await expect(service.render({ root, dir }), message).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining(message) });
    }
    // a kustomization that is itself a link to one outside
    const root = workspace({});
    symlinkSync(path.join(elsewhere, 'base', 'kustomization.yaml'), path.join(root, 'kustomization.yaml'));
    const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] });
    await expect(service.render({ root, dir: '' })).rejects.toMatchObject({ code: 'forbidden', message: 'kustomization.yaml is a link to outside the workspace: rendering reads only the workspace' });
  });
});
