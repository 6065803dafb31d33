// One contract suite, run over both transports: Electron IPC (main's serveIpc and the preload's
// client, joined by a loopback that structured-clones every message as Electron does) and the
// web shell (a real HTTP + WebSocket server on loopback, with the renderer's own web transport).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type FleetdeckApi } from '../src/shared/contract/index.ts';
import type { ConnectionChange } from '../src/shared/contract/clusters.ts';
import { FleetdeckError } from '../src/shared/errors.ts';
import { ipcClientTransport, type IpcEvent } from '../src/shared/ipc.ts';
import { Dispatcher } from '../src/main/rpc/dispatcher.ts';
import { serveIpc, type IpcMainLike } from '../src/main/rpc/ipc.ts';
import { createServices, exposeServices } from '../src/main/services/index.ts';
import { FileKeyStore } from '../src/main/kube/vault.ts';
import { startWebShell } from '../src/main/web/server.ts';
import { webTransport } from '../src/renderer/web-transport.ts';

const kubeconfig = path.resolve(import.meta.dirname, '../e2e/fixtures/multicloud.kubeconfig.yaml');

interface Harness {
  api: FleetdeckApi;
  close(): Promise<void>;
}

function hostServices(): Dispatcher {
  const dispatcher = new Dispatcher();
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-contract-'));
  exposeServices(createServices({ kubeconfig, dataDir: dir, keys: new FileKeyStore(dir) }), dispatcher);
  return dispatcher;
}

async function overIpc(): Promise<Harness> {
  const dispatcher = hostServices();
  type Handler = Parameters<IpcMainLike['handle']>[1];
  const handlers = new Map<string, Handler>();
  const listeners = new Set<(event: unknown, message: IpcEvent) => void>();
  const stop = serveIpc({ handle: (channel, handler) => handlers.set(channel, handler) }, dispatcher, {
    trusted: (url) => url === 'file:///app/index.html',
    broadcast: (_channel, message) => listeners.forEach((l) => l({}, structuredClone(message) as IpcEvent)),
  });
  const api = createApiClient(
    ipcClientTransport({
      invoke: async (channel, ...args) => structuredClone(await handlers.get(channel)!({ senderFrame: { url: 'file:///app/index.html' } }, ...structuredClone(args))),
      on: (_channel, listener) => listeners.add(listener),
      off: (_channel, listener) => listeners.delete(listener),
    }),
  );
  return { api, close: async () => stop() };
}

async function overWebShell(): Promise<Harness> {
  const shell = await startWebShell({ dispatcher: hostServices(), rendererDir: import.meta.dirname, port: 0 });
  const api = createApiClient(webTransport({ origin: `http://127.0.0.1:${shell.port}`, token: shell.token }));
  return { api, close: () => shell.close() };
}

describe.each([
  ['electron-ipc', overIpc],
  ['web-shell', overWebShell],
])('service contract over %s', (_name, start) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await start();
  });
  afterAll(() => harness.close());

  it('lists every context with its cloud and auth kind', async () => {
    const { clusters, errors } = await harness.api.clusters.list();
    expect(errors).toEqual([]);
    expect(clusters.map((c) => [c.context, c.cloud, c.authKind])).toEqual([
      ['prod-aks-weu', 'aks', 'exec'],
      ['gke_acme-prod_europe-west1_prod-gke', 'gke', 'exec'],
      ['arn:aws:eks:eu-west-1:123456789012:cluster/prod-eks', 'eks', 'exec'],
      ['on-prem', 'other', 'token'],
      ['dangling', 'other', 'token'],
    ]);
    expect(clusters.find((c) => c.context === 'dangling')?.problem).toBe('context "dangling" references missing cluster "no-such-cluster"');
    expect(JSON.stringify(clusters)).not.toContain('not-a-real-token');
  });

  it('reports an unreachable server as a connection result and delivers the change event', async () => {
    const events: ConnectionChange[] = [];
    const unsubscribe = harness.api.clusters.onDidChangeConnection((change) => events.push(change));
    const connection = await harness.api.clusters.connect({ context: 'on-prem' });
    expect(connection).toMatchObject({ state: 'failed', reason: 'unreachable' });
    await expect.poll(() => events).toEqual([{ context: 'on-prem', connection }]);
    unsubscribe();
    await harness.api.clusters.connect({ context: 'on-prem' });
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toHaveLength(1);
  });

  it('reports a context with a missing cluster as context-invalid', async () => {
    expect(await harness.api.clusters.connect({ context: 'dangling' })).toMatchObject({
      state: 'failed',
      reason: 'context-invalid',
      message: 'context "dangling" references missing cluster "no-such-cluster"',
    });
  });

  it('rejects invalid input with the field named', async () => {
    const call = harness.api.clusters.connect({ context: 42 } as unknown as { context: string });
    await expect(call).rejects.toBeInstanceOf(FleetdeckError);
    await expect(call).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('at context') });
    await expect(harness.api.clusters.connect({ context: 'x', extra: 1 } as unknown as { context: string })).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('imports a pasted kubeconfig into the vault, renames and removes it, with change events', async () => {
    const reasons: string[] = [];
    const unsubscribe = harness.api.clusters.onDidChangeClusters(({ reason }) => reasons.push(reason));
    const yaml = 'clusters: [{name: pasted, cluster: {server: "https://pasted.gr7.eu-west-1.eks.amazonaws.com"}}]\nusers: [{name: u, user: {token: t0ps3cret}}]\ncontexts: [{name: pasted, context: {cluster: pasted, user: u}}]\n';
    expect(await harness.api.clusters.importKubeconfig({ yaml, origin: 'pasted' })).toEqual({ contexts: ['pasted'] });
    await harness.api.clusters.rename({ context: 'pasted', displayName: 'EKS prod' });
    const entry = (await harness.api.clusters.list()).clusters.find((c) => c.context === 'pasted')!;
    expect(entry).toMatchObject({ cloud: 'eks', displayName: 'EKS prod', vaultId: expect.any(String) });
    expect(JSON.stringify(entry)).not.toContain('t0ps3cret');
    await expect(harness.api.clusters.importKubeconfig({ yaml, origin: 'again' })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('"pasted" already exists') });
    await harness.api.clusters.removeKubeconfig({ id: entry.vaultId! });
    expect((await harness.api.clusters.list()).clusters.some((c) => c.context === 'pasted')).toBe(false);
    await expect.poll(() => reasons).toEqual(['import', 'rename', 'remove']);
    unsubscribe();
  });

  it('rejects an unknown context as not-found', async () => {
    await expect(harness.api.clusters.connect({ context: 'nope' })).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('context "nope" not found'),
    });
  });
});
