import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeconfigClustersService } from './clusters-service.ts';
import { KubeconfigStore } from './kubeconfig-store.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-clusters-'));
const write = (name: string, text: string, mode = 0o600) => {
  const file = path.join(dir, name);
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
  return file;
};

// every value a kubeconfig holds that proves an identity; none may reach the renderer
const secrets = {
  clientSecret: 'S1-client-secret-value',
  passwordFlag: 'S2-password-value',
  shortFlag: 'S3-short-flag-value',
  unknownFlag: 'S4-unknown-flag-value',
  positional: 'S5PositionalToken',
  env: 'S6-env-value',
  serverPassword: 'S7-server-password',
  serverQuery: 'S8-server-query-token',
  proxyPassword: 'S9-proxy-password',
  token: 'S10-static-token',
  providerSecret: 'S11-provider-secret',
  basicPassword: 'S12-basic-password',
};

// a plugin that fails and, as some do, repeats its command line and environment in its error
const plugin = write('echo-plugin', `#!/bin/sh\nprintf "cannot log in: %s AZURE_CLIENT_SECRET=%s\\n" "$*" "$AZURE_CLIENT_SECRET" >&2\nexit 1\n`, 0o700);

const kubeconfig = write(
  'kubeconfig',
  stringify({
    clusters: [
      { name: 'aks', cluster: { server: `https://admin:${secrets.serverPassword}@127.0.0.1:1/k8s?token=${secrets.serverQuery}`, 'proxy-url': `http://proxy-user:${secrets.proxyPassword}@127.0.0.1:1` } },
      { name: 'plain', cluster: { server: 'https://127.0.0.1:1' } },
      { name: 'bad-proxy', cluster: { server: 'https://10.0.0.1', 'proxy-url': `socks5://u:${secrets.proxyPassword}@[bad` } },
    ],
    users: [
      {
        name: 'sp',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: plugin,
            args: ['get-token', '--server-id', '6dae42f8', '--client-secret', secrets.clientSecret, `--password=${secrets.passwordFlag}`, '-p', secrets.shortFlag, `--custom=${secrets.unknownFlag}`, secrets.positional],
            env: [{ name: 'AZURE_CLIENT_SECRET', value: secrets.env }],
          },
        },
      },
      { name: 'static', user: { token: secrets.token, username: 'admin', password: secrets.basicPassword } },
      { name: 'oidc', user: { 'auth-provider': { name: 'oidc', config: { 'client-secret': secrets.providerSecret } } } },
    ],
    contexts: [
      { name: 'exec', context: { cluster: 'aks', user: 'sp' } },
      { name: 'static', context: { cluster: 'aks', user: 'static' } },
      { name: 'plugin-fails', context: { cluster: 'plain', user: 'sp' } },
      { name: 'oidc', context: { cluster: 'plain', user: 'oidc' } },
      { name: 'bad-proxy', context: { cluster: 'bad-proxy', user: 'static' } },
    ],
  }),
);

const expectNoSecret = (text: string) => {
  for (const [name, value] of Object.entries(secrets)) expect(text, name).not.toContain(value);
};

describe('what the renderer sees of a kubeconfig', () => {
  const service = () => new KubeconfigClustersService({ store: new KubeconfigStore([kubeconfig]), connectTimeoutMs: 2_000 });

  it('lists servers without user, password or query, and exec plugins without secret values', async () => {
    const list = await service().list();
    expectNoSecret(JSON.stringify(list));
    const byContext = Object.fromEntries(list.clusters.map((c) => [c.context, c]));
    expect(byContext.exec).toMatchObject({ server: 'https://127.0.0.1:1/k8s', authKind: 'exec', authDetail: 'echo-plugin get-token --server-id 6dae42f8 --client-secret *** --password=*** -p *** --custom=*** ***' });
    expect(byContext.oidc).toMatchObject({ authKind: 'auth-provider', authDetail: 'oidc' });
  });

  it('keeps secrets out of connection failures, even when a plugin prints them', async () => {
    for (const context of ['exec', 'static', 'plugin-fails', 'bad-proxy']) {
      const connection = await service().connect({ context });
      expect(connection.state, context).toBe('failed');
      expectNoSecret(JSON.stringify(connection));
    }
    expect(await service().connect({ context: 'plugin-fails' })).toMatchObject({
      reason: 'exec-plugin-failed',
      message: 'context "plugin-fails": credential plugin echo-plugin failed: cannot log in: get-token --server-id 6dae42f8 --client-secret *** --password=*** -p *** --custom=*** *** AZURE_CLIENT_SECRET=***',
    });
  });
});
