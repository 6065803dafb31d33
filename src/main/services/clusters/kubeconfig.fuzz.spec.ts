// Fuzzing the kubeconfig loader and the client built from it: random text, mutations of a real
// kubeconfig, and well-formed kubeconfigs with hostile values (servers, proxy-urls, exec plugins,
// token files, impersonation, certificates, huge strings). Nothing may crash the process (Vitest
// fails the run on an uncaught exception or unhandled rejection) or hang (each case has a time
// limit); every refusal is a FleetdeckError with a specific code; no secret reaches the cluster
// list or an error message. Bounded: a fixed number of runs, interrupted after a few seconds; a
// failure prints the seed that replays it.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FleetdeckError, type ErrorCode } from '../../../shared/errors.ts';
import { KubeconfigClustersService } from './clusters-service.ts';
import { kubeRequest } from '../../kube/http.ts';
import { kubeConfigFor, listEntries, loadKubeconfigs, parseKubeconfig, type MergedKubeconfig } from '../../kube/kubeconfig.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { probe } from '../../kube/probe.ts';

const budget = (ms: number) => ({ numRuns: 300, plugins: [fc.interruptAfterTimeLimit(ms), fc.timeout(10_000)] });
/** a test's own limit: its budget, and the time limit of the case running when the budget ends */
const limit = (ms: number) => ms + 15_000;

/** Every secret the generators make carries this; no list entry or message may, in any case. */
const MARK = 'ZqkSecret';
const secret = fc.string({ maxLength: 10 }).map((s) => `${MARK}${s}`);
const expectNoMark = (text: string) => expect(text.toLowerCase()).not.toContain(MARK.toLowerCase());

function expectRefusal(error: unknown, codes: ErrorCode[]) {
  expect(error).toBeInstanceOf(FleetdeckError);
  expect(codes).toContain((error as FleetdeckError).code);
  expectNoMark((error as FleetdeckError).message);
}

/** Loading, listing and building every context never throws anything but a specific refusal. */
async function loadAndBuild(text: string) {
  try {
    parseKubeconfig(text, 'fuzz');
  } catch (error) {
    expectRefusal(error, ['kubeconfig-invalid']);
  }
  const config = await loadKubeconfigs([], [{ source: 'fuzz', baseDir: dir, text }]);
  for (const error of config.errors) expect(error.code).toBe('kubeconfig-invalid');
  const list = listEntries(config);
  expectNoMark(JSON.stringify(list));
  return { config, contexts: list.map((e) => e.context) };
}

function build(config: MergedKubeconfig, context: string) {
  try {
    return kubeConfigFor(config, context);
  } catch (error) {
    expectRefusal(error, ['context-invalid']);
    return undefined;
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-fuzz-'));

// --- text -------------------------------------------------------------------------------------

const sample = `apiVersion: v1
kind: Config
current-context: eks
clusters:
- name: eks
  cluster: &cluster
    server: https://ABC.gr7.eu-west-1.eks.amazonaws.com
    certificate-authority-data: LS0tLS1CRUdJTg==
    proxy-url: socks5://bastion:1080
    extensions: [{ name: fleetdeck.io/cloud, extension: { cloud: eks } }]
- name: copy
  cluster: *cluster
users:
- name: aws
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, prod]
      env: [{ name: AWS_PROFILE, value: prod }]
- name: token
  user: { token: abc, tokenFile: token, as: jane, as-groups: [a, b], as-user-extra: { k: [v] } }
contexts:
- name: eks
  context: { cluster: eks, user: aws, namespace: shop }
- name: copy
  context: { cluster: copy, user: token }
`;

const yamlish = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('*cluster', '&x', '<<: *cluster', '!!binary', '!!set', '{', '}', '[', ']', ': ', '- ', '\n  ', '"\\u0000"', 'null', '~', '? ', '|', '>-', '\t', '#', '%YAML 1.1\n---\n', '...', '[[[[[[[[[[[[', 'x'.repeat(10_000)),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat({ max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: yamlish }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), with: fc.nat() }),
);

type Mutation = { kind: 'delete'; at: number; length: number } | { kind: 'insert'; at: number; text: string } | { kind: 'duplicate-line'; at: number } | { kind: 'swap-lines'; at: number; with: number };

