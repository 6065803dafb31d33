// The workspace checks: YAML syntax, schema validation against the bundled OpenAPI schemas, and
// the lint rules, each with an id and a fix hint. Pure: main reads the files, the editor checks
// the open file on every edit with the same code.
import { cloudProfiles, type ManagedCloud } from '../cloud-profiles.ts';
import { apiVersionStatus } from './api-versions.ts';
import { formatPath, parseManifests, type FieldPath, type ManifestDocument } from './documents.ts';
import { kindKey, schemaOfKind, validateAgainst, type SchemaBundle, type SchemaIssueCode } from './schema.ts';
import { fileContexts, isKustomizationFile, isYamlFile, kustomizationReferences, type FileContext } from './workspace-model.ts';
import { isObject, type ManifestObject } from '../kube-object.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface Problem {
  file: string;
  line: number;
  severity: Severity;
  rule: RuleId;
  message: string;
  hint: string;
}

export const rules = {
  'yaml-syntax': { severity: 'error', hint: 'Fix the YAML at this line (indentation, a missing colon or quote, a duplicate key).' },
  'not-a-kubernetes-object': { severity: 'error', hint: 'A file listed as a kustomization resource must hold objects with apiVersion and kind.' },
  'unknown-kind': { severity: 'warning', hint: 'Check apiVersion and kind; a custom resource needs its CRD in the workspace or in the bundled schemas.' },
  'schema-unknown-field': { severity: 'error', hint: 'Remove the field or fix its spelling; the API server rejects unknown fields under strict validation.' },
  'schema-type': { severity: 'error', hint: 'Change the value to the type the API expects (quote numbers meant as strings).' },
  'schema-required': { severity: 'error', hint: 'Add the required field.' },
  'schema-enum': { severity: 'error', hint: 'Use one of the allowed values.' },
  'kustomize-missing-file': { severity: 'error', hint: 'Fix the path, or add the file or directory (a directory needs its own kustomization.yaml).' },
  'resources-missing': { severity: 'warning', hint: 'Set resources.requests (cpu, memory) and resources.limits (at least memory) so the scheduler and the OOM killer behave predictably.' },
  'image-latest': { severity: 'warning', hint: 'Pin the image to a version tag or a digest; ":latest" and untagged images change under you.' },
  'probes-missing': { severity: 'warning', hint: 'Add a readinessProbe (traffic only when ready) and a livenessProbe (restart when stuck).' },
  'storage-class-in-base': { severity: 'warning', hint: 'Storage classes differ per cloud: leave storageClassName out of the base and set it in each overlay with a patch.' },
  'wrong-cloud-lb-annotation': { severity: 'error', hint: "Use this cloud's load-balancer annotation; another cloud's is ignored and the Service becomes public." },
  'wrong-cloud-ingress-class': { severity: 'error', hint: "Use an ingress class this cloud provides; no controller picks up another cloud's class." },
  'wrong-cloud-storage-class': { severity: 'error', hint: "Use a storage class this cloud provides; the claim stays Pending with another cloud's class." },
  'api-removed': { severity: 'error', hint: 'Move the object to the replacement API version; the API server no longer serves this one.' },
  'api-deprecated': { severity: 'warning', hint: 'Move the object to the replacement API version before it is removed.' },
  'secret-plaintext': { severity: 'error', hint: 'Do not commit Secret values: use SOPS, Sealed Secrets or External Secrets.' },
  'namespace-without-networkpolicy': { severity: 'warning', hint: 'Add a default-deny NetworkPolicy to the namespace, then allow what it needs.' },
  'single-replica': { severity: 'warning', hint: 'Run at least 2 replicas in production so a node drain or a crash does not take the service down.' },
  'pdb-missing': { severity: 'warning', hint: 'Add a PodDisruptionBudget (e.g. minAvailable: 1) matching the Deployment so voluntary disruptions keep it up.' },
} satisfies Record<string, { severity: Severity; hint: string }>;

export type RuleId = keyof typeof rules;

