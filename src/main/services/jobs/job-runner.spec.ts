import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import type { KeyKind, KeyStore } from '../../kube/vault.ts';
import { ArchiveReader } from './archive.ts';
import { JobRunner } from './job-runner.ts';

/** Just enough of an API server for a backup of namespace shop (one ConfigMap) and its dry-run restore. */
const objects: Record<string, unknown> = {
  '/version': { gitVersion: 'v1.31.0' },
  '/apis': { groups: [] },
  '/api/v1': {
    groupVersion: 'v1',
    resources: [
      { name: 'namespaces', kind: 'Namespace', namespaced: false, verbs: ['list', 'get', 'create'] },
      { name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['list', 'get', 'create'] },
    ],
  },
  '/api/v1/namespaces/shop': { metadata: { name: 'shop' } },
  '/api/v1/namespaces/shop/configmaps': { metadata: {}, items: [{ metadata: { name: 'settings', namespace: 'shop' }, data: { color: 'blue' } }] },
  '/api/v1/namespaces/shop/resourcequotas': { items: [] },
  '/apis/storage.k8s.io/v1/storageclasses': { items: [] },
};

let server: http.Server;
let dir: string;
let port: number;
const secrets = ['hunter2', 'admin', 'abc123', 'frag'];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const body = req.method === 'POST' ? {} : objects[new URL(req.url ?? '/', 'http://x').pathname];
    res.writeHead(req.method === 'POST' ? 201 : body ? 200 : 404, { 'Content-Type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
  dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-runner-'));
  writeFileSync(
    path.join(dir, 'kubeconfig'),
    stringify({
      // credentials and a query in the server URL, as some kubeconfigs carry them
      clusters: [{ name: 'c', cluster: { server: `http://admin:hunter2@127.0.0.1:${port}/?token=abc123#frag` } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'prod', context: { cluster: 'c', user: 'u' } }],
    }),
    { mode: 0o600 },
  );
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** A key store holding these keys, sealing with one of them. */
const keyStore = (held: Partial<Record<KeyKind, Buffer>>, sealing: KeyKind): KeyStore => ({
  sealingKey: async () => ({ kind: sealing, key: held[sealing]! }),
  key: async () => held[sealing]!,
  existingKey: async (kind) => held[kind],
});

const runner = (keys: KeyStore) => new JobRunner({ store: new KubeconfigStore([path.join(dir, 'kubeconfig')]), keys, dir });
let archives = 0;
const backup = async (keys: KeyStore) => {
  const out = path.join(dir, `shop-${++archives}.tar.gz`);
  await runner(keys).backup({ context: 'prod', namespaces: ['shop'], out });
  return out;
};
const dryRunTarget = { namespaceMap: {}, storageClassMap: {}, ingressClassMap: {}, registryMap: {}, conflict: 'skip' as const, dryRun: true, verifyTimeoutSeconds: 0 };
const restore = (keys: KeyStore, from: string) => runner(keys).restore({ context: 'prod', from, target: dryRunTarget });

describe('the job runner', () => {
  it('records the server in the archive without the user, password, query or fragment of its URL', async () => {
    const file = await backup(keyStore({ file: Buffer.alloc(32, 1) }, 'file'));
    expect((await ArchiveReader.manifestOf(file)).source).toMatchObject({ context: 'prod', server: `http://127.0.0.1:${port}` });
    const unpacked = gunzipSync(readFileSync(file)).toString('latin1');
    expect(secrets.filter((secret) => unpacked.includes(secret))).toEqual([]);
  });

  it("restores archives made with any machine key this host holds: the desktop app's keychain key after it switched to the key file", async () => {
    const keychainKey = Buffer.alloc(32, 7);
    const fileKey = Buffer.alloc(32, 9);
    const desktopBefore = keyStore({ keychain: keychainKey }, 'keychain');
    const desktopAfter = keyStore({ keychain: keychainKey, file: fileKey }, 'file');
    const cli = keyStore({ file: fileKey }, 'file');

    const madeWithKeychain = await backup(desktopBefore);
    const madeWithKeyFile = await backup(desktopAfter);
    for (const [keys, file] of [[desktopAfter, madeWithKeychain], [desktopAfter, madeWithKeyFile], [cli, madeWithKeyFile]] as const) {
      expect(await restore(keys, file)).toMatchObject({ state: 'Completed', items: [{ kind: 'Namespace', name: 'shop', result: 'created' }, { kind: 'ConfigMap', namespace: 'shop', name: 'settings', result: 'created' }] });
    }
    // the CLI holds no keychain key: the desktop app's earlier archives restore only there
    await expect(restore(cli, madeWithKeychain)).rejects.toThrow(/were encrypted with the machine key of the Fleetdeck installation that made it/);
  });
});

describe("a job's connection to a cluster", () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => void process.on('unhandledRejection', record));
  afterEach(() => void process.off('unhandledRejection', record));

  it('refuses a malformed proxy-url as context-invalid, naming it without credentials, and leaves no rejection unhandled', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-job-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      stringify({
        clusters: [{ name: 'prod', cluster: { server: 'https://10.0.0.1', 'proxy-url': 'socks5://user:hunter22@[bad', extensions: [{ name: 'fleetdeck.io/cloud', extension: { cloud: 'aks' } }] } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'u' } }],
      }),
    );
    const keys = { key: async () => Buffer.alloc(32, 1) } as KeyStore;
    const runner = new JobRunner({ store: new KubeconfigStore([kubeconfig]), keys, dir });
    const failure = runner.backup({ context: 'prod', namespaces: ['shop'], out: path.join(dir, 'prod.tar.gz') });
    // the kubeconfig check's sentence as it is, naming the context once
    await expect(failure).rejects.toMatchObject({ code: 'context-invalid', message: 'context "prod": cluster "prod" has a proxy-url that is not an http://, https://, socks4:// or socks5:// URL: socks5://(malformed URL)' });
    await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining('hunter22') });
    // a rejection nobody handles is reported after the microtasks of this one
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});
