// The audit history against what may be in its folder: files cut short or written by something
// else, a FIFO, and contexts whose names are those of Object's own properties.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Finding } from '../../../shared/security/model.ts';
import { AuditHistory } from './history.ts';

let dir: string;
let audits: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-audit-history-'));
  audits = path.join(dir, 'security', 'audits');
  mkdirSync(audits, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const finding = (context: string, check: string, name: string): Finding => ({ context, check, severity: 'warning', namespace: 'shop', kind: 'Deployment', name, message: 'm', fix: 'f' });
const day = (d: string) => new Date(`${d}T12:00:00Z`);
const write = (d: string, text: string) => writeFileSync(path.join(audits, `${d}.json`), text);

it('passes over an earlier day whose file is not a record of findings, and compares with the day before it', async () => {
  const history = new AuditHistory(dir);
  await history.record([finding('aks', 'rbac.wildcard', 'ops')], ['aks'], day('2026-12-01'));
  write('2026-12-02', 'null');
  write('2026-12-03', '[1, 2]');
  write('2026-12-04', JSON.stringify({ aks: [null, 5, 'x', { context: 'aks' }] }));
  write('2026-12-05', JSON.stringify({ aks: 'not a list' }));
  const changes = await history.record([finding('aks', 'workloads.privileged', 'agent')], ['aks'], day('2026-12-06'));
  expect(changes).toEqual({ since: '2026-12-01', contexts: ['aks'], appeared: [finding('aks', 'workloads.privileged', 'agent')], resolved: [finding('aks', 'rbac.wildcard', 'ops')] });
});

it('replaces a file of today that holds no record, keeping the contexts it does hold a list of findings for', async () => {
  const history = new AuditHistory(dir);
  write('2026-12-06', 'null');
  await history.record([finding('aks', 'rbac.wildcard', 'ops')], ['aks'], day('2026-12-06'));
  write('2026-12-07', JSON.stringify({ gke: [finding('gke', 'rbac.anonymous', 'status')], eks: [finding('eks', 'rbac.anonymous', 'status'), null], other: 7 }));
  await history.record([finding('aks', 'rbac.wildcard', 'ops')], ['aks'], day('2026-12-07'));
  expect(JSON.parse(readFileSync(path.join(audits, '2026-12-07.json'), 'utf8'))).toEqual({ gke: [finding('gke', 'rbac.anonymous', 'status')], aks: [finding('aks', 'rbac.wildcard', 'ops')] });
});

it('does not wait on a FIFO named as a day', async () => {
  const history = new AuditHistory(dir);
  execFileSync('mkfifo', [path.join(audits, '2026-12-01.json')]);
  expect(await history.record([finding('aks', 'rbac.wildcard', 'ops')], ['aks'], day('2026-12-02'))).toBeUndefined();
}, 10_000);

it('keeps contexts named constructor or __proto__ like any other, and finds no earlier audit of them where there was none', async () => {
  const history = new AuditHistory(dir);
  const contexts = ['constructor', '__proto__', 'toString'];
  await history.record([finding('aks', 'rbac.wildcard', 'ops')], ['aks'], day('2026-12-01'));
  expect(await history.record(contexts.map((c) => finding(c, 'rbac.wildcard', 'ops')), contexts, day('2026-12-02'))).toBeUndefined();
  expect(Object.keys(JSON.parse(readFileSync(path.join(audits, '2026-12-02.json'), 'utf8')))).toEqual(contexts);
  const changes = await history.record([finding('constructor', 'rbac.wildcard', 'ops'), finding('__proto__', 'rbac.anonymous', 'x')], contexts, day('2026-12-03'));
  expect(changes).toEqual({ since: '2026-12-02', contexts, appeared: [finding('__proto__', 'rbac.anonymous', 'x')], resolved: [finding('__proto__', 'rbac.wildcard', 'ops'), finding('toString', 'rbac.wildcard', 'ops')] });
});