/** The rules only a whole-workspace check can apply; the others need just the file. */
export const crossFileRules = new Set<RuleId>(['namespace-without-networkpolicy', 'pdb-missing', 'kustomize-missing-file']);

export interface CheckOptions {
  /** the Kubernetes version the manifests are meant for; the bundle's by default */
  kubernetesVersion?: string;
}

/** A parsed object with where it came from, for the checks that span files. */
export interface LocatedObject {
  file: string;
  context: FileContext;
  object: ManifestObject;
  lineOf(path: FieldPath): number;
}

export interface FileCheck {
  problems: Problem[];
  objects: LocatedObject[];
}

const isManifestObject = (v: unknown): v is ManifestObject => isObject(v) && typeof v.apiVersion === 'string' && typeof v.kind === 'string';

const podSpecPaths: Record<string, FieldPath> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
const longRunning = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

function get(value: unknown, path: FieldPath): unknown {
  return path.reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined), value);
}

const otherClouds = (cloud: ManagedCloud) => (Object.keys(cloudProfiles) as ManagedCloud[]).filter((c) => c !== cloud);

/** Whether `name` belongs only to another cloud than `cloud` (names every cloud shares, like "standard", are fine). */
function foreignName(cloud: ManagedCloud, name: string, namesOf: (c: ManagedCloud) => string[]): ManagedCloud | undefined {
  if (namesOf(cloud).includes(name)) return undefined;
  return otherClouds(cloud).find((c) => namesOf(c).includes(name));
}

type Report = (rule: RuleId, path: FieldPath, message: string) => void;

