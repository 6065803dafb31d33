// The parts of a pod's spec the security checks read, and the Pod Security Standards level its
// spec needs (https://kubernetes.io/docs/concepts/security/pod-security-standards/).
import type { KubeObject } from '../kube-object.ts';

export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seccompProfile?: { type?: string };
  capabilities?: { add?: string[]; drop?: string[] };
}

export interface Container {
  name: string;
  securityContext?: SecurityContext;
  ports?: { hostPort?: number }[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { secretRef?: { name: string } }[];
}

export interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: SecurityContext;
  volumes?: { name: string; hostPath?: { path: string } }[];
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
}

export const podSpec = (pod: KubeObject) => (pod.spec ?? {}) as PodSpec;

/** What the checks read of a container: a cache of thousands of pods keeps this and drops the rest. */
export function containerSecurityFields(container: Container): Container {
  const { name, securityContext, ports, env, envFrom } = container;
  const hostPorts = ports?.filter((p) => p.hostPort).map(({ hostPort }) => ({ hostPort }));
  const fromSecrets = env?.filter((e) => e.valueFrom?.secretKeyRef).map(({ name: variable, valueFrom }) => ({ name: variable, valueFrom: { secretKeyRef: valueFrom!.secretKeyRef! } }));
  const secretRefs = envFrom?.filter((e) => e.secretRef).map(({ secretRef }) => ({ secretRef }));
  return { name, ...(securityContext ? { securityContext } : {}), ...(hostPorts?.length ? { ports: hostPorts } : {}), ...(fromSecrets?.length ? { env: fromSecrets } : {}), ...(secretRefs?.length ? { envFrom: secretRefs } : {}) };
}

/** What the checks read of a pod's spec besides its containers and init containers (which the caller keeps with containerSecurityFields). */
export function podSecurityFields(spec: PodSpec): Omit<PodSpec, 'containers' | 'initContainers'> {
  const { hostNetwork, hostPID, hostIPC, serviceAccountName, automountServiceAccountToken, securityContext, volumes, ephemeralContainers } = spec;
  const hostPaths = volumes?.filter((v) => v.hostPath).map(({ name, hostPath }) => ({ name, hostPath }));
  return {
    ...(hostNetwork ? { hostNetwork } : {}),
    ...(hostPID ? { hostPID } : {}),
    ...(hostIPC ? { hostIPC } : {}),
    ...(serviceAccountName ? { serviceAccountName } : {}),
    ...(automountServiceAccountToken !== undefined ? { automountServiceAccountToken } : {}),
    ...(securityContext ? { securityContext } : {}),
    ...(hostPaths?.length ? { volumes: hostPaths } : {}),
    ...(ephemeralContainers?.length ? { ephemeralContainers: ephemeralContainers.map(containerSecurityFields) } : {}),
  };
}
export const containersOf = (spec: PodSpec): Container[] => [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];

export const psaLevels = ['privileged', 'baseline', 'restricted'] as const;
export type PsaLevel = (typeof psaLevels)[number];

/** Capabilities the baseline level allows a container to add. */
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

/** A container's setting, or the pod's where the container leaves it unset. */
export const effective = <K extends keyof SecurityContext>(spec: PodSpec, container: Container, key: K): SecurityContext[K] => container.securityContext?.[key] ?? spec.securityContext?.[key];

const confined = (profile: { type?: string } | undefined) => profile?.type === 'RuntimeDefault' || profile?.type === 'Localhost';

/** The most restrictive Pod Security Standards level the pod passes, and what keeps it from the next one. */
export function podSecurityLevel(spec: PodSpec): { level: PsaLevel; because: string[] } {
  const privileged: string[] = [];
  const baseline: string[] = [];
  for (const flag of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[flag]) privileged.push(flag);
  for (const volume of spec.volumes ?? []) if (volume.hostPath) privileged.push(`hostPath volume ${volume.name}`);
  for (const c of containersOf(spec)) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) privileged.push(`${c.name} privileged`);
    const added = sc.capabilities?.add ?? [];
    const beyondBaseline = added.filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (beyondBaseline.length) privileged.push(`${c.name} adds ${beyondBaseline.join(', ')}`);
    if (c.ports?.some((p) => p.hostPort)) privileged.push(`${c.name} uses a hostPort`);
    if (effective(spec, c, 'seccompProfile')?.type === 'Unconfined') privileged.push(`${c.name} seccomp Unconfined`);
    if (effective(spec, c, 'runAsNonRoot') !== true) baseline.push(`${c.name} may run as root`);
    if (sc.allowPrivilegeEscalation !== false) baseline.push(`${c.name} allowPrivilegeEscalation not false`);
    if (!confined(effective(spec, c, 'seccompProfile'))) baseline.push(`${c.name} no seccomp profile`);
    if (!sc.capabilities?.drop?.includes('ALL')) baseline.push(`${c.name} does not drop ALL capabilities`);
    if (added.some((cap) => cap !== 'NET_BIND_SERVICE')) baseline.push(`${c.name} adds capabilities`);
  }
  if (privileged.length) return { level: 'privileged', because: privileged };
  if (baseline.length) return { level: 'baseline', because: baseline };
  return { level: 'restricted', because: [] };
}