function mutate(text: string, mutations: Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    const lines = out.split('\n');
    const line = m.at % lines.length;
    if (m.kind === 'delete') out = out.slice(0, at) + out.slice(at + m.length);
    else if (m.kind === 'insert') out = out.slice(0, at) + m.text + out.slice(at);
    else if (m.kind === 'duplicate-line') out = [...lines.slice(0, line + 1), lines[line], ...lines.slice(line + 1)].join('\n');
    else {
      const other = m.with % lines.length;
      [lines[line], lines[other]] = [lines[other], lines[line]];
      out = lines.join('\n');
    }
  }
  return out;
}

describe('the kubeconfig loader, fuzzed', () => {
  it('refuses random text as kubeconfig-invalid or loads it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 2000 }), fc.array(yamlish, { maxLength: 30 }).map((parts) => parts.join(''))), async (text) => {
        await loadAndBuild(text);
      }),
      budget(2_000),
    );
  }, limit(2_000));

  it('loads or refuses mutations of a real kubeconfig, and builds or refuses each context', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (mutations) => {
        const { config, contexts } = await loadAndBuild(mutate(sample, mutations));
        for (const context of contexts) build(config, context);
      }),
      budget(3_000),
    );
  }, limit(3_000));

  it('refuses alias bombs of any shape quickly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 30 }), fc.boolean(), async (depth, width, asKubeconfig) => {
        const levels = [`l0: &l0 [${Array(width).fill('"lol"').join(',')}]`];
        for (let i = 1; i < depth; i++) levels.push(`l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(',')}]`);
        const text = asKubeconfig ? `${levels.map((l) => `x-${l}`).join('\n')}\nclusters: [{ name: a, cluster: { extensions: [{ name: n, extension: *l${depth - 1} }] } }]` : levels.join('\n');
        await loadAndBuild(text);
      }),
      budget(2_000),
    );
  }, limit(2_000));
});

// --- hostile values, up to a request ----------------------------------------------------------

let plain: { url: string; port: number };
let secure: { port: number; ca: string };
let closedPort: number;
/** proxies that refuse: 407 to every CONNECT, a close after the first bytes, a SOCKS5 server that accepts no method */
const refusing = { http407: 0, closes: 0, socks: 0 };
const servers: (http.Server | https.Server | net.Server)[] = [];

async function listen(server: http.Server | https.Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

const files = {
  fifo: path.join(dir, 'fifo'),
  token: path.join(dir, 'token'),
  controlToken: path.join(dir, 'control-token'),
  // a plugin that fails and repeats its command line and environment, as some do
  echoPlugin: path.join(dir, 'echo-plugin'),
  garbagePlugin: path.join(dir, 'garbage-plugin'),
  knownPlugins: ['aws', 'kubelogin', 'aws-iam-authenticator'].map((name) => path.join(dir, 'bin', name)),
  kubeconfig: path.join(dir, 'kubeconfig'),
};

beforeAll(async () => {
  const answer = (_: http.IncomingMessage, res: http.ServerResponse) => res.end('{"gitVersion":"v1.37.0"}');
  const plainServer = http.createServer(answer);
  plain = { port: await listen(plainServer), url: '' };
  plain.url = `http://127.0.0.1:${plain.port}`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')], { stdio: 'ignore' });
  const cert = readFileSync(path.join(dir, 'tls.crt'), 'utf8');
  const secureServer = https.createServer({ key: readFileSync(path.join(dir, 'tls.key')), cert }, answer);
  secure = { port: await listen(secureServer), ca: Buffer.from(cert).toString('base64') };
  const closed = net.createServer();
  closedPort = await listen(closed);
  closed.close();
  servers.push(plainServer, secureServer);
  execFileSync('mkfifo', [files.fifo]);
  writeFileSync(files.controlToken, 'abc\r\nInjected: yes');
  // printf, not echo: sh's echo rewrites backslash sequences, so the text would not be the secret
  writeFileSync(files.echoPlugin, '#!/bin/sh\nprintf "failed: %s %s\\n" "$*" "$PLUGIN_SECRET" >&2\nexit 1\n');
  writeFileSync(files.garbagePlugin, '#!/bin/sh\nprintf "%s\\n" "$*"\n');
  chmodSync(files.echoPlugin, 0o700);
  chmodSync(files.garbagePlugin, 0o700);
  // the echo plugin under the names of known plugins, whose subcommand words are shown
  mkdirSync(path.dirname(files.knownPlugins[0]));
  for (const known of files.knownPlugins) copyFileSync(files.echoPlugin, known);
  const refuse = (answer: Buffer | string) =>
    net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.end(answer));
    });
  const proxies = [refuse('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'), refuse(''), refuse(Buffer.from([5, 0xff]))];
  [refusing.http407, refusing.closes, refusing.socks] = await Promise.all(proxies.map(listen));
  servers.push(...proxies);
});
afterAll(() => servers.forEach((s) => (s.close(), (s as http.Server).closeAllConnections?.())));

