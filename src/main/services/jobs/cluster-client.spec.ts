import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeconfigStore } from '../clusters/kubeconfig-store.ts';
import type { KeyStore } from '../clusters/vault.ts';
import { JobRunner } from './job-runner.ts';

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
    await expect(failure).rejects.toMatchObject({ code: 'context-invalid', message: expect.stringContaining('has a proxy-url that is not an http://, https://, socks4:// or socks5:// URL: socks5://[bad') });
    await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining('hunter22') });
    // a rejection nobody handles is reported after the microtasks of this one
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});
