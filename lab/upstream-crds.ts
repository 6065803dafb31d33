// Argo CD's and Flux's own CRDs, with their full schemas, taken from the projects' Go modules
// through the Go module proxy (the only place this machine can fetch them from). The proxy serves
// helm-controller's API types but not the module with its CRD YAML, so the HelmRelease CRD is
// generated from those types with controller-gen, as upstream generates it (lab/helm-crd).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { labDir, stateDir } from './config.ts';
import type { KubeObject } from './kube.ts';

/** The newest versions that build with the Go the lab uses (1.26); later ones need Go 1.27. */
const sources = [
  { module: 'github.com/argoproj/argo-cd/v3@v3.5.7', files: ['manifests/crds/application-crd.yaml', 'manifests/crds/applicationset-crd.yaml', 'manifests/crds/appproject-crd.yaml'] },
  { module: 'github.com/fluxcd/kustomize-controller@v1.9.6', files: ['config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml'] },
  {
    module: 'github.com/fluxcd/source-controller@v1.9.6',
    files: ['gitrepositories', 'helmrepositories', 'ocirepositories'].map((plural) => `config/crd/bases/source.toolkit.fluxcd.io_${plural}.yaml`),
  },
];

function moduleDir(module: string): string {
  const result = spawnSync('go', ['mod', 'download', '-json', module], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  const info = JSON.parse(result.stdout || '{}') as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module} failed: ${info.Error ?? result.stderr}`);
  return info.Dir;
}

/** controller-gen over helm-controller's v2 API types; the result is kept in lab/.state. */
function helmReleaseCrdFile(): string {
  const out = path.join(stateDir, 'crds');
  const file = path.join(out, 'helm.toolkit.fluxcd.io_helmreleases.yaml');
  if (existsSync(file)) return file;
  mkdirSync(out, { recursive: true });
  const result = spawnSync('go', ['tool', 'controller-gen', 'crd', 'paths=github.com/fluxcd/helm-controller/api/v2', `output:crd:dir=${out}`], {
    cwd: path.join(labDir, 'helm-crd'),
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  if (result.status !== 0 || !readdirSync(out).includes(path.basename(file))) throw new Error(`controller-gen for the HelmRelease CRD failed: ${result.stderr}`);
  return file;
}

const crdsIn = (file: string) => parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJS() as KubeObject).filter((crd) => crd?.kind === 'CustomResourceDefinition');

let cached: KubeObject[] | undefined;

export function upstreamCrds(): KubeObject[] {
  cached ??= [...sources.flatMap(({ module, files }) => files.flatMap((file) => crdsIn(path.join(moduleDir(module), file)))), ...crdsIn(helmReleaseCrdFile())];
  return cached;
}
