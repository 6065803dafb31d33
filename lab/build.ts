import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { binDir, k8sVersion, labDir } from './config.ts';

interface GoBinary {
  name: string;
  module: string;
  pkg: string;
  ldflags: string[];
  env?: Record<string, string>;
}

const binaries: GoBinary[] = [
  {
    name: 'labk8s',
    module: path.join(labDir, 'k8s'),
    pkg: '.',
    ldflags: [`-X k8s.io/component-base/version.gitVersion=${k8sVersion}`, '-X k8s.io/component-base/version.gitMajor=1', '-X k8s.io/component-base/version.gitMinor=37'],
  },
  {
    name: 'kube-state-metrics',
    module: path.join(labDir, 'ksm'),
    pkg: 'k8s.io/kube-state-metrics/v2',
    ldflags: ['-X github.com/prometheus/common/version.Version=v2.18.0', '-X github.com/prometheus/common/version.BuildUser=fleetdeck-lab', '-X k8s.io/kube-state-metrics/v2/pkg/app.ClientGoVersion=v0.34.3'],
  },
  {
    // the workspace renders with the user's kustomize; the tests render with this one
    name: 'kustomize',
    module: path.join(labDir, 'kustomize'),
    pkg: 'sigs.k8s.io/kustomize/kustomize/v5',
    ldflags: [],
  },
  {
    // the volume movers' restic (node-sim runs it for restic/restic images) and the benchmark's peer; its version is in
    // its source; static, as restic's own release builds and image are
    name: 'restic',
    module: path.join(labDir, 'restic'),
    pkg: 'github.com/restic/restic/cmd/restic',
    ldflags: [],
    env: { CGO_ENABLED: '0' },
  },
  {
    name: 'lab-s3',
    module: path.join(labDir, 's3'),
    pkg: '.',
    ldflags: [],
  },
];

export const binary = (name: string) => path.join(binDir, name);

/** A digest of what the binary is built from, so it is rebuilt only when an input changed. */
function inputsDigest(spec: GoBinary): string {
  const hash = createHash('sha256').update(spec.pkg).update(spec.ldflags.join(' '));
  if (spec.env) hash.update(JSON.stringify(spec.env));
  hash.update(spawnSync('go', ['version'], { encoding: 'utf8' }).stdout ?? '');
  for (const file of readdirSync(spec.module).filter((f) => /\.(go|mod|sum)$/.test(f) && !f.endsWith('_test.go')).sort()) {
    hash.update(file).update(readFileSync(path.join(spec.module, file)));
  }
  return hash.digest('hex');
}

/** Builds each lab binary that is missing or out of date (the Go build cache makes rebuilds fast). */
export function buildBinaries(log: (line: string) => void): void {
  mkdirSync(binDir, { recursive: true });
  for (const spec of binaries) {
    const digest = inputsDigest(spec);
    const stamp = binary(`.${spec.name}.inputs`);
    if (existsSync(binary(spec.name)) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) continue;
    log(`building ${spec.name} from ${path.relative(process.cwd(), spec.module)} (cold: labk8s about 11 minutes, the others 1-4; the Go cache makes later builds fast)…`);
    const started = Date.now();
    const result = spawnSync('go', ['build', '-trimpath', '-ldflags', ['-s', '-w', ...spec.ldflags].join(' '), '-o', binary(spec.name), spec.pkg], {
      cwd: spec.module,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`go build of ${spec.name} failed (exit ${result.status})`);
    writeFileSync(stamp, digest);
    log(`built ${spec.name} in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  // labk8s dispatches on its executable name too: lab/bin/kubectl is the matching kubectl
  if (!existsSync(binary('kubectl'))) symlinkSync('labk8s', binary('kubectl'));
}
