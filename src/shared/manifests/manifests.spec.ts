import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { bundledSchemas } from '../../../test/schema-bundle.ts';
import { apiVersionStatus } from './api-versions.ts';
import { parseManifests } from './documents.ts';
import { checkFile, checkWorkspace, createIncrementalChecker, rules, type Problem, type RuleId, type WorkspaceFile } from './lint.ts';
import { compareOverlays } from './overlay-diff.ts';
import { scaffoldFiles, validateAppName } from './scaffold.ts';
import { fieldSuggestions, schemaAtPath, schemaOfKind, validateAgainst } from './schema.ts';
import { contextOfPath, fileContexts, joinPath } from './workspace-model.ts';
import { cursorPlace } from './yaml-path.ts';

const bundle = bundledSchemas();

const check = (files: Record<string, string>, directories: string[] = [], kubernetesVersion?: string): Problem[] =>
  checkWorkspace(
    Object.entries(files).map(([p, text]): WorkspaceFile => ({ path: p, text })),
    new Set(['', ...directories]),
    bundle,
    { kubernetesVersion },
  );
const rulesOf = (problems: Problem[]) => problems.map((p) => p.rule);
const only = (problems: Problem[], rule: RuleId) => problems.filter((p) => p.rule === rule);

const deployment = (extra = '', container = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.2.3
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 128Mi}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /live, port: 8080}}
${container}${extra}`;

describe('documents', () => {
  it('gives each document its value and the line of any field', () => {
    const docs = parseManifests('a: 1\n---\nkind: Pod\nspec:\n  containers:\n    - name: x\n      image: y\n');
    expect(docs).toHaveLength(2);
    expect(docs[1].value).toMatchObject({ kind: 'Pod' });
    expect(docs[1].lineOf(['spec', 'containers', 0, 'image'])).toBe(7);
    // a path past what exists points at its deepest existing parent
    expect(docs[1].lineOf(['spec', 'containers', 0, 'missing', 'deeper'])).toBe(6);
  });

  it('reports syntax errors and duplicate keys with their line', () => {
    const [doc] = parseManifests('a: 1\nb: [1, 2\nc: 3\n');
    expect(doc.errors[0].line).toBeGreaterThanOrEqual(2);
    const [dup] = parseManifests('a: 1\nb: 2\na: 3\n');
    expect(dup.errors[0]).toMatchObject({ line: 3 });
    expect(dup.errors[0].message).toMatch(/unique/i);
  });
});

describe('schema validation (bundled schemas, generated from the lab API server)', () => {
  const schema = schemaOfKind(bundle, 'apps/v1', 'Deployment')!;

  it('knows built-in kinds and the Argo CD and Flux CRDs', () => {
    for (const key of ['apps/v1/Deployment', 'v1/Service', 'networking.k8s.io/v1/Ingress', 'argoproj.io/v1alpha1/Application', 'argoproj.io/v1alpha1/ApplicationSet', 'kustomize.toolkit.fluxcd.io/v1/Kustomization', 'source.toolkit.fluxcd.io/v1/GitRepository']) {
      expect(bundle.kinds[key], key).toBeDefined();
    }
  });

  it('accepts a valid object and flags unknown fields, wrong types, missing required fields and bad enums', () => {
    const valid = parse(deployment());
    expect(validateAgainst(bundle, schema, valid)).toEqual([]);
    const broken = parse(deployment());
    broken.spec.replicas = 'two';
    broken.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
    broken.spec.template.spec.containers[0].portz = [];
    delete broken.spec.selector;
    const issues = validateAgainst(bundle, schema, broken);
    expect(issues.map((i) => [i.code, i.path.join('.')])).toEqual(
      expect.arrayContaining([
        ['type', 'spec.replicas'],
        ['enum', 'spec.template.spec.containers.0.imagePullPolicy'],
        ['unknown-field', 'spec.template.spec.containers.0.portz'],
        ['required', 'spec.selector'],
      ]),
    );
  });

  it('accepts int-or-string and quantities in either form', () => {
    const d = parse(deployment());
    d.spec.template.spec.containers[0].readinessProbe.httpGet.port = 'http';
    d.spec.template.spec.containers[0].resources.requests.cpu = 0.5;
    d.spec.strategy = { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } };
    expect(validateAgainst(bundle, schema, d)).toEqual([]);
  });

  it('lets a patch leave out required fields and use strategic-merge directives', () => {
    const patch = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'web', $patch: 'delete' }] } } } };
    expect(validateAgainst(bundle, schema, patch, { partial: true })).toEqual([]);
    expect(validateAgainst(bundle, schema, patch).some((i) => i.code === 'required')).toBe(true);
  });

  it('validates CRD fields (Argo CD Application)', () => {
    const app = schemaOfKind(bundle, 'argoproj.io/v1alpha1', 'Application')!;
    const ok = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a' }, spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc' }, source: { repoURL: 'https://x', path: 'p' } } };
    expect(validateAgainst(bundle, app, ok)).toEqual([]);
    const typo = { ...ok, spec: { ...ok.spec, sourc: {} } };
    expect(validateAgainst(bundle, app, typo).map((i) => i.message)).toContain('unknown field "sourc"');
  });

  it('offers completion and hover from the schema', () => {
    const fields = fieldSuggestions(bundle, schema, ['spec', 'template', 'spec', 'containers', 0]);
    expect(fields[0]).toMatchObject({ name: 'name', required: true });
    expect(fields.map((f) => f.name)).toEqual(expect.arrayContaining(['image', 'readinessProbe', 'resources']));
    expect(schemaAtPath(bundle, schema, ['spec', 'replicas'])?.description).toMatch(/desired pods/i);
  });
});

describe('lint rules', () => {
  it('resources-missing, probes-missing, image-latest', () => {
    const bare = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx
        - name: sidecar
          image: envoyproxy/envoy:latest
`;
    const problems = check({ 'base/web.yaml': bare });
    expect(only(problems, 'resources-missing')).toHaveLength(2);
    expect(only(problems, 'probes-missing')).toHaveLength(2);
    expect(only(problems, 'image-latest').map((p) => p.line)).toEqual([11, 13]);
    expect(rulesOf(check({ 'base/web.yaml': deployment() }))).toEqual([]);
    // a digest is pinned
    expect(rulesOf(check({ 'base/web.yaml': deployment().replace('ghcr.io/acme/web:1.2.3', 'ghcr.io/acme/web@sha256:abc') }))).toEqual([]);
  });

  it('storage-class-in-base, and wrong-cloud-storage-class in an overlay', () => {
    const pvc = (sc: string) => `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: ${sc}\n  resources: {requests: {storage: 1Gi}}\n`;
    expect(only(check({ 'base/pvc.yaml': pvc('gp3') }), 'storage-class-in-base')).toHaveLength(1);
    expect(only(check({ 'overlays/aks/pvc.yaml': pvc('gp3') }), 'wrong-cloud-storage-class')[0].message).toContain("EKS's");
    expect(rulesOf(check({ 'overlays/eks/pvc.yaml': pvc('gp3') }))).toEqual([]);
    const sts = `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec: {storageClassName: premium-rwo}\n`;
    expect(only(check({ 'overlays/eks/sts-patch.yaml': sts }), 'wrong-cloud-storage-class')).toHaveLength(1);
  });

  it('wrong-cloud-lb-annotation and wrong-cloud-ingress-class', () => {
    const service = `apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  annotations:\n    networking.gke.io/load-balancer-type: Internal\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n`;
    const problems = check({ 'overlays/eks-prod/service.yaml': service });
    expect(only(problems, 'wrong-cloud-lb-annotation')[0]).toMatchObject({ line: 6, severity: 'error' });
    expect(rulesOf(check({ 'overlays/gke/service.yaml': service }))).toEqual([]);
    const ingress = `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  ingressClassName: alb\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n`;
    expect(only(check({ 'overlays/aks/ingress.yaml': ingress }), 'wrong-cloud-ingress-class')[0].message).toContain("EKS's");
    expect(rulesOf(check({ 'overlays/eks/ingress.yaml': ingress }))).toEqual([]);
  });

  it('api-removed and api-deprecated, for the target Kubernetes version', () => {
    const cronjob = `apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: nightly}\n`;
    expect(only(check({ 'jobs.yaml': cronjob }), 'api-removed')[0].message).toContain('removed in Kubernetes 1.25; use batch/v1');
    expect(only(check({ 'jobs.yaml': cronjob }, [], '1.23'), 'api-deprecated')).toHaveLength(1);
    expect(only(check({ 'jobs.yaml': cronjob }, [], '1.20'), 'api-deprecated')).toHaveLength(0);
    expect(apiVersionStatus('kustomize.toolkit.fluxcd.io/v1beta2', 'Kustomization', '1.37')?.state).toBe('deprecated');
    expect(apiVersionStatus('apps/v1', 'Deployment', '1.37')).toBeUndefined();
  });

  it('secret-plaintext, for Secrets and secretGenerator literals, not for SOPS-encrypted ones', () => {
    const secret = `apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n`;
    expect(only(check({ 'base/secret.yaml': secret }), 'secret-plaintext')[0]).toMatchObject({ line: 4, severity: 'error' });
    expect(only(check({ 'base/secret.yaml': `${secret}sops: {version: 3.9.0}\n` }), 'secret-plaintext')).toHaveLength(0);
    const kustomization = `resources: []\nsecretGenerator:\n  - name: db\n    literals: [password=hunter2]\n`;
    expect(only(check({ 'base/kustomization.yaml': kustomization }), 'secret-plaintext')[0].line).toBe(4);
  });

  it('namespace-without-networkpolicy, counting the namespace a kustomization sets', () => {
    const ns = `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n`;
    const policy = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}}\n`;
    expect(only(check({ 'base/ns.yaml': ns }), 'namespace-without-networkpolicy')).toHaveLength(1);
    expect(only(check({ 'base/ns.yaml': ns, 'base/np.yaml': policy.replace('name: deny', 'name: deny, namespace: shop') }), 'namespace-without-networkpolicy')).toHaveLength(0);
    const kustomization = `namespace: shop\nresources: [ns.yaml, np.yaml]\n`;
    expect(only(check({ 'base/kustomization.yaml': kustomization, 'base/ns.yaml': ns, 'base/np.yaml': policy }), 'namespace-without-networkpolicy')).toHaveLength(0);
  });

  it('single-replica and pdb-missing in production overlays only', () => {
    const single = deployment().replace('replicas: 2', 'replicas: 1');
    expect(rulesOf(check({ 'overlays/prod/web.yaml': single }))).toEqual(['pdb-missing', 'single-replica']);
    expect(rulesOf(check({ 'overlays/staging/web.yaml': single }))).toEqual([]);
    const pdb = `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: web}}\n`;
    expect(rulesOf(check({ 'overlays/production/web.yaml': deployment(), 'overlays/production/pdb.yaml': pdb }))).toEqual([]);
  });

  it('kustomize-missing-file for resources, patches and directories without a kustomization', () => {
    const kustomization = `resources:\n  - deployment.yaml\n  - ../../base\n  - https://github.com/acme/x//base?ref=v1\npatches:\n  - path: replicas.yaml\n`;
    const problems = check({ 'overlays/eks/kustomization.yaml': kustomization, 'overlays/eks/deployment.yaml': deployment() }, ['overlays', 'overlays/eks', 'base']);
    expect(only(problems, 'kustomize-missing-file').map((p) => [p.line, p.message])).toEqual([
      [3, 'resources[1]: directory "base" has no kustomization.yaml'],
      [6, 'patches[0].path: "overlays/eks/replicas.yaml" does not exist'],
    ]);
  });

  it('yaml-syntax, unknown-kind, not-a-kubernetes-object; other YAML is left alone', () => {
    const problems = check({
      'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  key: [oops\n',
      'b.yaml': 'apiVersion: acme.io/v1\nkind: Widget\nmetadata: {name: w}\n',
      'c.yaml': 'kind: ConfigMap\nmetadata: {name: x}\n',
      '.github/workflows/ci.yaml': 'on: push\njobs: {}\n',
    });
    expect(problems.map((p) => [p.file, p.rule])).toEqual([
      ['a.yaml', 'yaml-syntax'],
      ['b.yaml', 'unknown-kind'],
      ['c.yaml', 'not-a-kubernetes-object'],
    ]);
    // a CRD in the workspace makes its kind known
    const crd = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.acme.io}\nspec:\n  group: acme.io\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions: [{name: v1, served: true, storage: true}]\n---\napiVersion: acme.io/v1\nkind: Widget\nmetadata: {name: w}\n';
    expect(rulesOf(check({ 'crd.yaml': crd }))).toEqual([]);
  });

  it('the incremental checker of the editor finds exactly what a whole-file check finds, edit after edit', () => {
    const context = { role: 'resource' as const, overlay: false, production: false };
    const docs = [deployment(), 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  ports: [{port: "80"}]\n', deployment().replace('replicas: 2', 'replicaz: 2')];
    const check = createIncrementalChecker();
    let text = docs.join('---\n');
    expect(check('f.yaml', text, context, bundle)).toEqual(checkFile('f.yaml', text, context, bundle).problems);
    text = text.replace('port: "80"', 'port: 80').replace('replicaz', 'replicas').replace('image: ghcr.io/acme/web:1.2.3', 'image: nginx');
    const incremental = check('f.yaml', text, context, bundle);
    expect(incremental).toEqual(checkFile('f.yaml', text, context, bundle).problems);
    expect(incremental.map((p) => [p.line, p.rule])).toEqual([[15, 'image-latest']]);
  });

  it('every rule has a fix hint', () => {
    for (const [id, rule] of Object.entries(rules)) expect(rule.hint.length, id).toBeGreaterThan(20);
  });
});

