import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { KubeObject } from '../../../shared/kube-object.ts';
import { resolveMappings } from '../../../shared/migration/transforms.ts';
import { FIELD_MANAGER } from '../../kube/apply.ts';
import type { ApiResponse, ClusterClient } from '../../kube/cluster-client.ts';
import { ArchiveReader, ArchiveWriter } from './archive.ts';
import { Journal, runKey } from './journal.ts';
import { restore } from './restore.ts';

let dir: string;
let journals: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-journal-'));
  journals = path.join(dir, 'journals');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

it('gives the same command against the same target the same key, and any other a different one', () => {
  const run = { identity: 'archive-1', context: 'prod', conflict: 'skip' };
  expect(runKey(run)).toBe(runKey({ ...run }));
  expect(runKey(run)).toMatch(/^[0-9a-f]{24}$/);
  expect(runKey({ ...run, context: 'staging' })).not.toBe(runKey(run));
  expect(runKey({ ...run, conflict: 'update' })).not.toBe(runKey(run));
});

it('starts afresh, keeps its steps to its owner, and reads back the last step of each object after a restart', () => {
  const first = new Journal(journals, 'run');
  expect(first.resumed).toBe(false);
  expect(statSync(journals).mode & 0o777).toBe(0o700);
  expect(statSync(first.file).mode & 0o777).toBe(0o600);
  first.record('/configmaps/shop/a', { result: 'pending' });
  first.record('/configmaps/shop/a', { result: 'created' });
  first.record('/configmaps/shop/b', { result: 'pending' });
  first.record('/configmaps/shop/b', { result: 'skipped', reason: 'already exists on the target (conflict policy skip)' });
  first.record('/configmaps/shop/c', { result: 'pending' });
  // this run's own steps are not read back: a run visits each object once
  expect(first.get('/configmaps/shop/a')).toBeUndefined();
  first.close();

  const second = new Journal(journals, 'run');
  expect(second.resumed).toBe(true);
  expect(second.get('/configmaps/shop/a')).toEqual({ result: 'created' });
  expect(second.get('/configmaps/shop/b')).toEqual({ result: 'skipped', reason: 'already exists on the target (conflict policy skip)' });
  expect(second.get('/configmaps/shop/c')).toEqual({ result: 'pending' });
  expect(second.get('/configmaps/shop/d')).toBeUndefined();
  second.close();
  expect(new Journal(journals, 'another run').resumed).toBe(false);
});

it('after a torn last line, redoes that step and loses none of the resumed run', () => {
  const killed = new Journal(journals, 'run');
  killed.record('/configmaps/shop/a', { result: 'created' });
  killed.close();
  // the process died while appending b's step
  appendFileSync(killed.file, '{"key":"/configmaps/shop/b","res');

  const resumed = new Journal(journals, 'run');
  expect(resumed.resumed).toBe(true);
  expect(resumed.get('/configmaps/shop/a')).toEqual({ result: 'created' });
  expect(resumed.get('/configmaps/shop/b')).toBeUndefined();
  resumed.record('/configmaps/shop/b', { result: 'pending' });
  resumed.close();

  // killed again while b's create was in flight: the next run knows it was sent
  const again = new Journal(journals, 'run');
  expect(again.get('/configmaps/shop/a')).toEqual({ result: 'created' });
  expect(again.get('/configmaps/shop/b')).toEqual({ result: 'pending' });
  again.close();
});

it('is gone once discarded, so the same command later starts afresh', () => {
  const journal = new Journal(journals, 'run');
  journal.record('/configmaps/shop/a', { result: 'created' });
  journal.discard();
  expect(existsSync(journal.file)).toBe(false);
  const later = new Journal(journals, 'run');
  expect(later.resumed).toBe(false);
  expect(later.get('/configmaps/shop/a')).toBeUndefined();
  later.close();
});

/**
 * A target serving ConfigMaps that keeps what is created; settings.b is there already, created by Fleetdeck (the
 * killed run's create landed), settings.d by someone else. Every write is recorded.
 */
