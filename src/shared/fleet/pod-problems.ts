// Classifies what is wrong with a pod from its status alone, the way an SRE reads `kubectl describe`.

export type ProblemReason =
  | 'CrashLoopBackOff'
  | 'OOMKilled'
  | 'ImagePullBackOff'
  | 'CreateContainerConfigError'
  | 'Unschedulable'
  | 'Pending'
  | 'Evicted'
  | 'Failed'
  | 'NotReady'
  | 'HighRestarts';

/** Lower is worse; the problems list sorts by this, then by age. */
export const severityOf: Record<ProblemReason, number> = {
  OOMKilled: 0,
  CrashLoopBackOff: 0,
  ImagePullBackOff: 1,
  CreateContainerConfigError: 1,
  Failed: 1,
  Unschedulable: 2,
  Evicted: 2,
  NotReady: 2,
  Pending: 3,
  HighRestarts: 3,
};

const HIGH_RESTARTS = 5;
/** a pod is given this long to start before Pending or NotReady counts as a problem */
const GRACE_MS = 2 * 60_000;

/** The subset of a Pod's shape this module reads (core/v1). */
export interface PodLike {
  metadata: { name: string; namespace?: string; creationTimestamp?: string; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
  spec?: { nodeName?: string; containers?: { name: string; image?: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    startTime?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
    containerStatuses?: ContainerStatusLike[];
    initContainerStatuses?: ContainerStatusLike[];
  };
}

export interface ContainerStatusLike {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: { startedAt?: string }; terminated?: Termination };
  lastState?: { terminated?: Termination };
}

interface Termination {
  reason?: string;
  exitCode?: number;
  message?: string;
  finishedAt?: string;
}

export interface PodProblem {
  reason: ProblemReason;
  severity: number;
  container?: string;
  restarts: number;
  /** when the problem started, as best the status tells */
  since?: string;
  message: string;
  lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string };
}

const imagePull = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);
const configErrors = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

function problem(reason: ProblemReason, fields: Omit<PodProblem, 'reason' | 'severity'>): PodProblem {
  return { reason, severity: severityOf[reason], ...fields };
}

export function classifyPod(pod: PodLike, now = Date.now()): PodProblem | undefined {
  const status = pod.status ?? {};
  if (pod.metadata.deletionTimestamp) return undefined;
  const containers = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
  const restarts = containers.reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
  const condition = (type: string) => status.conditions?.find((c) => c.type === type);
  const started = status.startTime ?? pod.metadata.creationTimestamp;

  if (status.phase === 'Failed') {
    const reason = status.reason === 'Evicted' ? 'Evicted' : 'Failed';
    const terminated = containers.map((c) => c.state?.terminated).find(Boolean);
    return problem(reason, {
      restarts,
      since: terminated?.finishedAt ?? condition('Ready')?.lastTransitionTime ?? started,
      message: status.message ?? terminated?.message ?? (terminated ? `container exited with code ${terminated.exitCode}` : 'pod failed'),
      ...(terminated ? { lastTermination: { reason: terminated.reason, exitCode: terminated.exitCode, finishedAt: terminated.finishedAt } } : {}),
    });
  }
  if (status.phase === 'Succeeded') return undefined;

  for (const c of containers) {
    const waiting = c.state?.waiting;
    const last = c.lastState?.terminated;
    const lastTermination = last ? { reason: last.reason, exitCode: last.exitCode, finishedAt: last.finishedAt } : undefined;
    const base = { container: c.name, restarts, ...(lastTermination ? { lastTermination } : {}) };
    if (waiting?.reason === 'CrashLoopBackOff') {
      const oom = last?.reason === 'OOMKilled';
      return problem(oom ? 'OOMKilled' : 'CrashLoopBackOff', {
        ...base,
        since: condition('Ready')?.lastTransitionTime ?? last?.finishedAt ?? started,
        message: oom ? `container ${c.name} was OOM-killed (exit 137) and is restarting` : (waiting.message ?? `container ${c.name} keeps crashing`),
      });
    }
    if (waiting?.reason && imagePull.has(waiting.reason)) {
      return problem('ImagePullBackOff', { ...base, since: started, message: waiting.message ?? `cannot pull image ${c.image ?? ''}` });
    }
    if (waiting?.reason && configErrors.has(waiting.reason)) {
      return problem('CreateContainerConfigError', { ...base, since: started, message: waiting.message ?? waiting.reason });
    }
  }

  const age = now - Date.parse(started ?? new Date(now).toISOString());
  if (status.phase === 'Pending' || !status.phase) {
    const scheduled = condition('PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      return problem('Unschedulable', { restarts, since: scheduled.lastTransitionTime ?? started, message: scheduled.message ?? 'no node fits this pod' });
    }
    if (age > GRACE_MS) return problem('Pending', { restarts, since: started, message: status.message ?? 'pod has been pending for a while' });
    return undefined;
  }

  const oomRecently = containers.find((c) => c.lastState?.terminated?.reason === 'OOMKilled' && (c.restartCount ?? 0) > 0);
  const ready = condition('Ready');
  if (ready?.status === 'False' && now - Date.parse(ready.lastTransitionTime ?? started ?? '') > GRACE_MS / 2) {
    const notReady = containers.filter((c) => !c.ready).map((c) => c.name);
    return problem(oomRecently ? 'OOMKilled' : 'NotReady', {
      container: notReady[0],
      restarts,
      since: ready.lastTransitionTime,
      message: ready.message ?? `containers not ready: ${notReady.join(', ') || 'unknown'}`,
    });
  }
  if (restarts >= HIGH_RESTARTS) {
    const worst = containers.reduce((a, b) => ((b.restartCount ?? 0) > (a.restartCount ?? 0) ? b : a));
    const last = worst.lastState?.terminated;
    return problem(last?.reason === 'OOMKilled' ? 'OOMKilled' : 'HighRestarts', {
      container: worst.name,
      restarts,
      since: last?.finishedAt ?? started,
      message: `${worst.name} restarted ${worst.restartCount} times${last ? `, last exit: ${last.reason ?? 'terminated'} (${last.exitCode})` : ''}`,
      ...(last ? { lastTermination: { reason: last.reason, exitCode: last.exitCode, finishedAt: last.finishedAt } } : {}),
    });
  }
  return undefined;
}

