// Imported kubeconfigs come from the renderer, which is untrusted (the web shell's token holder, an
// XSS): an import resolves only against itself, and may run only known credential plugins.
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeconfigClustersService } from './clusters-service.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { FileKeyStore, Vault } from '../../kube/vault.ts';

const TOKEN = 'file-admin-token-3f9a';

/** The attacker's API server: records the Authorization header of every request it receives. */
const received: (string | undefined)[] = [];
const attacker = http.createServer((request, response) => {
  received.push(request.headers.authorization);
  response.writeHead(401).end();
});
let attackerUrl: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as net.AddressInfo).port}`;
});
afterAll(() => attacker.close());

let dir: string;
let store: KubeconfigStore;
let vault: Vault;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-store-'));
  received.length = 0;
  // the user's own kubeconfig: user admin with a token; its context "orphan" names a cluster no file defines
  const file = path.join(dir, 'config');
  await writeFile(
    file,
    stringify({
      clusters: [{ name: 'prod', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'admin', user: { token: TOKEN } }],
      contexts: [
        { name: 'prod', context: { cluster: 'prod', user: 'admin' } },
        { name: 'orphan', context: { cluster: 'not-in-files', user: 'admin' } },
      ],
    }),
  );
  vault = new Vault(dir, new FileKeyStore(dir));
  store = new KubeconfigStore([file], vault);
});

const kubeconfig = (user: Record<string, unknown> | undefined, context: Record<string, unknown> = { cluster: 'mine', user: 'me' }) =>
  stringify({
    clusters: [{ name: 'mine', cluster: { server: attackerUrl } }],
    users: user ? [{ name: 'me', user }] : [],
    contexts: [{ name: 'imported', context }],
  });

/** What an older Fleetdeck let into the vault, written past the import checks. */
const plant = (yaml: string) => vault.update((data) => data.entries.push(Vault.entry(yaml, 'old.yaml')));

const service = () => new KubeconfigClustersService({ store, connectTimeoutMs: 2_000 });
const problemOf = async (context: string) => (await service().list()).clusters.find((c) => c.context === context)?.problem;

describe('an imported kubeconfig resolves only against itself', () => {
  it("refuses an import whose context names a user or cluster it does not define, such as the user's own admin", async () => {
    await expect(store.import(kubeconfig(undefined, { cluster: 'mine', user: 'admin' }), 'evil.yaml')).rejects.toMatchObject({
      code: 'kubeconfig-invalid',
      message: expect.stringMatching(/^evil\.yaml: context "imported" names user "admin", which this kubeconfig does not define;/),
    });
    await expect(store.import(kubeconfig({ token: 'x' }, { cluster: 'prod', user: 'me' }), 'evil.yaml')).rejects.toMatchObject({
      code: 'kubeconfig-invalid',
      message: expect.stringMatching(/^evil\.yaml: context "imported" names cluster "prod", which this kubeconfig does not define;/),
    });
    expect((await vault.open()) as unknown).toEqual({ data: expect.objectContaining({ entries: [] }) });
  });

  it("never sends a file's token to a vault entry's server: neither through the entry's context nor through a file context naming the entry's cluster", async () => {
    await plant(stringify({ clusters: [{ name: 'mine', cluster: { server: attackerUrl } }, { name: 'not-in-files', cluster: { server: attackerUrl } }], contexts: [{ name: 'stolen', context: { cluster: 'mine', user: 'admin' } }] }));
    expect(await problemOf('stolen')).toBe('context "stolen" references missing user "admin" (an imported kubeconfig uses only the clusters and users it defines)');
    expect(await problemOf('orphan')).toBe('context "orphan" references missing cluster "not-in-files"');
    for (const context of ['stolen', 'orphan']) expect(await service().connect({ context }), context).toMatchObject({ state: 'failed', reason: 'context-invalid' });
    expect(received).toEqual([]);
  });
});

describe('an imported kubeconfig may run only known credential plugins', () => {
  const exec = (command: string, args: string[] = [], env: { name: string; value: string }[] = []) => ({ exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command, args, env } });

  const refusals: [string, Record<string, unknown>, RegExp][] = [
    ['a path', exec('/tmp/kubelogin', ['get-token']), /user "me": its exec plugin "\/tmp\/kubelogin" is not a known credential plugin named without a path/],
    ['a relative path', exec('./aws', ['eks', 'get-token']), /is not a known credential plugin/],
    ['another program', exec('sh', ['-c', 'id']), /its exec plugin "sh" is not a known credential plugin/],
    ['a known plugin without its credential subcommand', exec('aws', ['s3', 'cp', 's3://x/y', '/tmp/y']), /its exec plugin must be run as "aws eks get-token …"/],
    ['kubectl running something else', exec('kubectl', ['exec', 'pod', '--', 'sh']), /must be run as "kubectl oidc-login get-token …"/],
    ['a subcommand after an option that is not --region or --profile', exec('aws', ['--endpoint-url', 'x', 'eks', 'get-token']), /must be run as "aws eks get-token …"/],
    ['a flag naming a program to run', exec('kubectl', ['oidc-login', 'get-token', '--browser-command=/tmp/x']), /its exec plugin's flag "--browser-command" names a program to run/],
    ...['PATH', 'LD_PRELOAD', 'NODE_OPTIONS', 'BASH_ENV', 'AWS_CONFIG_FILE', 'CLOUDSDK_PYTHON', 'GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES', 'AZURE_CONFIG_DIR'].map(
      (name): [string, Record<string, unknown>, RegExp] => [`the variable ${name}`, exec('aws', ['eks', 'get-token'], [{ name, value: 'x' }]), new RegExp(`environment variable "${name}" is not a cloud credential setting`)],
    ),
    ['an auth-provider with cmd-path', { 'auth-provider': { name: 'gcp', config: { 'cmd-path': '/bin/sh', 'cmd-args': '-c id' } } }, /its auth-provider "gcp" runs a command \(cmd-path, cmd-args\)/],
    ['an auth-provider with cmd-args alone', { 'auth-provider': { name: 'azure', config: { 'cmd-args': 'x' } } }, /runs a command/],
    ['a token read from a local file', { tokenFile: path.join(tmpdir(), 'vault.key') }, /reads its token from a file of this machine \(tokenFile\)/],
  ];
  it.each(refusals)('refuses %s at import', async (_, user, message) => {
    await expect(store.import(kubeconfig(user), 'evil.yaml')).rejects.toMatchObject({ code: 'kubeconfig-invalid', message: expect.stringMatching(message) });
  });

  it('accepts the plugins EKS, GKE and AKS write', async () => {
    const imports = {
      eks: exec('aws', ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'prod', '--output', 'json'], [{ name: 'AWS_PROFILE', value: 'ops' }]),
      'eks-flags-after': exec('aws', ['eks', 'get-token', '--cluster-name', 'x', '--region', 'y']),
      'eks-authenticator': exec('aws-iam-authenticator', ['token', '-i', 'prod']),
      gke: exec('gke-gcloud-auth-plugin'),
      aks: exec('kubelogin', ['get-token', '--login', 'spn', '--server-id', '6dae42f8', '--client-id', 'c', '--client-secret', 's'], [{ name: 'AAD_SERVICE_PRINCIPAL_CLIENT_SECRET', value: 's' }]),
      oidc: exec('kubectl', ['oidc-login', 'get-token', '--oidc-issuer-url=https://issuer.example', '--oidc-client-id=x']),
      gcp: { 'auth-provider': { name: 'gcp', config: { 'access-token': 'x' } } },
    };
    for (const [name, user] of Object.entries(imports)) {
      const yaml = kubeconfig(user).replaceAll('imported', name);
      expect(await store.import(yaml, `${name}.yaml`), name).toEqual([name]);
    }
    for (const entry of (await service().list()).clusters.filter((c) => c.vaultId)) expect(entry.problem, entry.context).toBeUndefined();
  });

  it('never runs the command of an entry an older version let into the vault: its context has a problem instead', async () => {
    const marker = path.join(dir, 'ran');
    const script = path.join(dir, 'aws');
    await writeFile(script, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
    await chmod(script, 0o700);
    await plant(kubeconfig(exec(script, ['eks', 'get-token'])));
    expect(await problemOf('imported')).toMatch(/^context "imported": user "me" of an imported kubeconfig cannot be used: its exec plugin ".*\/aws" is not a known credential plugin named without a path/);
    expect(await service().connect({ context: 'imported' })).toMatchObject({ state: 'failed', reason: 'context-invalid' });
    expect(existsSync(marker)).toBe(false);
    expect(received).toEqual([]);
  });

  it('keeps the kubeconfig files the user named as kubectl treats them: their plugins run from any path', async () => {
    const file = path.join(dir, 'own');
    await writeFile(file, kubeconfig(exec(path.join(dir, 'my-plugin'), ['anything'], [{ name: 'PATH', value: '/opt/x' }])));
    const [entry] = (await new KubeconfigClustersService({ store: new KubeconfigStore([file]) }).list()).clusters;
    expect(entry).toMatchObject({ context: 'imported', authKind: 'exec' });
    expect(entry.problem).toBeUndefined();
  });
});
