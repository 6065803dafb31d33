// Network policy checks per namespace: default deny, which pods no policy selects, policies that
// select nothing.
import type { KubeObject } from '../kube-object.ts';
import { isSystemNamespace, ownerOf, selects, someOf, type ClusterObjects, type Finding, type LabelSelector } from './model.ts';

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
    if (pods.length) {
      if (!policies.some((p) => deniesAll(specOf(p), 'Ingress'))) {
        findings.push({ ...where, check: 'network.default-deny-ingress', severity: 'warning', message: `no default-deny ingress policy: ${policies.length ? 'pods no policy selects' : 'every pod'} accept${policies.length ? '' : 's'} traffic from anywhere in the cluster`, fix: `add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] in ${name}, then allow what each workload needs` });
      }
      if (!policies.some((p) => deniesAll(specOf(p), 'Egress'))) {
        findings.push({ ...where, check: 'network.default-deny-egress', severity: 'info', message: 'no default-deny egress policy: a compromised pod can reach any address', fix: `add a NetworkPolicy with podSelector: {} and policyTypes: [Egress] in ${name}, allowing DNS and what each workload calls` });
      }
      const unselected = pods.filter((pod) => !policies.some((p) => selects(specOf(p).podSelector, pod.metadata.labels)));
      if (unselected.length) {
        const share = Math.round((100 * (pods.length - unselected.length)) / pods.length);
        const owners = [...new Set(unselected.map((pod) => `${ownerOf(pod).kind}/${ownerOf(pod).name}`))];
        findings.push({ ...where, check: 'network.unselected-pods', severity: 'warning', message: `${unselected.length} of ${pods.length} pods are selected by no NetworkPolicy (coverage ${share} %): ${someOf(owners)}`, fix: 'select them with a policy (a default-deny policy selects every pod) and allow the traffic each needs' });
      }
    }
    for (const policy of policies) {
      const selector = specOf(policy).podSelector;
      if (!selectsAll(selector) && !pods.some((pod) => selects(selector, pod.metadata.labels))) {
        findings.push({ namespace: name, kind: 'NetworkPolicy', name: policy.metadata.name, check: 'network.selects-nothing', severity: 'info', message: 'its podSelector selects no pod in the namespace: it protects nothing (a typo in a label?)', fix: 'correct the podSelector to the labels of the pods it is meant for, or delete the policy' });
      }
    }
  }
  return findings;
}