const exitMeanings: Record<number, string> = {
  1: 'application error',
  2: 'misuse of a shell builtin or bad arguments',
  126: 'command not executable',
  127: 'command not found (check command/args and the image)',
  137: 'killed by SIGKILL (OOM killer or kubelet)',
  139: 'segmentation fault',
  143: 'terminated by SIGTERM (graceful shutdown took too long?)',
};

/** A short, concrete next step for the problem, the first thing an SRE would do. */
export function hintFor(pod: PodLike, p: PodProblem): string {
  const ns = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name;
  const c = p.container ? ` -c ${p.container}` : '';
  const exit = p.lastTermination?.exitCode;
  switch (p.reason) {
    case 'CrashLoopBackOff':
      return `read the crash: kubectl -n ${ns} logs ${name}${c} --previous${exit !== undefined ? `; exit ${exit} = ${exitMeanings[exit] ?? 'see the application logs'}` : ''}`;
    case 'OOMKilled':
      return `container hit its memory limit (exit 137): raise resources.limits.memory or fix the leak; compare with container_memory_working_set_bytes for ${name}`;
    case 'ImagePullBackOff': {
      const image = pod.spec?.containers?.find((x) => x.name === p.container)?.image;
      return `check the image${image ? ` ${image}` : ''} exists and the tag is right, and that the node can reach the registry (imagePullSecrets, registry auth, network)`;
    }
    case 'CreateContainerConfigError': {
      const missing = /(secret|configmap) "([^"]+)" not found/i.exec(p.message);
      return missing ? `create the missing ${missing[1].toLowerCase()} "${missing[2]}" in ${ns}, or fix the reference in the pod spec` : `fix the container config: ${p.message}`;
    }
    case 'Unschedulable':
      return `no node fits: ${p.message}. Lower requests, add nodes (cluster autoscaler), or relax nodeSelector/affinity/tolerations`;
    case 'Pending':
      return `kubectl -n ${ns} describe pod ${name}: look at Events for volume attach, image pull or scheduling delays`;
    case 'Evicted':
      return `the node evicted it under resource pressure (${p.message}); check the node's conditions and set requests/limits so the pod is not first to go`;
    case 'Failed':
      return `kubectl -n ${ns} logs ${name}${c}${exit !== undefined ? `; exit ${exit} = ${exitMeanings[exit] ?? 'application-specific'}` : ''}`;
    case 'NotReady':
      return `readiness probe failing or dependency down: kubectl -n ${ns} describe pod ${name} (Events: Readiness probe failed)${pod.spec?.nodeName ? `; check node ${pod.spec.nodeName}` : ''}`;
    case 'HighRestarts':
      return `restarting repeatedly: kubectl -n ${ns} logs ${name}${c} --previous, and check liveness probe timing and memory limits`;
  }
}