const anyString = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(100_000)) },
);
/** mostly what is given, now and then something hostile */
const mostly = <T, U>(usual: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) => fc.oneof({ weight: 4, arbitrary: usual }, { weight: 1, arbitrary: hostile });

const localServer = fc
  .record({ kind: fc.constantFrom('plain', 'secure', 'closed'), user: fc.option(secret, { nil: undefined }), query: fc.option(secret, { nil: undefined }), prefix: fc.constantFrom('', '/k8s', '/a b/%2e%2e', '/ü') })
  .map(({ kind, user, query, prefix }) => {
    const port = kind === 'plain' ? plain.port : kind === 'secure' ? secure.port : closedPort;
    return `${kind === 'plain' ? 'http' : 'https'}://${user ? `admin:${user}@` : ''}127.0.0.1:${port}${prefix}${query ? `?token=${query}` : ''}`;
  });
const hostileServer = mostly(localServer, fc.oneof(anyString, fc.constantFrom('https://[bad', 'ftp://127.0.0.1', 'https://', 'http://127.0.0.1:99999', 'https://127.0.0.1:0', '//127.0.0.1', 'javascript:alert(1)', 'https://127.0.0.1\n:6443')));

const hostileProxy = mostly(
  fc.constant(undefined),
  fc.oneof(
    secret.map((s) => `http://user:${s}@127.0.0.1:${closedPort}`),
    fc.constantFrom('socks5://[bad', 'socks5://user:pw@[bad', 'socks4://127.0.0.1:1', 'socks5h://127.0.0.1:1', 'https://127.0.0.1:1', 'http://127.0.0.1:99999', 'proxy.corp:3128', 'http://', 'socks5://:1080', 'ftp://x'),
    anyString,
  ),
);

const namingArgs = fc.constantFrom(['eks', 'get-token'], ['--cluster-name', 'prod'], ['--region=eu-west-1'], ['get-token', '--server-id', '6dae42f8'], ['--verbose']);
const secretArgs = secret.chain((s) => fc.constantFrom(['--client-secret', s], [`--password=${s}`], ['-p', s], [`--token=${s}`], [s], ['--custom', s], [`--oidc-issuer-url=https://u:${s}@issuer`]));
const hostileExec = fc.record({
  command: fc.constantFrom('/nonexistent/fleetdeck-plugin', files.echoPlugin, files.garbagePlugin),
  args: fc.array(fc.oneof(namingArgs, secretArgs, fc.array(anyString, { maxLength: 2 })), { maxLength: 5 }).map((groups) => groups.flat()),
  env: fc.array(fc.record({ name: fc.constantFrom('PLUGIN_SECRET', 'AWS_PROFILE', 'X'), value: secret }), { maxLength: 3 }),
});

const credential = fc.oneof(
  fc.constant({}),
  fc.record({ token: mostly(secret, secret.map((s) => `${s}\r\nInjected: yes`)) }),
  fc.record({ tokenFile: mostly(fc.constant(files.token), fc.constantFrom(files.fifo, '/dev/zero', dir, files.controlToken, 'missing-token', '/proc/self/mem')) }),
  fc.record({ username: anyString, password: secret }),
  fc.record({ exec: hostileExec }),
  fc.record({ 'client-certificate-data': fc.oneof(fc.base64String({ maxLength: 200 }), anyString), 'client-key-data': fc.oneof(fc.base64String({ maxLength: 200 }), anyString) }),
  fc.record({ 'client-certificate': fc.constantFrom(files.fifo, '/dev/zero', 'missing.crt') }),
);
const impersonation = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 2, arbitrary: fc.record({ as: anyString, 'as-uid': anyString, 'as-groups': fc.array(anyString, { maxLength: 3 }), 'as-user-extra': fc.dictionary(anyString, fc.array(anyString, { maxLength: 2 }), { maxKeys: 2 }) }, { requiredKeys: ['as'] }) },
  { weight: 1, arbitrary: fc.record({ 'as-groups': fc.array(anyString, { maxLength: 3 }) }) },
);
const hostileUser = fc.tuple(credential, impersonation).map(([a, b]) => ({ ...a, ...b }));