function target() {
  const stored = new Map<string, KubeObject>();
  const byFleetdeck = { managedFields: [{ manager: FIELD_MANAGER }] };
  stored.set('b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'shop', ...byFleetdeck } });
  stored.set('d', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd', namespace: 'shop', managedFields: [{ manager: 'kubectl' }] } });
  const writes: string[] = [];
  const answer = (status: number, body: unknown = {}): ApiResponse => ({ status, body, text: JSON.stringify(body), resent: false });
  const collection = '/api/v1/namespaces/shop/configmaps';
  const request = async (method: string, url: string, options?: { body?: KubeObject }): Promise<ApiResponse> => {
    const route = url.split('?')[0];
    if (method === 'POST' && route === collection) {
      const name = options!.body!.metadata.name;
      writes.push(`create ${name}`);
      if (stored.has(name)) return answer(409);
      stored.set(name, { ...options!.body!, metadata: { ...options!.body!.metadata, ...byFleetdeck } });
      return answer(201, stored.get(name));
    }
    const name = route.startsWith(`${collection}/`) ? route.slice(collection.length + 1) : undefined;
    if (method === 'GET' && name) return stored.has(name) ? answer(200, stored.get(name)) : answer(404);
    if (method === 'PATCH' && name) {
      writes.push(`apply ${name}`);
      return answer(200, stored.get(name));
    }
    if (method !== 'GET') return answer(405);
    if (route === '/apis') return answer(200, { groups: [] });
    if (route === '/api/v1') return answer(200, { groupVersion: 'v1', resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['create', 'get', 'patch'] }] });
    if (route === '/api/v1/namespaces/shop') return answer(200, { metadata: { name: 'shop' } });
    if (route.endsWith('/resourcequotas') || route === '/apis/storage.k8s.io/v1/storageclasses' || route.startsWith('/apis/admissionregistration.k8s.io/')) return answer(200, { items: [] });
    return answer(404);
  };
  const ok = async (method: string, url: string) => {
    const res = await request(method, url);
    if (res.status >= 300) throw new Error(`${method} ${url}: HTTP ${res.status}`);
    return res.body;
  };
  return { client: { context: 'target', request, ok } as unknown as ClusterClient, writes };
}

it('resumes a killed restore: what was done is not written again, what was pending or failed is redone, nothing is lost', async () => {
  const file = path.join(dir, 'shop.tar.gz');
  const writer = await ArchiveWriter.create(file);
  for (const name of ['a', 'b', 'c', 'd', 'e']) {
    await writer.add({ resource: 'configmaps', group: '', namespace: 'shop', name, apiVersion: 'v1', kind: 'ConfigMap' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data: { name } });
  }
  await writer.finish({ source: { context: 'source', cloud: 'aks' }, selection: { namespaces: ['shop'] } });

  // the killed run: a was created, b's create was sent and its answer lost, c failed, e's step was cut short
  const killed = new Journal(journals, 'run');
  killed.record('/configmaps/shop/a', { result: 'pending' });
  killed.record('/configmaps/shop/a', { result: 'created' });
  killed.record('/configmaps/shop/b', { result: 'pending' });
  killed.record('/configmaps/shop/c', { result: 'pending' });
  killed.record('/configmaps/shop/c', { result: 'failed', reason: 'HTTP 500' });
  killed.close();
  const torn = '{"key":"/configmaps/shop/e","result":"pen';
  appendFileSync(killed.file, torn);

  const journal = new Journal(journals, 'run');
  const { client, writes } = target();
  const report = await restore(await ArchiveReader.open(file, { allowUnsigned: true }), client, { mappings: resolveMappings('aks', undefined, {}), conflict: 'skip', dryRun: false, verifyTimeoutMs: 0, journal });
  journal.close();

  expect(report.error).toBeUndefined();
  expect(Object.fromEntries(report.items.map((item) => [item.name, [item.result, item.reason]]))).toEqual({
    a: ['created', undefined],
    b: ['created', 'created by the interrupted run'],
    c: ['created', undefined],
    d: ['skipped', 'already exists on the target (conflict policy skip)'],
    e: ['created', undefined],
  });
  // a is not created twice; b, already there, is made to hold what the archive holds
  expect(writes.sort()).toEqual(['apply b', 'create b', 'create c', 'create d', 'create e']);
  // each object this run wrote: pending before the write, its answer after, each on a line of its own
  const written = lines(journal.file);
  const steps = written.slice(written.indexOf(torn) + 1).map((line) => JSON.parse(line) as { key: string; result: string });
  for (const name of ['b', 'c', 'd', 'e']) {
    expect(steps.filter((s) => s.key === `/configmaps/shop/${name}`).map((s) => s.result)).toEqual(['pending', name === 'd' ? 'skipped' : 'created']);
  }
  expect(steps.some((s) => s.key === '/configmaps/shop/a')).toBe(false);

  // a second resume reports the same and writes nothing
  const { client: again, writes: secondWrites } = target();
  const rerun = new Journal(journals, 'run');
  const second = await restore(await ArchiveReader.open(file, { allowUnsigned: true }), again, { mappings: resolveMappings('aks', undefined, {}), conflict: 'skip', dryRun: false, verifyTimeoutMs: 0, journal: rerun });
  rerun.close();
  expect(second.items.map((item) => `${item.name} ${item.result}`).sort()).toEqual(['a created', 'b created', 'c created', 'd skipped', 'e created']);
  expect(secondWrites).toEqual([]);
});
