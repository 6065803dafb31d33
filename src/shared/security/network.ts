// Network policy checks per namespace: default deny, which pods no policy selects, policies that
// select nothing.
import type { KubeObject } from '../kube-object.ts';
import { isSystemNamespace, ownerOf, someOf, type ClusterObjects, type Finding, type LabelSelector } from './model.ts';

interface PolicySpec {
  podSelector?: LabelSelector;
  policyTypes?: string[];
  ingress?: unknown[];
  egress?: unknown[];
}

const specOf = (policy: KubeObject) => (policy.spec ?? {}) as PolicySpec;
const selectsAll = (selector: LabelSelector | undefined) => !selector || (!Object.keys(selector.matchLabels ?? {}).length && !selector.matchExpressions?.length);
/** Without policyTypes a policy restricts ingress, and egress when it has egress rules. */
const typesOf = (spec: PolicySpec) => spec.policyTypes ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])];
const deniesAll = (spec: PolicySpec, type: 'Ingress' | 'Egress') => selectsAll(spec.podSelector) && typesOf(spec).includes(type) && !(type === 'Ingress' ? spec.ingress : spec.egress)?.length;
const live = (pod: KubeObject) => !['Succeeded', 'Failed'].includes((pod.status as { phase?: string } | undefined)?.phase ?? '');

/**
 * A namespace's pods as sets (bit i stands for pods[i]) indexed by label, so that a selector costs
 * its own size times pods/32, not a test per pod: a tenant's thousands of policies against its
 * thousands of pods stay quick. Only a pod's own labels count (a key such as constructor is every
 * object's property).
 */
class PodSets {
  private readonly words: number;
  private readonly full: Uint32Array;
  private readonly byKey = new Map<string, Uint32Array>();
  private readonly byLabel = new Map<string, Uint32Array>();

  constructor(pods: KubeObject[]) {
    this.words = Math.ceil(pods.length / 32);
    this.full = new Uint32Array(this.words).fill(0xffffffff);
    if (pods.length % 32) this.full[this.words - 1] = 2 ** (pods.length % 32) - 1;
    pods.forEach((pod, i) => {
      for (const [key, value] of Object.entries(pod.metadata.labels ?? {})) {
        for (const [sets, at] of [[this.byKey, key], [this.byLabel, `${key}=${value}`]] as const) {
          let set = sets.get(at);
          if (!set) sets.set(at, (set = new Uint32Array(this.words)));
          set[i >>> 5] |= 1 << (i & 31);
        }
      }
    });
  }

  /** The pods a selector selects; an empty selector selects every pod. */
  selected(selector: LabelSelector | undefined): Uint32Array {
    const out = this.full.slice();
    const keep = (set: Uint32Array | undefined, negated = false) => {
      for (let w = 0; w < this.words; w++) out[w] &= negated ? ~(set?.[w] ?? 0) : (set?.[w] ?? 0);
    };
    const anyOf = (key: string, values: string[]) => {
      const union = new Uint32Array(this.words);
      for (const value of values) {
        const set = this.byLabel.get(`${key}=${value}`);
        if (set) for (let w = 0; w < this.words; w++) union[w] |= set[w];
      }
      return union;
    };
    for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) keep(this.byLabel.get(`${key}=${value}`));
    for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
      if (operator === 'In') keep(anyOf(key, values));
      else if (operator === 'NotIn') keep(anyOf(key, values), true);
      else if (operator === 'Exists') keep(this.byKey.get(key));
      else if (operator === 'DoesNotExist') keep(this.byKey.get(key), true);
    }
    return out;
  }
}

const has = (set: Uint32Array, i: number) => (set[i >>> 5] & (1 << (i & 31))) !== 0;
const isEmpty = (set: Uint32Array) => set.every((word) => word === 0);

/** The objects of each namespace: one pass, however many namespaces there are. */
function byNamespace(objects: KubeObject[]): Map<string, KubeObject[]> {
  const grouped = new Map<string, KubeObject[]>();
  for (const object of objects) {
    const namespace = object.metadata.namespace ?? '';
    const list = grouped.get(namespace);
    if (list) list.push(object);
    else grouped.set(namespace, [object]);
  }
  return grouped;
}

export function networkFindings(objects: ClusterObjects): Omit<Finding, 'context'>[] {
  const findings: Omit<Finding, 'context'>[] = [];
  const policiesOf = byNamespace(objects.networkPolicies);
  const podsOf = byNamespace(objects.pods.filter(live));
  for (const namespace of objects.namespaces) {
    const name = namespace.metadata.name;
    if (isSystemNamespace(name)) continue;
    const policies = policiesOf.get(name) ?? [];
    const pods = podsOf.get(name) ?? [];
    const where = { namespace: name, kind: 'Namespace', name };
    const sets = new PodSets(pods);
    const selected = policies.map((p) => sets.selected(specOf(p).podSelector));
    const covered = new Uint32Array(Math.ceil(pods.length / 32));
    for (const set of selected) for (let w = 0; w < covered.length; w++) covered[w] |= set[w];
    if (pods.length) {
      if (!policies.some((p) => deniesAll(specOf(p), 'Ingress'))) {
        findings.push({ ...where, check: 'network.default-deny-ingress', severity: 'warning', message: `no default-deny ingress policy: ${policies.length ? 'pods no policy selects' : 'every pod'} accept${policies.length ? '' : 's'} traffic from anywhere in the cluster`, fix: `add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] in ${name}, then allow what each workload needs` });
      }
      if (!policies.some((p) => deniesAll(specOf(p), 'Egress'))) {
        findings.push({ ...where, check: 'network.default-deny-egress', severity: 'info', message: 'no default-deny egress policy: a compromised pod can reach any address', fix: `add a NetworkPolicy with podSelector: {} and policyTypes: [Egress] in ${name}, allowing DNS and what each workload calls` });
      }
      const unselected = pods.filter((_, i) => !has(covered, i));
      if (unselected.length) {
        const share = Math.round((100 * (pods.length - unselected.length)) / pods.length);
        const owners = [...new Set(unselected.map((pod) => `${ownerOf(pod).kind}/${ownerOf(pod).name}`))];
        findings.push({ ...where, check: 'network.unselected-pods', severity: 'warning', message: `${unselected.length} of ${pods.length} pods are selected by no NetworkPolicy (coverage ${share} %): ${someOf(owners)}`, fix: 'select them with a policy (a default-deny policy selects every pod) and allow the traffic each needs' });
      }
    }
    for (const [i, policy] of policies.entries()) {
      if (!selectsAll(specOf(policy).podSelector) && isEmpty(selected[i])) {
        findings.push({ namespace: name, kind: 'NetworkPolicy', name: policy.metadata.name, check: 'network.selects-nothing', severity: 'info', message: 'its podSelector selects no pod in the namespace: it protects nothing (a typo in a label?)', fix: 'correct the podSelector to the labels of the pods it is meant for, or delete the policy' });
      }
    }
  }
  return findings;
}
