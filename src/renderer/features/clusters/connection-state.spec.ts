import { describe, expect, it } from 'vitest';
import type { ClusterEntry } from '../../../shared/contract/clusters.ts';
import type { ClusterSummary } from '../../../shared/contract/fleet.ts';
import { connectionView, watchOf } from './connection-state.ts';

const entry = (context: string, server: string): ClusterEntry => ({ context, cluster: context, server, user: 'u', authKind: 'token', cloud: 'eks', current: false, source: 'kubeconfig' });
const summary = (context: string, state: ClusterSummary['state'], error?: string): ClusterSummary => ({
  context,
  cloud: 'eks',
  state,
  error,
  forbidden: [],
  version: 'v1.37.2',
  nodes: { ready: 1, total: 1 },
  pods: { running: 1, pending: 0, succeeded: 0, failed: 0, unknown: 0 },
  problemPods: 0,
  namespaces: 1,
  cpu: { requestedMillis: 0, allocatableMillis: 1000 },
  memory: { requestedBytes: 0, allocatableBytes: 1 },
});

describe('connection state on the Clusters screen', () => {
  const admin = entry('eks-lab', 'https://127.0.0.1:6443');
  const viewer = entry('eks-lab-viewer', 'https://127.0.0.1:6443');
  const other = entry('gke-lab', 'https://127.0.0.1:7443');
  const entries = [admin, viewer, other];
  const summaries = [summary('eks-lab', 'synced')];

  it('shows a cluster the fleet view watches as live, for every context of its server', () => {
    expect(connectionView(admin, undefined, watchOf(admin, entries, summaries))).toMatchObject({ tone: 'ok', text: 'live · v1.37.2' });
    expect(connectionView(viewer, undefined, watchOf(viewer, entries, summaries))).toMatchObject({ tone: 'ok', text: 'live · v1.37.2 · watched as eks-lab' });
  });

  it('says "not checked" only when neither a check nor a watch has been tried', () => {
    expect(watchOf(other, entries, summaries)).toBeUndefined();
    expect(connectionView(other, undefined, undefined)).toEqual({ tone: 'idle', text: 'not checked' });
  });

  it('lets a check the user asked for win over the watch, and shows a failing watch as failing', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    const failed = { state: 'failed' as const, reason: 'unauthorized' as const, message: 'token expired', checkedAt: '2026-12-04T11:59:30Z' };
    expect(connectionView(viewer, failed, summaries[0], now)).toEqual({ tone: 'failed', text: 'unauthorized: token expired', title: 'checked 30s ago: token expired' });
    expect(connectionView(admin, undefined, summary('eks-lab', 'reconnecting', 'connection refused'))).toMatchObject({ tone: 'pending', text: 'reconnecting…: connection refused' });
    expect(connectionView(admin, undefined, summary('eks-lab', 'failed', 'forbidden'))).toMatchObject({ tone: 'failed', text: 'failed: forbidden' });
  });
});