describe('workspace model', () => {
  it('reads a file role and namespace from the kustomizations, and cloud and production from the path', () => {
    const contexts = fileContexts(
      ['base/kustomization.yaml', 'base/app.yaml', 'overlays/eks-prod/kustomization.yaml', 'overlays/eks-prod/replicas.yaml', 'docs/notes.md'],
      new Map<string, unknown>([
        ['base/kustomization.yaml', { namespace: 'shop', resources: ['app.yaml'] }],
        ['overlays/eks-prod/kustomization.yaml', { resources: ['../../base'], patches: [{ path: 'replicas.yaml' }] }],
      ]),
    );
    expect(contexts.get('base/app.yaml')).toEqual({ role: 'resource', namespace: 'shop', cloud: undefined, overlay: false, production: false });
    expect(contexts.get('overlays/eks-prod/replicas.yaml')).toMatchObject({ role: 'patch', cloud: 'eks', overlay: true, production: true });
    expect(contexts.get('docs/notes.md')?.role).toBe('other');
    expect(contextOfPath('clusters/gke-staging/app.yaml')).toMatchObject({ cloud: 'gke', production: false });
    expect(joinPath('overlays/eks', '../../base')).toBe('base');
    expect(joinPath('a', '../../x')).toBeUndefined();
  });
});