function lintObject(object: ManifestObject, context: FileContext, kubernetesVersion: string, report: Report): void {
  const patch = context.role === 'patch';
  const api = apiVersionStatus(object.apiVersion, object.kind, kubernetesVersion);
  if (api) {
    const { change } = api;
    const instead = change.replacement ? `; use ${change.replacement}` : '';
    if (api.state === 'removed') report('api-removed', ['apiVersion'], `${object.apiVersion} ${object.kind} was removed in Kubernetes ${change.removedIn}${instead}`);
    else report('api-deprecated', ['apiVersion'], `${object.apiVersion} ${object.kind} is deprecated${change.deprecatedIn ? ` since Kubernetes ${change.deprecatedIn}` : ''}${change.removedIn ? ` and removed in ${change.removedIn}` : ''}${instead}`);
  }

  const podPath = podSpecPaths[object.kind];
  const podSpec = podPath ? get(object, podPath) : undefined;
  if (isObject(podSpec) && Array.isArray(podSpec.containers)) {
    podSpec.containers.forEach((container: unknown, i: number) => {
      if (!isObject(container)) return;
      const at: FieldPath = [...podPath, 'containers', i];
      const name = typeof container.name === 'string' ? container.name : `#${i + 1}`;
      if (typeof container.image === 'string') {
        const image = container.image;
        const tag = image.includes('@') ? 'digest' : /:([^/:]+)$/.exec(image)?.[1];
        if (!tag) report('image-latest', [...at, 'image'], `container "${name}" uses the untagged image "${image}" (which means :latest)`);
        else if (tag === 'latest') report('image-latest', [...at, 'image'], `container "${name}" uses "${image}"`);
      }
      if (patch) return;
      const resources = isObject(container.resources) ? container.resources : {};
      const missing = ['requests', 'limits'].filter((k) => !isObject(resources[k]) || Object.keys(resources[k] as object).length === 0);
      if (missing.length) report('resources-missing', at, `container "${name}" has no resource ${missing.join(' or ')}`);
      if (longRunning.has(object.kind)) {
        const probes = ['readinessProbe', 'livenessProbe'].filter((p) => !container[p]);
        if (probes.length) report('probes-missing', at, `container "${name}" has no ${probes.join(' or ')}`);
      }
    });
  }

  const storageClasses: [FieldPath, unknown][] = [];
  if (object.kind === 'PersistentVolumeClaim' || object.kind === 'PersistentVolume') storageClasses.push([['spec', 'storageClassName'], object.spec?.storageClassName]);
  if (object.kind === 'StatefulSet' && Array.isArray(object.spec?.volumeClaimTemplates)) {
    object.spec.volumeClaimTemplates.forEach((t: unknown, i: number) => storageClasses.push([['spec', 'volumeClaimTemplates', i, 'spec', 'storageClassName'], get(t, ['spec', 'storageClassName'])]));
  }
  for (const [path, value] of storageClasses) {
    if (typeof value !== 'string' || value === '') continue;
    if (!context.overlay) report('storage-class-in-base', path, `storage class "${value}" is set in a base`);
    else if (context.cloud) {
      const owner = foreignName(context.cloud, value, (c) => cloudProfiles[c].storageClasses.map((s) => s.name));
      if (owner) report('wrong-cloud-storage-class', path, `storage class "${value}" is ${owner.toUpperCase()}'s, in an overlay for ${context.cloud.toUpperCase()}`);
    }
  }

  if (context.cloud) {
    const cloud = context.cloud;
    const annotations = isObject(object.metadata?.annotations) ? object.metadata.annotations : {};
    if (object.kind === 'Service') {
      for (const key of Object.keys(annotations)) {
        const owner = foreignName(cloud, key, (c) => Object.keys(cloudProfiles[c].internalLoadBalancer));
        if (owner) report('wrong-cloud-lb-annotation', ['metadata', 'annotations', key], `annotation "${key}" is ${owner.toUpperCase()}'s, in an overlay for ${cloud.toUpperCase()}`);
      }
    }
    if (object.kind === 'Ingress') {
      const classes: [FieldPath, unknown][] = [
        [['spec', 'ingressClassName'], object.spec?.ingressClassName],
        [['metadata', 'annotations', 'kubernetes.io/ingress.class'], annotations['kubernetes.io/ingress.class']],
      ];
      for (const [path, value] of classes) {
        if (typeof value !== 'string') continue;
        const owner = foreignName(cloud, value, (c) => cloudProfiles[c].ingressClasses.map((i) => i.name));
        if (owner) report('wrong-cloud-ingress-class', path, `ingress class "${value}" is ${owner.toUpperCase()}'s, in an overlay for ${cloud.toUpperCase()}`);
      }
    }
  }

  if (object.kind === 'Secret' && object.apiVersion === 'v1' && !('sops' in object)) {
    const keys = ['data', 'stringData'].filter((k) => isObject(object[k]) && Object.keys(object[k] as object).length > 0);
    if (keys.length) report('secret-plaintext', [keys[0]], `Secret "${object.metadata?.name ?? ''}" carries its values in plain text (base64 is not encryption)`);
  }

  if (context.production && object.kind === 'Deployment') {
    const replicas = object.spec?.replicas;
    if (replicas === 1 || (replicas === undefined && !patch)) report('single-replica', replicas === undefined ? ['spec'] : ['spec', 'replicas'], `Deployment "${object.metadata?.name ?? ''}" runs a single replica in a production overlay`);
  }
}

function lintKustomization(file: string, value: unknown, report: Report): void {
  if (!isObject(value) || !Array.isArray(value.secretGenerator)) return;
  value.secretGenerator.forEach((g: unknown, i: number) => {
    if (isObject(g) && Array.isArray(g.literals) && g.literals.length) report('secret-plaintext', ['secretGenerator', i, 'literals'], `secretGenerator "${String(g.name ?? i)}" in ${file} has literal values in Git`);
  });
}

const schemaRules: Record<SchemaIssueCode, RuleId> = { 'unknown-field': 'schema-unknown-field', type: 'schema-type', required: 'schema-required', enum: 'schema-enum' };

