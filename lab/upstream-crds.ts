// Argo CD's and Flux's own CRDs, with their full schemas, taken from the projects' Go modules
// through the Go module proxy (the only place this machine can fetch them from). Flux's
// helm-controller is not served by the proxy, so HelmRelease keeps the lab's partial CRD (seed.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
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

let cached: KubeObject[] | undefined;

export function upstreamCrds(): KubeObject[] {
  cached ??= sources.flatMap(({ module, files }) => {
    const dir = moduleDir(module);
    return files.flatMap((file) => parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((doc) => doc.toJS() as KubeObject)).filter((crd) => crd?.kind === 'CustomResourceDefinition');
  });
  return cached;
}
