import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Finding } from '../../../shared/security/model.ts';
import { AuditHistory } from './history.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-audit-history-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const finding = (context: string, check: string, name: string): Finding => ({ context, check, severity: 'warning', namespace: 'shop', kind: 'Deployment', name, message: 'm', fix: 'f' });
const day = (d: string) => new Date(`${d}T12:00:00Z`);

it('says what appeared and what went since the last earlier day that audited the same clusters', async () => {
  const history = new AuditHistory(dir);
  expect(await history.record([finding('aks', 'workloads.privileged', 'agent'), finding('aks', 'workloads.no-seccomp', 'web')], ['aks'], day('2026-12-01'))).toBeUndefined();
  // a later audit the same day replaces that day's findings of the cluster
  await history.record([finding('aks', 'workloads.privileged', 'agent'), finding('aks', 'workloads.no-seccomp', 'web'), finding('aks', 'rbac.wildcard', 'ops')], ['aks'], day('2026-12-01'));
  // a day without an audit of aks (only gke) is skipped
  await history.record([finding('gke', 'rbac.anonymous', 'status')], ['gke'], day('2026-12-02'));
  const changes = await history.record([finding('aks', 'workloads.no-seccomp', 'web'), finding('aks', 'rbac.wildcard', 'ops'), finding('aks', 'network.unselected-pods', 'shop'), finding('gke', 'rbac.anonymous', 'status')], ['aks'], day('2026-12-04'));
  expect(changes).toEqual({ since: '2026-12-01', contexts: ['aks'], appeared: [finding('aks', 'network.unselected-pods', 'shop')], resolved: [finding('aks', 'workloads.privileged', 'agent')] });
  // each day keeps the clusters audited that day
  expect(Object.keys(JSON.parse(readFileSync(path.join(dir, 'security', 'audits', '2026-12-04.json'), 'utf8')))).toEqual(['aks']);
  // a cluster never audited before has nothing to compare with
  expect(await history.record([finding('eks', 'encryption.storage-class', 'gp2')], ['eks'], day('2026-12-05'))).toBeUndefined();
});