const hostileCluster = fc.record({
  server: hostileServer,
  'proxy-url': hostileProxy,
  ca: mostly(fc.constant({}), fc.oneof(fc.record({ 'certificate-authority-data': fc.oneof(fc.base64String({ maxLength: 200 }), anyString) }), fc.record({ 'certificate-authority': fc.constantFrom(files.fifo, '/dev/zero', 'missing-ca.crt') }))),
  'insecure-skip-tls-verify': fc.boolean(),
  'tls-server-name': mostly(fc.constant(undefined), anyString),
});

describe('contexts with hostile values, fuzzed up to a request', () => {
  it('takes any proxy environment as a proxy, as none, or as a context-invalid refusal', async () => {
    const noProxyEntry = fc.oneof(anyString, fc.ipV4(), fc.ipV6(), fc.constantFrom('*', '.fleet.test', '*.fleet.test', 'fleet.test:6443', '10.0.0.0/8', '1.2.3.4/99', 'fe80::1%eth0', '[::1]:443', '::/0', '[]', ':443'));
    const proxyValue = fc.oneof(anyString, hostileProxy, fc.constantFrom('proxy.corp:3128', 'socks5://bastion', 'http://u:%zz@proxy:1'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('https://api.fleet.test:6443', 'http://10.1.2.3', 'https://[fd00::1]', 'https://127.0.0.1:6443', 'https://10.200.0.1:443'),
        fc.record({ HTTPS_PROXY: proxyValue, https_proxy: proxyValue, HTTP_PROXY: proxyValue, NO_PROXY: fc.array(noProxyEntry, { maxLength: 5 }).map((entries) => entries.join(',')) }, { requiredKeys: [] }),
        async (server, env) => {
          const text = stringify({ clusters: [{ name: 'c', cluster: { server } }], contexts: [{ name: 'c', context: { cluster: 'c' } }] });
          const config = await loadKubeconfigs([], [{ source: 'fuzz', baseDir: dir, text }]);
          try {
            expectNoMark(kubeConfigFor(config, 'c', env as NodeJS.ProcessEnv).endpoint);
          } catch (error) {
            expectRefusal(error, ['context-invalid']);
          }
        },
      ),
      budget(1_000),
    );
  }, limit(1_000));

  it('loads, lists without secrets, builds and sends, or refuses with a specific code', async () => {
    await fc.assert(
      fc.asyncProperty(hostileCluster, hostileUser, async ({ ca, ...cluster }, user) => {
        writeFileSync(files.token, `${MARK}-file-token\n`);
        const text = stringify({ clusters: [{ name: 'c', cluster: { 'certificate-authority-data': secure.ca, ...ca, ...cluster } }], users: [{ name: 'u', user }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }] });
        const { config } = await loadAndBuild(text);
        const kc = config.contexts.has('c') ? build(config, 'c') : undefined;
        if (!kc) return;
        expectNoMark(kc.endpoint);
        try {
          await kubeRequest(kc, '/version', { timeoutMs: 3_000 });
        } catch (error) {
          expectRefusal(error, ['context-invalid', 'exec-plugin-failed', 'unreachable', 'tls', 'timeout', 'too-large']);
        }
      }),
      budget(6_000),
    );
  }, limit(6_000));
});

// --- a secret in every position, up to the cluster list and a connection ------------------------

/** What the renderer gets of a kubeconfig: the list (entries and source errors) and a connection to every context. */
async function listAndConnect(text: string) {
  writeFileSync(files.kubeconfig, text);
  const service = new KubeconfigClustersService({ store: new KubeconfigStore([files.kubeconfig]), connectTimeoutMs: 3_000 });
  const list = await service.list();
  expectNoMark(JSON.stringify(list));
  for (const { context } of list.clusters) expectNoMark(JSON.stringify(await service.connect({ context })));
}