describe('overlay comparison', () => {
  it('lines up objects across overlays and marks the per-cloud differences', () => {
    const pvc = (sc: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'shop' }, spec: { storageClassName: sc, resources: { requests: { storage: '1Gi' } } } });
    const svc = (annotations: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop', annotations } });
    const result = compareOverlays([
      { dir: 'overlays/aks', objects: [pvc('azurefile-csi'), svc({ 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' })] },
      { dir: 'overlays/eks', objects: [pvc('efs-sc'), svc({ 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' }), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'eks-only', namespace: 'shop' } }] },
    ]);
    expect(result.objects.map((o) => o.kind)).toEqual(['ConfigMap', 'PersistentVolumeClaim', 'Service']);
    expect(result.objects[0].yaml[0]).toBeUndefined();
    const claim = result.objects[1];
    expect(claim.differences).toEqual([{ path: 'spec.storageClassName', cloudSpecific: true, values: ['"azurefile-csi"', '"efs-sc"'], lines: [7, 7] }]);
    expect(result.objects[2].differences.every((d) => d.cloudSpecific)).toBe(true);
  });
});

describe('scaffold', () => {
  it('writes a repository that passes its own validation with no finding', () => {
    const files = scaffoldFiles({ name: 'payments', repoURL: 'https://git.example/payments.git' });
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['base/kustomization.yaml', 'overlays/aks/kustomization.yaml', 'overlays/gke/storage-class.yaml', 'overlays/eks/ingress-class.yaml', 'gitops/argocd/applicationset.yaml', 'gitops/flux/eks/payments.yaml', '.github/workflows/validate.yaml']));
    const directories = new Set(Object.keys(files).flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
    expect(check(files, [...directories])).toEqual([]);
    expect(files['overlays/gke/storage-class.yaml']).toContain('storageClassName: standard-rwx');
    expect(files['overlays/eks/internal-load-balancer.yaml']).toContain('service.beta.kubernetes.io/aws-load-balancer-scheme: internal');
    expect(files['.github/workflows/validate.yaml']).toContain('fleetdeck validate .');
  });

  it('refuses names that are not DNS labels', () => {
    expect(validateAppName('Shop!')).toMatch(/not a valid name/);
    expect(validateAppName('shop-api')).toBeUndefined();
  });
});

describe('cursor place (completion and hover on half-typed YAML)', () => {
  const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx
          ima
        - name: sidecar
          resources:
            
      volumes:
      - name: data
        
---
kind: Service
`;
  const at = (line: number, column: number) => cursorPlace(text, line, column);

  it('finds the parent mapping through nested maps and list items, at any indentation style', () => {
    expect(at(11, 14)).toMatchObject({ parent: ['spec', 'template', 'spec', 'containers', 0], prefix: 'ima', apiVersion: 'apps/v1', kind: 'Deployment' });
    expect(at(14, 13)).toMatchObject({ parent: ['spec', 'template', 'spec', 'containers', 0, 'resources'], prefix: '' });
    // a list at its key's own indentation
    expect(at(17, 9)).toMatchObject({ parent: ['spec', 'template', 'spec', 'volumes', 0] });
    expect(at(5, 1)).toMatchObject({ parent: [], key: 'spec' });
  });

  it('names the key under the cursor, for hover', () => {
    expect(at(10, 12)).toMatchObject({ parent: ['spec', 'template', 'spec', 'containers', 0], key: 'image' });
    expect(at(9, 12)).toMatchObject({ parent: ['spec', 'template', 'spec', 'containers', 0], key: 'name' });
    expect(at(4, 3)).toMatchObject({ parent: ['metadata'], key: 'name' });
  });

  it('stays within its document', () => {
    expect(at(19, 3)).toMatchObject({ parent: [], key: 'kind', kind: 'Service', apiVersion: undefined });
  });
});