/** The checks that need only this file: syntax, schema, and the per-object lint rules. */
export function checkFile(file: string, text: string, context: FileContext, bundle: SchemaBundle, options: CheckOptions = {}): FileCheck {
  const problems: Problem[] = [];
  const objects: LocatedObject[] = [];
  const kubernetesVersion = options.kubernetesVersion ?? bundle.kubernetesVersion;
  const customKinds = new Set<string>();
  const docs = parseManifests(text);
  const reporter =
    (doc: ManifestDocument): Report =>
    (rule, path, message) =>
      problems.push({ file, line: doc.lineOf(path), severity: rules[rule].severity, rule, message, hint: rules[rule].hint });
  for (const doc of docs) {
    for (const e of doc.errors) problems.push({ file, line: e.line, severity: 'error', rule: 'yaml-syntax', message: e.message, hint: rules['yaml-syntax'].hint });
    if (doc.value === undefined || doc.value === null) continue;
    const report = reporter(doc);
    if (context.role === 'kustomization') {
      lintKustomization(file, doc.value, report);
      continue;
    }
    if (!isManifestObject(doc.value)) {
      // other YAML (CI workflows, Helm values, JSON 6902 patch lists) is not ours to judge
      if (context.role === 'resource' && isObject(doc.value) && ('apiVersion' in doc.value || 'kind' in doc.value)) {
        report('not-a-kubernetes-object', [], 'a document with apiVersion or kind needs both, as strings');
      }
      continue;
    }
    const object = doc.value;
    if (object.kind === 'CustomResourceDefinition') {
      const spec = (object.spec ?? {}) as { group?: string; names?: { kind?: string }; versions?: { name?: string }[] };
      for (const v of spec.versions ?? []) customKinds.add(kindKey(`${spec.group}/${v.name}`, spec.names?.kind ?? ''));
    }
    objects.push({ file, context, object, lineOf: doc.lineOf });
    const schema = schemaOfKind(bundle, object.apiVersion, object.kind);
    if (schema) {
      for (const issue of validateAgainst(bundle, schema, object, { partial: context.role === 'patch' })) {
        report(schemaRules[issue.code], issue.path, `${formatPath(issue.path) || object.kind}: ${issue.message}`);
      }
    } else if (!customKinds.has(kindKey(object.apiVersion, object.kind)) && !apiVersionStatus(object.apiVersion, object.kind, kubernetesVersion)) {
      report('unknown-kind', ['kind'], `unknown kind ${object.kind} in ${object.apiVersion} (not in the bundled schemas for Kubernetes ${bundle.kubernetesVersion})`);
    }
    lintObject(object, context, kubernetesVersion, report);
  }
  return { problems, objects };
}

/**
 * checkFile for an editor: the stream is split at its document markers and each document's result
 * is kept, so an edit re-checks only the document it touched (a 5,000-line file stays interactive).
 * A file that defines CRDs is checked whole, since its custom kinds are known across documents.
 */
export function createIncrementalChecker(): (file: string, text: string, context: FileContext, bundle: SchemaBundle, options?: CheckOptions) => Problem[] {
  let cache = new Map<string, Problem[]>();
  return (file, text, context, bundle, options = {}) => {
    if (/^kind:\s*CustomResourceDefinition\b/m.test(text)) return checkFile(file, text, context, bundle, options).problems;
    const lines = text.split('\n');
    const next = new Map<string, Problem[]>();
    const problems: Problem[] = [];
    let start = 0;
    const flush = (end: number) => {
      if (end <= start) return;
      const chunk = lines.slice(start, end).join('\n');
      const own = cache.get(chunk) ?? next.get(chunk) ?? checkFile(file, chunk, context, bundle, options).problems;
      next.set(chunk, own);
      for (const p of own) problems.push({ ...p, line: p.line + start });
    };
    lines.forEach((line, i) => {
      if (i > start && /^(---|\.\.\.)(\s|$)/.test(line)) {
        flush(i);
        start = i;
      }
    });
    flush(lines.length);
    cache = next;
    return problems;
  };
}

function matchesSelector(selector: unknown, labels: Record<string, string> | undefined): boolean {
  const matchLabels = get(selector, ['matchLabels']);
  if (!isObject(matchLabels) || !labels) return false;
  return Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}