/** A secret without the characters that separate a URL's parts: wherever it is put, it stays in that part. */
const urlSecret = fc.string({ unit: fc.constantFrom(...'aZ09-._~!$&\'()*+,;=% '), maxLength: 8 }).map((s) => `${MARK}${s}`);
/** Every place of a URL whose display leaves it out, and URLs that do not parse around a secret. */
const urlShapes: ((scheme: string, host: string, s: string) => string)[] = [
  (scheme, host, s) => `${scheme}://user:${s}@${host}`,
  (scheme, host, s) => `${scheme}://${s}@${host}`,
  (scheme, host, s) => `${scheme}://${s}:password@${host}`,
  (scheme, host, s) => `${scheme}://u@${s}@${host}`,
  (scheme, host, s) => `${scheme}://user:${s}%zz@${host}`,
  (scheme, host, s) => `${scheme}://${host}/?token=${s}`,
  (scheme, host, s) => `${scheme}://${host}/api?a=1&${s}`,
  (scheme, host, s) => `${scheme}://${host}/#${s}`,
  (scheme, host, s) => `${scheme}://user:${s}@${host}/k8s?token=${s}#${s}`,
  (scheme, _, s) => `${scheme}://user:${s}`,
  (scheme, _, s) => `${scheme}://user:${s}/`,
  (scheme, _, s) => `${scheme}://[bad:${s}`,
  (scheme, _, s) => `${scheme}://user:${s}@[bad`,
  (scheme, host, s) => `${scheme}://user:${s}@${host}:99999`,
  (_, host, s) => `user:${s}@${host}`,
  (_, host, s) => `${host}?${s}`,
];
const urlWithSecret = (schemes: string[], hosts: () => string[]) =>
  fc.tuple(fc.constantFrom(...urlShapes), fc.constantFrom(...schemes), fc.nat(), urlSecret).map(([shape, scheme, at, s]) => shape(scheme, hosts()[at % hosts().length], s));
const proxySchemes = ['http', 'https', 'socks5', 'socks5h', 'socks4', 'HTTP', 'ftp'];
const proxyHosts = () => [`127.0.0.1:${refusing.http407}`, `127.0.0.1:${refusing.closes}`, `127.0.0.1:${refusing.socks}`, `127.0.0.1:${closedPort}`];
const serverHosts = () => [`127.0.0.1:${plain.port}`, `127.0.0.1:${secure.port}`, `127.0.0.1:${closedPort}`];

/** A value that proves an identity, as plugins are given them: mixed case, lowercase words like a subcommand, or starting with a dash. */
const argSecret = fc.oneof(secret, fc.stringMatching(/^[a-z]{0,8}$/).map((s) => `${MARK.toLowerCase()}-${s}`), secret.map((s) => `-${s}`));
/** Every place an exec argument may hold a secret: after a flag that takes a value, after =, alone, after a switch, after --, after a flag that is no flag. */
const argWithSecret = fc.tuple(argSecret, fc.constantFrom('--client-secret', '--password', '--token', '-p', '--custom', '--oidc-client-secret')).chain(([s, flag]) =>
  fc.constantFrom([flag, s], [`${flag}=${s}`], [s], ['get-token', s], ['eks', 'get-token', s], ['--verbose', s], ['--', s], ['-Xq', s], [`-Zq7=${s}`]),
);
const namingArg = fc.constantFrom(['eks', 'get-token'], ['get-token'], ['token'], ['--cluster-name', 'prod'], ['--region=eu-west-1'], ['--server-id', '6dae42f8'], ['--login', 'spn'], ['--verbose'], ['--']);

