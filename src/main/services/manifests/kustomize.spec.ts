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
    '\\\\fileserver\\share\\base',
    '//fileserver/share/base',
  ];

  it('refuses every remote form in resources, naming the file, the field, the reference and how to allow it', async () => {
    for (const ref of remote) {
      const root = workspace({ 'overlays/eks/kustomization.yaml': `resources:\n- local.yaml\n- ${JSON.stringify(ref)}\n`, 'overlays/eks/local.yaml': configMap });
      const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] });
      await expect(service.render({ root, dir: 'overlays/eks' }), ref).rejects.toMatchObject({
        code: 'forbidden',
        message: `overlays/eks/kustomization.yaml: resources[1] "${ref}" is remote, and rendering is offline: allow remote resources to fetch it (--allow-remote in the CLI)`,
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
    await expect(render(laughs)).rejects.toMatchObject({ code: 'invalid-input', message: 'kustomization.yaml: its aliases expand to more than 100000 values' });
    await expect(render('a: &a {b: *a}\nresources: [cm.yaml]\n')).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/^kustomization\.yaml: its values nest more than 1000 deep/) });
    await expect(render('resources: [a\n  - b: [\n')).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/^kustomization\.yaml is not valid YAML: /) });
  });

  describe('a kustomization read as kustomize reads it (go-yaml v2, then Go’s encoding/json)', () => {
    const outside = workspace({ 'base/kustomization.yaml': 'resources: [cm.yaml]\n', 'base/cm.yaml': configMap, 'cm.yaml': configMap });
    const root = workspace({ 'cm.yaml': configMap });
    const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] });
    const render = (text: string) => {
      writeFileSync(path.join(root, 'kustomization.yaml'), text);
      return service.render({ root, dir: '' });
    };
    const base64 = (text: string) => Buffer.from(text).toString('base64');

    /** Every place a kustomization names a path or URL, its keys written by `k`. */
    const placements: ((k: (key: string) => string, ref: string) => string)[] = [
      (k, ref) => `${k('resources')}: [${ref}]`,
      (k, ref) => `${k('bases')}: [${ref}]`,
      (k, ref) => `${k('components')}: [${ref}]`,
      (k, ref) => `${k('crds')}: [${ref}]`,
      (k, ref) => `${k('patches')}: [{${k('path')}: ${ref}}]`,
      (k, ref) => `${k('patchesJson6902')}: [{${k('path')}: ${ref}}]`,
      (k, ref) => `${k('patchesStrategicMerge')}: [${ref}]`,
      (k, ref) => `${k('configMapGenerator')}: [{name: g, ${k('files')}: [${ref}]}]`,
      (k, ref) => `${k('configMapGenerator')}: [{name: g, ${k('envs')}: [${ref}]}]`,
      (k, ref) => `${k('secretGenerator')}: [{name: s, ${k('env')}: ${ref}}]`,
      (k, ref) => `${k('configurations')}: [${ref}]`,
      (k, ref) => `${k('generators')}: [${ref}]`,
      (k, ref) => `${k('transformers')}: [${ref}]`,
      (k, ref) => `${k('validators')}: [${ref}]`,
      (k, ref) => `${k('replacements')}: [{${k('path')}: ${ref}}]`,
      (k, ref) => `${k('openapi')}: {${k('path')}: ${ref}}`,
      (k, ref) => `${k('helmCharts')}: [{name: c, ${k('repo')}: ${ref}}]`,
      (k, ref) => `${k('helmCharts')}: [{name: c, ${k('valuesFile')}: ${ref}}]`,
      (k, ref) => `${k('helmCharts')}: [{name: c, ${k('additionalValuesFiles')}: [${ref}]}]`,
      (k, ref) => `${k('helmChartInflationGenerator')}: [{chartName: c, ${k('chartRepoUrl')}: ${ref}}]`,
      (k, ref) => `${k('helmChartInflationGenerator')}: [{chartName: c, ${k('values')}: ${ref}}]`,
      (k, ref) => `${k('helmGlobals')}: {${k('chartHome')}: ${ref}}`,
    ];
    /** How a key may be written and still name the field for kustomize. */
    const keys: [string, (key: string) => string][] = [
      ['as documented', (key) => key],
      ['in capitals', (key) => key.toUpperCase()],
      ['capitalized', (key) => key[0].toUpperCase() + key.slice(1)],
      ['in alternating case', (key) => [...key].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('')],
      ['with ſ for s and the Kelvin sign for k', (key) => key.replace(/s/g, '\u017F').replace(/k/gi, '\u212A')],
      ['quoted', (key) => JSON.stringify(key)],
      ['as !!str', (key) => `!!str ${key}`],
      ['as !!binary', (key) => `!!binary ${base64(key)}`],
    ];
    /** How a value may be written and still be the same text for kustomize. */
    const values: [string, (ref: string) => string][] = [
      ['plain', (ref) => ref],
      ['quoted', (ref) => `'${ref}'`],
      ['as !!str', (ref) => `!!str ${ref}`],
      ['as !!binary', (ref) => `!!binary ${base64(ref)}`],
      ['as verbatim !<tag:yaml.org,2002:binary>', (ref) => `!<tag:yaml.org,2002:binary> ${base64(ref)}`],
      ['through an alias', () => '*ref'],
    ];
    /** A document around one placement: an anchor kustomize accepts (namePrefix), and optionally the placement merged in. */
    const kustomization = (placement: string, ref: string, merged: boolean) => `namePrefix: &ref ${ref}\n${merged ? `<<: {${placement}}` : placement}\n`;

    it('refuses the red team’s four kustomizations: a key in capitals, a !!binary path, a file:// clone, a server on this machine', async () => {
      const outsideBase = path.relative(root, path.join(outside, 'base'));
      const cases: [string, RegExp][] = [
        [`Resources:\n- ${outsideBase}\n`, /^kustomization\.yaml: Resources\[0\] ".*" leads outside the workspace/],
        [`resources:\n- !!binary ${base64(outsideBase)}\n`, /^kustomization\.yaml: resources\[0\] ".*" leads outside the workspace/],
        [`RESOURCES:\n- file://${outside}//base\n`, /^kustomization\.yaml: RESOURCES\[0\] "file:\/\/.*\/\/base" is remote, and rendering is offline/],
        ['Resources:\n- http://127.0.0.1:39994/cm.yaml\n', /^kustomization\.yaml: Resources\[0\] "http:\/\/127\.0\.0\.1:39994\/cm\.yaml" is remote, and rendering is offline/],
      ];
      for (const [text, message] of cases) await expect(render(text), text).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(message) });
    });

    it('finds a remote reference in every field, whatever the case or tag of its keys, however its value is written, merged in or not', async () => {
      const remote = ['http://127.0.0.1:39994/cm.yaml', 'HTTP://LOCALHOST:8080/cm.yaml', 'https://localhost./cm.yaml', 'file:///srv/repo//base'];
      let n = 0;
      for (const placement of placements) {
        for (const [keyForm, k] of keys) {
          for (const [valueForm, v] of [...values, ['plain, merged in', (ref: string) => ref] as const]) {
            const ref = remote[n++ % remote.length];
            const text = kustomization(placement(k, v(ref)), ref, valueForm.endsWith('merged in'));
            await expect(render(text), `${text}(keys ${keyForm}, value ${valueForm})`).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining(`"${ref}" is remote`) });
          }
        }
      }
    }, 60_000);

    it('refuses a path out of the workspace in every field, written in any of those forms', async () => {
      const ref = path.relative(root, path.join(outside, 'cm.yaml'));
      for (const placement of placements) {
        for (const [keyForm, k] of keys) {
          for (const [valueForm, v] of values) {
            const text = kustomization(placement(k, v(ref)), 'prefix-', false);
            // namePrefix holds no path here: the alias form names the same text through a second anchor
            const aliased = valueForm === 'through an alias' ? `x: &ref ${ref}\n${placement(k, '*ref')}\n` : text;
            await expect(render(aliased), `${aliased}(keys ${keyForm}, value ${valueForm})`).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining(`"${ref}" leads outside the workspace`) });
          }
        }
      }
    }, 60_000);

    it('reads a path as kustomize does when a block scalar ends the file without a line break, and checks a path holding a line break', async () => {
      const outsideBase = path.relative(root, path.join(outside, 'base'));
      await expect(render(`resources:\n- |\n  ${outsideBase}`)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('leads outside the workspace') });
      // a link in the workspace whose name holds a line break, to a kustomization outside
      symlinkSync(path.join(outside, 'base'), path.join(root, 'line\nbreak'));
      await expect(render('resources: ["line\\nbreak"]\n')).rejects.toMatchObject({ code: 'forbidden', message: 'kustomization.yaml: resources[0] "line\nbreak" leads outside the workspace: rendering reads only the workspace (open the folder that holds both)' });
    });

    it('refuses a reference it cannot resolve rather than passing over it: a chain of more links than realpath(3) follows (Go follows 255)', async () => {
      let target = path.join(outside, 'base');
      for (let i = 0; i < 45; i++) {
        const link = path.join(root, `chain-${i}`);
        symlinkSync(target, link);
        target = link;
      }
      await expect(render(`resources: [${path.basename(target)}]\n`)).rejects.toMatchObject({ code: 'forbidden', message: 'kustomization.yaml: resources[0] "chain-44" cannot be resolved (ELOOP), so it is not rendered' });
    });

    it('checks every key kustomize may take for a field: both spellings, whichever comes last, and merges as go-yaml applies them', async () => {
      const ref = 'http://127.0.0.1:39994/cm.yaml';
      for (const text of [
        `resources: [cm.yaml]\nResources: [${ref}]\n`,
        `Resources: [${ref}]\nresources: [cm.yaml]\n`,
        `RESOURCES: [${ref}]\nresources: [cm.yaml]\nResources: [cm.yaml]\n`,
        `patches: [{path: cm.yaml, PATH: ${ref}}]\n`,
        // go-yaml v2: a merge overwrites the keys before it
        `resources: [cm.yaml]\n<<: {resources: [${ref}]}\n`,
        // in a list of merges the first wins
        `a: &a {resources: [${ref}]}\nb: &b {resources: [cm.yaml]}\n<<: [*a, *b]\n`,
        `a: &a {resources: [${ref}]}\n!!merge <<: *a\n`,
        `!!binary ${base64('resources')}: [${ref}]\n`,
      ]) {
        await expect(render(text), text).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining(`"${ref}" is remote`) });
      }
      // what go-yaml v2 reads instead (the key after a merge, the first of two merges, "<<" quoted) is what is checked and rendered
      for (const text of [`<<: {resources: [${ref}]}\nresources: [cm.yaml]\n`, `a: &a {resources: [cm.yaml]}\nb: &b {resources: [${ref}]}\n<<: [*a, *b]\n`]) {
        expect((await render(text)).objects, text).toBe(1);
      }
    });

    it('refuses what it cannot read as kustomize does: an unknown tag, a !!binary that is not base64 text, a key that is not text, a list where a path goes, a line break YAML versions disagree on', async () => {
      const cases: [string, string][] = [
        ['resources: [!local cm.yaml]\n', 'kustomization.yaml: a value is tagged !local, which Fleetdeck does not read as kustomize does: write the value without the tag'],
        ['resources: [!!int 1]\n', 'kustomization.yaml: a value is tagged tag:yaml.org,2002:int, which Fleetdeck does not read as kustomize does: write the value without the tag'],
        ['resources: !!set {cm.yaml}\n', 'kustomization.yaml: a value is tagged tag:yaml.org,2002:set, which Fleetdeck does not read as kustomize does: write the value without the tag'],
        ['!custom resources: [cm.yaml]\n', 'kustomization.yaml: a value is tagged !custom, which Fleetdeck does not read as kustomize does: write the value without the tag'],
        ['resources: [!!binary Li4v Li4v]\n', 'kustomization.yaml: a !!binary value is not base64 of UTF-8 text'],
        [`resources: [!!binary ${Buffer.from([0xff, 0xfe, 0x2f]).toString('base64')}]\n`, 'kustomization.yaml: a !!binary value is not base64 of UTF-8 text'],
        ['? [resources]\n: [cm.yaml]\n', 'kustomization.yaml: a key is not a plain value (kustomize reads only text keys)'],
        ['<<: [cm.yaml]\n', 'kustomization.yaml: a << merge names something other than a mapping'],
        // YAML 1.1 reads "http:" in a flow list as text, YAML 1.2 as a mapping: neither is passed over
        ['resources: [link:, cm.yaml]\n', 'kustomization.yaml: resources[0] is a list or a mapping where kustomize reads a path or URL'],
        ['patches: [[cm.yaml]]\n', 'kustomization.yaml: patches[0] is a list or a mapping where kustomize reads a path or URL'],
        ['- resources\n', 'kustomization.yaml is not a mapping of fields'],
        ...['\u0085', '\u2028', '\u2029', '\r'].map((dispute): [string, string] => [
          `resources:\n- ../outside/base${dispute}more\n`,
          'kustomization.yaml holds a line break YAML versions read differently (a lone CR, NEL, LS or PS, or an escaped line break before an empty line): write plain line breaks',
        ]),
        ['resources: ["../out\\\n\n  side"]\n', 'kustomization.yaml holds a line break YAML versions read differently (a lone CR, NEL, LS or PS, or an escaped line break before an empty line): write plain line breaks'],
      ];
      for (const [text, message] of cases) await expect(render(text), text).rejects.toMatchObject({ code: 'invalid-input', message });
    });

    it('finds what a generator, transformer or validator configuration fetches: written inline, on one line, in a file, or built by a kustomization', async () => {
      const ref = 'http://127.0.0.1:39994/patch.yaml';
      const config = (field: string) => `apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\n${field}: ${ref}\ntarget: {kind: ConfigMap}\n`;
      writeFileSync(path.join(root, 'transformer.yaml'), config('path'));
      writeFileSync(path.join(root, 'generator.yaml'), `apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: g}\nfiles: [!!binary ${base64(`key=${ref}`)}]\n`);
      mkdirSync(path.join(root, 'plugins'), { recursive: true });
      writeFileSync(path.join(root, 'plugins/kustomization.yaml'), 'resources: [../transformer.yaml]\n');
      const cases: [string, string][] = [
        [`transformers:\n- |\n${config('path').replace(/^/gm, '  ')}`, `kustomization.yaml: transformers[0].path "${ref}" is remote`],
        [`Transformers: ["{apiVersion: builtin, kind: PatchTransformer, metadata: {name: p}, Path: '${ref}'}"]\n`, `kustomization.yaml: Transformers[0].Path "${ref}" is remote`],
        ['validators: [transformer.yaml]\n', `transformer.yaml: path "${ref}" is remote`],
        ['generators: [generator.yaml]\n', `generator.yaml: files[0] "key=${ref}" is remote`],
        ['transformers: [plugins]\n', 'kustomization.yaml: transformers[0] "plugins" is a kustomization of plugin configurations, which may fetch what it names'],
      ];
      for (const [text, message] of cases) await expect(render(text), text).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining(message) });
      // allowed to fetch, a kustomization of plugin configurations still reads only the workspace
      writeFileSync(path.join(root, 'plugins/kustomization.yaml'), `resources: [${path.relative(path.join(root, 'plugins'), path.join(outside, 'base'))}]\n`);
      writeFileSync(path.join(root, 'kustomization.yaml'), 'transformers: [plugins]\n');
      await expect(service.render({ root, dir: '', allowRemote: true })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/^plugins\/kustomization\.yaml: resources\[0\] ".*" leads outside the workspace/) });
    });
  });

  it('renders with the network closed for kustomize, and with the user’s own settings once remote resources are allowed', async () => {
    const root = workspace({ 'kustomization.yaml': 'resources: [cm.yaml]\n', 'cm.yaml': configMap, 'remote/kustomization.yaml': 'resources: ["https://example.com/deploy.yaml"]\n' });
    const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] });
    const env = async (dir: string, allowRemote?: boolean) => streamObjects((await service.render({ root, dir, allowRemote })).yaml)[0].data;
    // no protocol is allowed to git: not even file, which clones a repository on this machine
    expect(await env('')).toEqual({ https_proxy: 'http://127.0.0.1:0', HTTP_PROXY: 'http://127.0.0.1:0', NO_PROXY: '', GIT_ALLOW_PROTOCOL: 'fleetdeck-offline' });
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