/** The checks that span files: namespaces without a NetworkPolicy, production Deployments without a PDB. */
export function checkAcrossFiles(objects: LocatedObject[]): Problem[] {
  const problems: Problem[] = [];
  const report = (o: LocatedObject, rule: RuleId, path: FieldPath, message: string) =>
    problems.push({ file: o.file, line: o.lineOf(path), severity: rules[rule].severity, rule, message, hint: rules[rule].hint });
  const namespaceOf = (o: LocatedObject) => o.object.metadata?.namespace ?? o.context.namespace;
  const resources = objects.filter((o) => o.context.role === 'resource');
  const policed = new Set(resources.filter((o) => o.object.kind === 'NetworkPolicy').map(namespaceOf));
  for (const o of resources) {
    const name = o.object.metadata?.name;
    if (o.object.kind === 'Namespace' && o.object.apiVersion === 'v1' && name && !policed.has(name)) {
      report(o, 'namespace-without-networkpolicy', ['metadata', 'name'], `namespace "${name}" has no NetworkPolicy in the workspace`);
    }
  }
  const budgets = resources.filter((o) => o.object.kind === 'PodDisruptionBudget');
  for (const o of resources) {
    if (o.object.kind !== 'Deployment' || !o.context.production) continue;
    const labels = get(o.object, ['spec', 'template', 'metadata', 'labels']) as Record<string, string> | undefined;
    const covered = budgets.some((b) => (!namespaceOf(b) || !namespaceOf(o) || namespaceOf(b) === namespaceOf(o)) && matchesSelector(b.object.spec?.selector, labels));
    if (!covered) report(o, 'pdb-missing', ['metadata', 'name'], `Deployment "${o.object.metadata?.name ?? ''}" in a production overlay has no PodDisruptionBudget`);
  }
  return problems;
}

export interface WorkspaceFile {
  /** posix path relative to the workspace root */
  path: string;
  text: string;
}

export const compareProblems = (a: Problem, b: Problem) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule);

/** Every check over a whole workspace: `directories` lets a kustomization name a directory. */
export function checkWorkspace(files: WorkspaceFile[], directories: Set<string>, bundle: SchemaBundle, options: CheckOptions = {}): Problem[] {
  const yamlFiles = files.filter((f) => isYamlFile(f.path));
  const kustomizations = new Map<string, unknown>();
  const kustomizationDocs = new Map<string, ManifestDocument>();
  for (const f of yamlFiles.filter((f) => isKustomizationFile(f.path))) {
    const doc = parseManifests(f.text)[0];
    if (!doc) continue;
    kustomizations.set(f.path, doc.value);
    kustomizationDocs.set(f.path, doc);
  }
  const contexts = fileContexts(files.map((f) => f.path), kustomizations);
  const existing = new Set(files.map((f) => f.path));
  const problems: Problem[] = [];
  const objects: LocatedObject[] = [];
  for (const f of yamlFiles) {
    const result = checkFile(f.path, f.text, contexts.get(f.path)!, bundle, options);
    problems.push(...result.problems);
    objects.push(...result.objects);
  }
  for (const [file, value] of kustomizations) {
    const doc = kustomizationDocs.get(file)!;
    for (const ref of kustomizationReferences(file, value)) {
      const isDirectory = directories.has(ref.target);
      const hasKustomization = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((name) => existing.has(ref.target ? `${ref.target}/${name}` : name));
      let message: string | undefined;
      if (!existing.has(ref.target) && !isDirectory) message = `${formatPath(ref.field)}: "${ref.target}" does not exist`;
      else if (isDirectory && ref.kind !== 'file' && !hasKustomization) message = `${formatPath(ref.field)}: directory "${ref.target}" has no kustomization.yaml`;
      if (message) problems.push({ file, line: doc.lineOf(ref.field), severity: 'error', rule: 'kustomize-missing-file', message, hint: rules['kustomize-missing-file'].hint });
    }
  }
  problems.push(...checkAcrossFiles(objects));
  return problems.sort(compareProblems);
}
