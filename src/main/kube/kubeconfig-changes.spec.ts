// The kubeconfig store is the one notifier of kubeconfig changes: a file edited behind the app's
// back, and the vault changed through it, are announced with the contexts they touched.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeconfigStore, type KubeconfigChange } from './kubeconfig-store.ts';
import { FileKeyStore, Vault } from './vault.ts';

const kubeconfig = (servers: Record<string, string>) =>
  stringify({
    clusters: Object.entries(servers).map(([name, server]) => ({ name, cluster: { server } })),
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: Object.keys(servers).map((name) => ({ name, context: { cluster: name, user: 'u' } })),
  });

const watches = () => process.getActiveResourcesInfo().filter((kind) => kind === 'FSEventWrap').length;

describe('kubeconfig changes', () => {
  it('announces a file edit with the contexts it added, removed or pointed elsewhere; nothing for a rewrite that changes nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-changes-'));
    const file = path.join(dir, 'config');
    await writeFile(file, kubeconfig({ a: 'https://127.0.0.1:1', b: 'https://127.0.0.1:2', c: 'https://127.0.0.1:3' }));
    const store = new KubeconfigStore([file]);
    const changes: KubeconfigChange[] = [];
    const before = watches();
    const unsubscribe = store.onDidChange((change) => changes.push(change));
    expect(watches()).toBeGreaterThan(before);
    await store.load();

    await writeFile(file, kubeconfig({ a: 'https://127.0.0.1:1', b: 'https://127.0.0.1:20', d: 'https://127.0.0.1:4' }));
    await expect.poll(() => changes).toEqual([{ reason: 'disk', contexts: expect.arrayContaining(['b', 'c', 'd']) }]);
    expect(changes[0].contexts).toHaveLength(3);

    await writeFile(file, kubeconfig({ a: 'https://127.0.0.1:1', b: 'https://127.0.0.1:20', d: 'https://127.0.0.1:4' }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(changes).toHaveLength(1);

    unsubscribe();
    await expect.poll(watches).toBe(before);
  });

  it('announces vault changes made through the store: an import with its contexts, a rename with none', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-changes-'));
    const store = new KubeconfigStore([], new Vault(dir, new FileKeyStore(dir)));
    const changes: KubeconfigChange[] = [];
    const unsubscribe = store.onDidChange((change) => changes.push(change));
    await store.import(kubeconfig({ imported: 'https://127.0.0.1:5' }), 'imported.yaml');
    await store.rename('imported', 'Imported cluster');
    expect(changes).toEqual([
      { reason: 'import', contexts: ['imported'] },
      { reason: 'rename', contexts: [] },
    ]);
    unsubscribe();
  });
});
