import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeconfigClustersService } from './clusters-service.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-clusters-'));
const write = (name: string, text: string, mode = 0o600) => {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
  return file;
};

// every value a kubeconfig holds that proves an identity; none may reach the renderer, in any case
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
  // a value that starts with a dash, after a flag that takes one, or standing alone
  dashValue: '-Kx9SecretStartsWithDash',
  dashAlone: '-Lx9SecretStandingAlone',
  // a positional argument that looks like a subcommand
  wordsPositional: 'plaintext-passphrase-here',
  afterEndOfOptions: 'S13-after-double-dash',
  afterSwitch: 's14-after-a-switch',
  afterMalformedFlag: 'S20-after-a-malformed-flag',
  // URLs that do not parse: nothing says which part is the password
  proxyNoHost: 'Hunter2Secret',
  socksNoHost: 'Hunter3Secret',
  serverNoHost: 'Hunter4Secret',
  proxyBracket: 'S15-in-a-bracket',
  // a query without a value, a fragment
  queryKey: 'S16-query-key',
  fragment: 'S17-fragment',
  // a proxy that refuses: Node's message repeats its URL
  refusingProxyPassword: 'S18-refusing-proxy-password',
  refusingProxyQuery: 'S19-refusing-proxy-query',
};

const expectNoSecret = (text: string) => {
  for (const [name, value] of Object.entries(secrets)) expect(text.toLowerCase(), name).not.toContain(value.toLowerCase());
};

// a plugin that fails and, as some do, repeats its command line and environment in its error; named
// as a known plugin, so its subcommand words are shown
const plugin = write('bin/kubelogin', `#!/bin/sh\nprintf "cannot log in: %s AZURE_CLIENT_SECRET=%s\\n" "$*" "$AZURE_CLIENT_SECRET" >&2\nexit 1\n`, 0o700);
const pluginArgs = [
  'get-token',
  '--server-id',
  '6dae42f8',
  '--client-secret',
  secrets.clientSecret,
  `--password=${secrets.passwordFlag}`,
  '-p',
  secrets.shortFlag,
  `--custom=${secrets.unknownFlag}`,
  secrets.positional,
  '--client-secret',
  secrets.dashValue,
  secrets.wordsPositional,
  '--verbose',
  secrets.afterSwitch,
  '--login=spn',
  secrets.dashAlone,
  secrets.afterMalformedFlag,
  '--',
  secrets.afterEndOfOptions,
];
const pluginShown = 'kubelogin get-token --server-id 6dae42f8 --client-secret *** --password=*** -p *** --custom=*** *** --client-secret *** *** --verbose *** --login=spn *** *** -- ***';

/** An HTTP proxy that refuses every CONNECT, as a proxy wanting other credentials does. */
const refusingProxy = net.createServer((socket) => {
  socket.on('error', () => {});
  socket.once('data', () => socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\nContent-Length: 0\r\n\r\n'));
});
let kubeconfig: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => refusingProxy.listen(0, '127.0.0.1', resolve));
  const refusingPort = (refusingProxy.address() as net.AddressInfo).port;
  kubeconfig = write(
    'kubeconfig',
    stringify({
      clusters: [
        { name: 'aks', cluster: { server: `https://admin:${secrets.serverPassword}@127.0.0.1:1/k8s?token=${secrets.serverQuery}`, 'proxy-url': `http://proxy-user:${secrets.proxyPassword}@127.0.0.1:1` } },
        { name: 'plain', cluster: { server: 'https://127.0.0.1:1' } },
        { name: 'bad-proxy', cluster: { server: 'https://10.0.0.1', 'proxy-url': `socks5://u:${secrets.proxyPassword}@[bad` } },
        { name: 'proxy-no-host', cluster: { server: 'https://127.0.0.1:1', 'proxy-url': `http://proxyuser:${secrets.proxyNoHost}` } },
        { name: 'socks-no-host', cluster: { server: 'https://127.0.0.1:1', 'proxy-url': `socks5://proxyuser:${secrets.socksNoHost}/` } },
        { name: 'server-no-host', cluster: { server: `https://apiuser:${secrets.serverNoHost}` } },
        { name: 'proxy-bracket', cluster: { server: 'https://127.0.0.1:1', 'proxy-url': `socks5://[bad:${secrets.proxyBracket}` } },
        { name: 'query-key', cluster: { server: `https://127.0.0.1:1/?${secrets.queryKey}#${secrets.fragment}` } },
        { name: 'refused', cluster: { server: 'https://127.0.0.1:1', 'proxy-url': `http://puser:${secrets.refusingProxyPassword}@127.0.0.1:${refusingPort}/?k=${secrets.refusingProxyQuery}` } },
      ],
      users: [
        { name: 'sp', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin, args: pluginArgs, env: [{ name: 'AZURE_CLIENT_SECRET', value: secrets.env }] } } },
        { name: 'static', user: { token: secrets.token, username: 'admin', password: secrets.basicPassword } },
        { name: 'oidc', user: { 'auth-provider': { name: 'oidc', config: { 'client-secret': secrets.providerSecret } } } },
      ],
      contexts: [
        { name: 'exec', context: { cluster: 'aks', user: 'sp' } },
        { name: 'static', context: { cluster: 'aks', user: 'static' } },
        { name: 'plugin-fails', context: { cluster: 'plain', user: 'sp' } },
        { name: 'oidc', context: { cluster: 'plain', user: 'oidc' } },
        ...['bad-proxy', 'proxy-no-host', 'socks-no-host', 'server-no-host', 'proxy-bracket', 'query-key', 'refused'].map((name) => ({ name, context: { cluster: name, user: 'static' } })),
      ],
    }),
  );
});
afterAll(() => refusingProxy.close());