/** A secret where YAML breaks: an alias, a tag, a directive, an open quote, a bad escape, a block header, a nested map. */
const yamlWithSecret = fc.tuple(fc.oneof(secret, fc.stringMatching(/^[a-z0-9]{0,8}$/).map((s) => `${MARK}${s}`)), fc.nat()).map(([s, at]) => {
  const shapes = [
    `users: [{ name: u, user: { token: *${s} } }]`,
    `users: [{ name: u, user: { token: !${s} x } }]`,
    `users: [{ name: u, user: { token: !!${s} x } }]`,
    `%${s}\n---\nusers: []`,
    `%YAML ${s}\n---\nusers: []`,
    `users:\n- name: u\n  user:\n    token: "${s}`,
    `users:\n- name: u\n  user:\n    token: "\\${s}"`,
    `users:\n- name: u\n  user:\n    token: ${s}: x: y`,
    `users:\n- name: u\n  user: { token: ${s} } }`,
    `users:\n- name: u\n  user:\n    token: |${s}\n      x`,
    `users:\n- name: u\n  user:\n   token: ${s}\n    password: x`,
    `users:\n- name: u\n  user:\n    token: ${s}\n   - x`,
    `users: [{ name: u, user: { token: [${s} } }]`,
    `users: [{ name: u, user: { token: ${s}, , } }]`,
    `users:\n- name: u\n  user:\n    token: { ${s}: 1 }`,
    `users:\n- name: u\n  user:\n    token: ${s}\n\t password: x`,
    `users: [{ name: u, user: { token: &a [*a, ${s}] } }]`,
  ];
  return shapes[at % shapes.length];
});

describe('a secret in every position, fuzzed up to the cluster list and a connection', () => {
  it('never shows one of a server or proxy-url, whatever the URL looks like and however its proxy refuses', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(urlWithSecret(['https', 'http', 'HTTPS', 'ftp'], serverHosts), { nil: undefined }), fc.option(urlWithSecret(proxySchemes, proxyHosts), { nil: undefined }), async (server, proxy) => {
        const cluster = { server: server ?? `https://127.0.0.1:${secure.port}`, 'certificate-authority-data': secure.ca, ...(proxy ? { 'proxy-url': proxy } : {}) };
        await listAndConnect(stringify({ clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user: { token: `${MARK}-token` } }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }] }));
      }),
      budget(3_000),
    );
  }, limit(3_000));

  it('never shows one of a proxy environment variable', async () => {
    await fc.assert(
      fc.asyncProperty(urlWithSecret(proxySchemes, proxyHosts), fc.constantFrom('HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'), async (proxy, name) => {
        // a server only the proxy could reach: the request goes to the proxy, or nowhere
        const server = name.toLowerCase() === 'https_proxy' ? 'https://api.fleet.test' : 'http://api.fleet.test';
        const text = stringify({ clusters: [{ name: 'c', cluster: { server } }], contexts: [{ name: 'c', context: { cluster: 'c' } }] });
        let kc;
        try {
          kc = kubeConfigFor(await loadKubeconfigs([], [{ source: 'fuzz', baseDir: dir, text }]), 'c', { [name]: proxy });
        } catch (error) {
          return expectRefusal(error, ['context-invalid']);
        }
        expectNoMark(kc.endpoint);
        expectNoMark(JSON.stringify(await probe(kc, 3_000)));
      }),
      budget(1_500),
    );
  }, limit(1_500));

  it("never shows one of an exec plugin's arguments, nor lets its error output repeat one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files.knownPlugins, files.echoPlugin, '/nonexistent/kubelogin'),
        fc.array(fc.oneof(namingArg, argWithSecret), { maxLength: 6 }).map((groups) => groups.flat()),
        async (command, args) => {
          const exec = { apiVersion: 'client.authentication.k8s.io/v1', command, args, env: [{ name: 'PLUGIN_SECRET', value: `${MARK}-env` }] };
          await listAndConnect(stringify({ clusters: [{ name: 'c', cluster: { server: plain.url } }], users: [{ name: 'u', user: { exec } }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }] }));
        },
      ),
      budget(3_000),
    );
  }, limit(3_000));

  it('never quotes one where the YAML breaks', async () => {
    await fc.assert(
      fc.asyncProperty(yamlWithSecret, async (text) => {
        await listAndConnect(`clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:1' } }]\ncontexts: [{ name: c, context: { cluster: c, user: u } }]\n${text}`);
        try {
          parseKubeconfig(text, 'fuzz');
        } catch (error) {
          expectRefusal(error, ['kubeconfig-invalid']);
        }
      }),
      budget(1_000),
    );
  }, limit(1_000));
});
