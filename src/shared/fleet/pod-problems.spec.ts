import { describe, expect, it } from 'vitest';
import { classifyPod, hintFor, type PodLike } from './pod-problems.ts';

const now = Date.parse('2026-11-26T12:00:00Z');
const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();
const pod = (status: PodLike['status'], extra: Partial<PodLike> = {}): PodLike => ({
  metadata: { name: 'api-7c8-x2', namespace: 'shop', creationTimestamp: ago(30) },
  spec: { nodeName: 'node-1', containers: [{ name: 'api', image: 'registry.example/shop/api:2.4.1' }] },
  status: { startTime: ago(30), ...status },
  ...extra,
});
const running = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ago(29) }] };

describe('classifyPod', () => {
  it('finds nothing wrong with a running, ready pod or a completed one', () => {
    expect(classifyPod(pod({ ...running, containerStatuses: [{ name: 'api', ready: true, restartCount: 0 }] }), now)).toBeUndefined();
    expect(classifyPod(pod({ phase: 'Succeeded' }), now)).toBeUndefined();
  });

  it('reports CrashLoopBackOff with the last exit code and a logs --previous hint', () => {
    const p = pod({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: ago(10) }],
      containerStatuses: [{ name: 'api', restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } }, lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: ago(1) } } }],
    });
    const problem = classifyPod(p, now)!;
    expect(problem).toMatchObject({ reason: 'CrashLoopBackOff', container: 'api', restarts: 7, since: ago(10), lastTermination: { exitCode: 1 } });
    expect(hintFor(p, problem)).toBe('read the crash: kubectl -n shop logs api-7c8-x2 -c api --previous; exit 1 = application error');
  });

  it('calls a crash loop whose last termination was OOMKilled OOMKilled', () => {
    const p = pod({ phase: 'Running', containerStatuses: [{ name: 'api', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] });
    expect(classifyPod(p, now)).toMatchObject({ reason: 'OOMKilled', severity: 0 });
  });

  it.each(['ErrImagePull', 'ImagePullBackOff'])('reports %s as ImagePullBackOff naming the image', (reason) => {
    const p = pod({ phase: 'Pending', containerStatuses: [{ name: 'api', state: { waiting: { reason, message: 'not found' } } }] });
    const problem = classifyPod(p, now)!;
    expect(problem.reason).toBe('ImagePullBackOff');
    expect(hintFor(p, problem)).toContain('registry.example/shop/api:2.4.1');
  });

  it('names the missing Secret of a CreateContainerConfigError', () => {
    const p = pod({ phase: 'Pending', containerStatuses: [{ name: 'api', state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "shop-db" not found' } } }] });
    expect(hintFor(p, classifyPod(p, now)!)).toBe('create the missing secret "shop-db" in shop, or fix the reference in the pod spec');
  });

  it('reports Unschedulable with the scheduler message, and Pending only after a grace period', () => {
    const unschedulable = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }] });
    expect(classifyPod(unschedulable, now)).toMatchObject({ reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' });
    expect(classifyPod(pod({ phase: 'Pending', startTime: ago(0.5) }), now)).toBeUndefined();
    expect(classifyPod(pod({ phase: 'Pending', startTime: ago(10) }), now)?.reason).toBe('Pending');
  });

  it('tells Evicted from Failed', () => {
    expect(classifyPod(pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }), now)).toMatchObject({ reason: 'Evicted', message: 'The node was low on resource: memory.' });
    expect(classifyPod(pod({ phase: 'Failed', containerStatuses: [{ name: 'api', state: { terminated: { exitCode: 2, finishedAt: ago(3) } } }] }), now)).toMatchObject({ reason: 'Failed', lastTermination: { exitCode: 2 } });
  });

  it('reports NotReady after a minute, and high restart counts', () => {
    const notReady = pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: ago(5), message: 'containers with unready status: [api]' }], containerStatuses: [{ name: 'api', ready: false }] });
    expect(classifyPod(notReady, now)).toMatchObject({ reason: 'NotReady', container: 'api' });
    const flapping = pod({ ...running, containerStatuses: [{ name: 'api', ready: true, restartCount: 9, lastState: { terminated: { reason: 'Error', exitCode: 143 } } }] });
    expect(classifyPod(flapping, now)).toMatchObject({ reason: 'HighRestarts', restarts: 9, message: 'api restarted 9 times, last exit: Error (143)' });
  });

  it('ignores pods being deleted', () => {
    expect(classifyPod(pod({ phase: 'Failed' }, { metadata: { name: 'x', deletionTimestamp: ago(0) } }), now)).toBeUndefined();
  });
});
