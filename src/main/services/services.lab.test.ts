import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { labKubeconfig, labKubeconfigWith } from '../../../test/lab.ts';
import type { Finding } from '../../shared/security/model.ts';
import { KubeconfigStore } from '../kube/kubeconfig-store.ts';
import { FileKeyStore } from '../kube/vault.ts';
import { createServices, exposeServices } from './index.ts';
import { KubeSecurityService } from './security/security-service.ts';

const services = (kubeconfig: string) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-'));
  return createServices({ kubeconfig, dataDir, keys: new FileKeyStore(dataDir) });
};

/** What keeps a process alive that the services open: sockets, file watches, timers. */
const handles = () => {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) if (['TCPSocketWrap', 'FSEventWrap', 'Timeout'].includes(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
};

// the dispose test runs first: its baseline must not count handles another test is still closing
describe('services against the lab', () => {
  it('dispose leaves no socket, file watch or timer behind', async () => {
    const before = handles();
    const api = services(labKubeconfig);
    const unexpose = exposeServices(api, { handle: () => undefined, emit: () => undefined });
    await api.fleet.synced();
    await api.gitops.status({});
    const running = handles();
    expect(running.FSEventWrap ?? 0).toBeGreaterThan(before.FSEventWrap ?? 0);
    expect(running.TCPSocketWrap ?? 0).toBeGreaterThan(before.TCPSocketWrap ?? 0);
    unexpose();
    api.dispose();
    await expect.poll(handles, { timeout: 15_000 }).toEqual(before);
  });

  it('the fleet follows an edited kubeconfig file: a removed context is dropped, an added one watched', async () => {
    const only = (context: string) => (config: { contexts: { name: string }[] }) => (config.contexts = config.contexts.filter((c) => c.name === context));
    const file = labKubeconfigWith(only('aks-lab'));
    const api = services(file);
    try {
      const changed: string[][] = [];
      api.fleet.onDidChange(({ contexts }) => changed.push(contexts));
      expect((await api.fleet.summaries()).map((s) => s.context)).toEqual(['aks-lab']);
      const config = parse(readFileSync(labKubeconfig, 'utf8'));
      only('gke-lab')(config);
      writeFileSync(file, stringify(config));
      await expect.poll(async () => (await api.fleet.summaries()).map((s) => s.context), { timeout: 10_000 }).toEqual(['gke-lab']);
      await expect.poll(async () => (await api.fleet.summaries())[0], { timeout: 30_000 }).toMatchObject({ state: 'synced' });
      await expect.poll(() => changed.flat()).toEqual(expect.arrayContaining(['aks-lab', 'gke-lab']));
    } finally {
      api.dispose();
    }
  });

  it('the security audit reads pods and namespaces from the fleet’s caches once they run, and finds what a live audit finds', async () => {
    const api = services(labKubeconfig);
    const cached = vi.spyOn(api.fleet, 'cached');
    try {
      // nothing is started for the asking: an audit before the fleet screen ran lists everything
      expect(await api.fleet.cached('eks-lab', ['pods'])).toEqual({});
      await api.fleet.synced();
      const fromCaches = await api.security.audit({ contexts: ['eks-lab'] });
      const gave = await cached.mock.results.at(-1)!.value;
      expect(gave.pods.length).toBeGreaterThan(10);
      expect(gave.namespaces.length).toBeGreaterThan(3);
      // the cache keeps slim pods: every field a check reads must have survived
      const live = await new KubeSecurityService({ store: new KubeconfigStore([labKubeconfig]), dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-')) }).audit({ contexts: ['eks-lab'] });
      const key = (f: Finding) => `${f.check} ${f.namespace}/${f.kind}/${f.name}: ${f.message}`;
      expect(fromCaches.findings.map(key).sort()).toEqual(live.findings.map(key).sort());
      expect(fromCaches.findings.map((f) => f.check)).toEqual(expect.arrayContaining(['workloads.added-capabilities', 'workloads.no-seccomp', 'network.unselected-pods', 'rbac.automount-token', 'encryption.secret-env', 'workloads.pod-security-admission']));
    } finally {
      api.dispose();
    }
  });
});
