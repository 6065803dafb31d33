// Workload checks: what each workload's pods may do on their node, and each namespace's Pod
// Security Admission level against what its pods need.
import type { KubeObject } from '../kube-object.ts';
import { isSystemNamespace, ownerOf, someOf, type ClusterObjects, type Finding } from './model.ts';
import { containersOf, effective, podSecurityLevel, podSpec, psaLevels, type PodSpec, type PsaLevel } from './pods.ts';

type Check = Omit<Finding, 'context' | 'namespace' | 'kind' | 'name'>;

/** What one pod's spec earns; a workload's pods share it, so findings are kept per workload. */
function podChecks(spec: PodSpec): Check[] {
  const found: Check[] = [];
  const containers = containersOf(spec);
  const privileged = containers.filter((c) => c.securityContext?.privileged).map((c) => c.name);
  if (privileged.length) {
    found.push({ check: 'workloads.privileged', severity: 'error', message: `${someOf(privileged)} run${privileged.length === 1 ? 's' : ''} privileged: every capability and the node's devices, so a breakout is root on the node`, fix: 'remove securityContext.privileged (or set it to false) and add only the capabilities the process needs' });
  }
  const host = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((flag) => spec[flag]);
  if (host.length) {
    const shared = { hostNetwork: 'network (hostNetwork)', hostPID: 'processes (hostPID)', hostIPC: 'shared memory (hostIPC)' };
    found.push({ check: 'workloads.host-namespaces', severity: 'error', message: `shares the node's ${host.map((flag) => shared[flag]).join(', ')}: it sees, and can interfere with, what else runs on the node`, fix: `remove ${host.join(', ')} from the pod spec` });
  }
  const hostPaths = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => `${v.name} (${v.hostPath!.path})`);
  if (hostPaths.length) {
    found.push({ check: 'workloads.host-path', severity: 'warning', message: `mounts the node's files: ${someOf(hostPaths)}; the pod can read or change the node`, fix: 'use a PersistentVolumeClaim, an emptyDir or a ConfigMap instead of hostPath' });
  }
  const root = containers.filter((c) => effective(spec, c, 'runAsUser') === 0).map((c) => c.name);
  const maybeRoot = containers.filter((c) => effective(spec, c, 'runAsUser') !== 0 && effective(spec, c, 'runAsNonRoot') !== true).map((c) => c.name);
  if (root.length) found.push({ check: 'workloads.runs-as-root', severity: 'warning', message: `${someOf(root)} run${root.length === 1 ? 's' : ''} as root (runAsUser 0)`, fix: 'run as a non-root user: securityContext.runAsUser ≥ 1000 and runAsNonRoot: true' });
  else if (maybeRoot.length) found.push({ check: 'workloads.runs-as-root', severity: 'warning', message: `${someOf(maybeRoot)} may run as root: runAsNonRoot is not set, so the image's user decides`, fix: 'set securityContext.runAsNonRoot: true (and runAsUser ≥ 1000 if the image has no user)' });
  const escalating = containers.filter((c) => c.securityContext?.allowPrivilegeEscalation !== false && !c.securityContext?.privileged).map((c) => c.name);
  if (escalating.length) {
    found.push({ check: 'workloads.privilege-escalation', severity: 'warning', message: `${someOf(escalating)}: allowPrivilegeEscalation is not false, so a setuid binary can gain privileges the process did not start with`, fix: 'set securityContext.allowPrivilegeEscalation: false on each container' });
  }
  const added = containers.flatMap((c) => (c.securityContext?.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE').map((cap) => `${c.name} +${cap}`));
  if (added.length) found.push({ check: 'workloads.added-capabilities', severity: 'warning', message: `adds capabilities: ${someOf(added)}`, fix: 'drop ALL capabilities and add back only NET_BIND_SERVICE if the process binds a low port' });
  const unconfined = containers.filter((c) => !['RuntimeDefault', 'Localhost'].includes(effective(spec, c, 'seccompProfile')?.type ?? '')).map((c) => c.name);
  if (unconfined.length) {
    found.push({ check: 'workloads.no-seccomp', severity: 'warning', message: `${someOf(unconfined)} run${unconfined.length === 1 ? 's' : ''} without a seccomp profile: every system call is open to an exploit`, fix: 'set securityContext.seccompProfile.type: RuntimeDefault on the pod' });
  }
  return found;
}

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const rank = (level: PsaLevel) => psaLevels.indexOf(level);

/** Each namespace's enforced level against the level its pods need. */
function podSecurityAdmission(namespace: KubeObject, pods: KubeObject[]): Omit<Finding, 'context'> | undefined {
  const name = namespace.metadata.name;
  const enforced = namespace.metadata.labels?.[ENFORCE] as PsaLevel | undefined;
  const needs = pods.map((pod) => ({ owner: ownerOf(pod), ...podSecurityLevel(podSpec(pod)) }));
  const needed = needs.reduce<PsaLevel>((least, n) => (rank(n.level) < rank(least) ? n.level : least), 'restricted');
  const need = (level: PsaLevel) => {
    const owners = [...new Set(needs.filter((n) => n.level === level).map((n) => `${n.owner.kind}/${n.owner.name}`))];
    return `${someOf(owners)} need${owners.length === 1 ? 's' : ''} ${level}`;
  };
  const base = { check: 'workloads.pod-security-admission', namespace: name, kind: 'Namespace', name };
  const label = (level: PsaLevel) => `label the namespace ${ENFORCE}=${level}`;
  if (!enforced || !psaLevels.includes(enforced)) {
    if (!pods.length) return undefined;
    const why = needed === 'privileged' ? `; ${need('privileged')} (${someOf(needs.filter((n) => n.level === 'privileged').flatMap((n) => n.because), 3)})` : '';
    return { ...base, severity: 'warning', message: `no Pod Security Admission level is enforced${enforced ? ` (${ENFORCE}=${enforced} is not a level)` : ''}: any pod may be created; its pods would pass ${needed}${why}`, fix: needed === 'privileged' ? `make those pods pass baseline, then ${label('baseline')}` : label(needed) };
  }
  if (rank(enforced) > rank(needed)) {
    return { ...base, severity: 'error', message: `enforces ${enforced}, but ${need(needed)}: their pods are refused when they are created again (a rollout, a node drain)`, fix: `change those workloads to pass ${enforced}, or ${label(needed)}` };
  }
  if (rank(enforced) < rank(needed) && pods.length) return { ...base, severity: 'info', message: `enforces ${enforced}, and every pod passes ${needed}`, fix: label(needed) };
  return undefined;
}

export function workloadFindings(objects: ClusterObjects): Omit<Finding, 'context'>[] {
  const findings = new Map<string, Omit<Finding, 'context'>>();
  const byNamespace = new Map<string, KubeObject[]>();
  for (const pod of objects.pods) {
    const namespace = pod.metadata.namespace ?? '';
    const pods = byNamespace.get(namespace);
    if (pods) pods.push(pod);
    else byNamespace.set(namespace, [pod]);
    if (isSystemNamespace(namespace)) continue;
    const owner = ownerOf(pod);
    for (const check of podChecks(podSpec(pod))) {
      const key = `${check.check}|${namespace}|${owner.kind}|${owner.name}`;
      if (!findings.has(key)) findings.set(key, { ...check, namespace, kind: owner.kind, name: owner.name });
    }
  }
  for (const namespace of objects.namespaces) {
    if (isSystemNamespace(namespace.metadata.name)) continue;
    const finding = podSecurityAdmission(namespace, byNamespace.get(namespace.metadata.name) ?? []);
    if (finding) findings.set(`psa|${namespace.metadata.name}`, finding);
  }
  return [...findings.values()];
}