describe('what the renderer sees of a kubeconfig', () => {
  const service = () => new KubeconfigClustersService({ store: new KubeconfigStore([kubeconfig]), connectTimeoutMs: 2_000 });

  it('lists servers without user, password, query or a body that does not parse, and exec plugins without secret values', async () => {
    const list = await service().list();
    expectNoSecret(JSON.stringify(list));
    const byContext = Object.fromEntries(list.clusters.map((c) => [c.context, c]));
    expect(byContext.exec).toMatchObject({ server: 'https://127.0.0.1:1/k8s', authKind: 'exec', authDetail: pluginShown });
    expect(byContext.oidc).toMatchObject({ authKind: 'auth-provider', authDetail: 'oidc' });
    expect(byContext['server-no-host']).toMatchObject({ server: 'https://(malformed URL)', problem: 'context "server-no-host": cluster "server-no-host" has a server that is not an https:// or http:// URL: https://(malformed URL)' });
    expect(byContext['query-key']).toMatchObject({ server: 'https://127.0.0.1:1' });
    const wrongProxy = 'has a proxy-url that is not an http://, https://, socks4:// or socks5:// URL';
    expect(byContext['proxy-no-host'].problem).toBe(`context "proxy-no-host": cluster "proxy-no-host" ${wrongProxy}: http://(malformed URL)`);
    expect(byContext['socks-no-host'].problem).toBe(`context "socks-no-host": cluster "socks-no-host" ${wrongProxy}: socks5://(malformed URL)`);
    expect(byContext['proxy-bracket'].problem).toBe(`context "proxy-bracket": cluster "proxy-bracket" ${wrongProxy}: socks5://(malformed URL)`);
  });

  it('keeps secrets out of connection failures, even when a plugin or Node repeats them', async () => {
    const contexts = ['exec', 'static', 'plugin-fails', 'bad-proxy', 'proxy-no-host', 'socks-no-host', 'server-no-host', 'proxy-bracket', 'query-key', 'refused'];
    for (const context of contexts) {
      const connection = await service().connect({ context });
      expect(connection.state, context).toBe('failed');
      expectNoSecret(JSON.stringify(connection));
    }
    expect(await service().connect({ context: 'plugin-fails' })).toMatchObject({
      reason: 'exec-plugin-failed',
      message: `context "plugin-fails": credential plugin kubelogin failed: cannot log in: ${pluginShown.replace('kubelogin ', '')} AZURE_CLIENT_SECRET=***`,
    });
    // Node names the proxy by its URL, query included: shown as every URL is, without it
    expect(await service().connect({ context: 'refused' })).toMatchObject({
      reason: 'unreachable',
      message: expect.stringMatching(/^cannot reach https:\/\/127\.0\.0\.1:1 \(through the proxy http:\/\/127\.0\.0\.1:\d+\): .*http:\/\/127\.0\.0\.1:\d+\b.*407/),
    });
    expectNoSecret(JSON.stringify(await service().list()));
  });
});
