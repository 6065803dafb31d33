import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FleetdeckError } from '../../shared/errors.ts';
import { kubeConfigFor, kubeconfigPaths, listEntries, loadKubeconfigs, parseKubeconfig } from './kubeconfig.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-kubeconfig-'));
});

const write = async (name: string, text: string) => {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
};

const config = (cluster: string, server: string, extra = '') => `
apiVersion: v1
kind: Config
current-context: ${cluster}
clusters:
- name: ${cluster}
  cluster: { server: ${server}, certificate-authority: certs/ca.crt }
users:
- name: ${cluster}-user
  user: { client-certificate: certs/admin.crt, client-key: certs/admin.key }
contexts:
- name: ${cluster}
  context: { cluster: ${cluster}, user: ${cluster}-user }
${extra}`;

describe('kubeconfig', () => {
  it('resolves the files like kubectl: explicit, then $KUBECONFIG, then ~/.kube/config', () => {
    expect(kubeconfigPaths('a.yaml', {})).toEqual([path.resolve('a.yaml')]);
    expect(kubeconfigPaths(undefined, { KUBECONFIG: `/x/a${path.delimiter}/x/b${path.delimiter}/x/a` })).toEqual(['/x/a', '/x/b']);
    expect(kubeconfigPaths(undefined, {})[0]).toMatch(/\.kube[\\/]config$/);
  });

  it('names the file and line of invalid YAML', () => {
    expect(() => parseKubeconfig('clusters:\n  - name: a\n   bad: [', 'k.yaml')).toThrow(/^k\.yaml: invalid YAML at line \d+/);
    try {
      parseKubeconfig('clusters: [\n', 'k.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(FleetdeckError);
      expect((error as FleetdeckError).code).toBe('kubeconfig-invalid');
    }
  });

  it('says what is wrong with YAML that is not a kubeconfig', () => {
    expect(() => parseKubeconfig('clusters: 3', 'k.yaml')).toThrow('k.yaml: not a kubeconfig: clusters:');
    expect(() => parseKubeconfig('contexts:\n- context: {cluster: a}', 'k.yaml')).toThrow('k.yaml: not a kubeconfig: contexts.0.name:');
  });

  it('merges files with the first definition of a name winning, and keeps the others when one file is broken', async () => {
    const a = await write('a.yaml', config('one', 'https://one.example:6443'));
    const b = await write('b.yaml', config('one', 'https://shadowed.example:6443') + `
- name: two
  context: { cluster: one, user: one-user }`);
    const broken = await write('broken.yaml', 'clusters: [');
    const missing = path.join(dir, 'missing.yaml');
    const merged = await loadKubeconfigs([a, broken, missing, b]);
    expect(merged.errors.map((e) => [e.code, e.source])).toEqual([
      ['kubeconfig-invalid', broken],
      ['kubeconfig-not-found', missing],
    ]);
    const entries = listEntries(merged);
    expect(entries.map((e) => [e.context, e.server, e.source, e.current])).toEqual([
      ['one', 'https://one.example:6443', a, true],
      ['two', 'https://one.example:6443', b, false],
    ]);
  });

  it('flags contexts whose cluster or user is missing instead of failing the list', async () => {
    const file = await write('k.yaml', config('one', 'https://one.example') + `
- name: lost-cluster
  context: { cluster: gone, user: one-user }
- name: lost-user
  context: { cluster: one, user: gone }`);
    const merged = await loadKubeconfigs([file]);
    const problems = Object.fromEntries(listEntries(merged).map((e) => [e.context, e.problem]));
    expect(problems).toEqual({
      one: undefined,
      'lost-cluster': 'context "lost-cluster" references missing cluster "gone"',
      'lost-user': 'context "lost-user" references missing user "gone"',
    });
    expect(() => kubeConfigFor(merged, 'lost-user')).toThrow(new FleetdeckError('context-invalid', 'context "lost-user" references missing user "gone"'));
  });

  it('takes a proxy-url per cluster and flags one that is not a proxy URL, naming it without its credentials', async () => {
    const file = await write('proxied.yaml', `apiVersion: v1
kind: Config
clusters:
- name: bastion
  cluster: { server: 'https://10.0.0.1', proxy-url: 'socks5://127.0.0.1:1080' }
- name: typo
  cluster: { server: 'https://10.0.0.2', proxy-url: 'proxy.corp:3128' }
- name: broken
  cluster: { server: 'https://10.0.0.3', proxy-url: 'socks5://user:pa55word@[bad' }
users:
- name: u
  user: { token: t }
contexts:
- name: bastion
  context: { cluster: bastion, user: u }
- name: typo
  context: { cluster: typo, user: u }
- name: broken
  context: { cluster: broken, user: u }`);
    const merged = await loadKubeconfigs([file]);
    const wrong = 'has a proxy-url that is not an http://, https://, socks4:// or socks5:// URL';
    expect(Object.fromEntries(listEntries(merged).map((e) => [e.context, e.problem]))).toEqual({
      bastion: undefined,
      typo: `context "typo": cluster "typo" ${wrong}: (malformed URL)`,
      broken: `context "broken": cluster "broken" ${wrong}: socks5://(malformed URL)`,
    });
    expect(() => kubeConfigFor(merged, 'broken')).toThrow(new FleetdeckError('context-invalid', `context "broken": cluster "broken" ${wrong}: socks5://(malformed URL)`));
    expect(kubeConfigFor(merged, 'bastion').endpoint).toBe('https://10.0.0.1 (through the proxy socks5://127.0.0.1:1080)');
  });

  it('resolves certificate paths against the file that defines them', async () => {
    const file = await write('nested/k.yaml', config('one', 'https://one.example'));
    const kc = kubeConfigFor(await loadKubeconfigs([file]), 'one');
    expect(kc.cluster.caFile).toBe(path.join(dir, 'nested/certs/ca.crt'));
    expect(kc.user.certFile).toBe(path.join(dir, 'nested/certs/admin.crt'));
  });

  it('reads the declared cloud and never exposes credentials in entries', async () => {
    const file = await write('k.yaml', `
clusters:
- name: lab
  cluster:
    server: https://127.0.0.1:6443
    extensions: [{ name: fleetdeck.io/cloud, extension: { cloud: gke } }]
users:
- name: u
  user: { token: s3cr3t-token }
contexts:
- name: lab
  context: { cluster: lab, user: u }`);
    const [entry] = listEntries(await loadKubeconfigs([file]));
    expect(entry).toMatchObject({ cloud: 'gke', authKind: 'token' });
    expect(JSON.stringify(entry)).not.toContain('s3cr3t');
  });

  it('reports a kubeconfig path that is a FIFO, a device, a folder or a huge file as a source error, without blocking on it', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const huge = await write('huge.yaml', '');
    await truncate(huge, 64 * 2 ** 20);
    const good = await write('good.yaml', config('one', 'https://one.example'));
    const merged = await loadKubeconfigs([fifo, '/dev/zero', dir, huge, good]);
    expect(merged.errors).toEqual([
      { source: fifo, code: 'kubeconfig-invalid', message: `kubeconfig ${fifo} is not a regular file` },
      { source: '/dev/zero', code: 'kubeconfig-invalid', message: 'kubeconfig /dev/zero is not a regular file' },
      { source: dir, code: 'kubeconfig-invalid', message: `kubeconfig ${dir} is not a regular file` },
      { source: huge, code: 'too-large', message: `kubeconfig ${huge} is larger than 16 MiB` },
    ]);
    expect([...merged.contexts.keys()]).toEqual(['one']);
  });

  it('refuses a YAML alias bomb and wrongly typed fields as kubeconfig-invalid', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    expect(() => parseKubeconfig(bomb, 'bomb.yaml')).toThrow(new FleetdeckError('kubeconfig-invalid', 'bomb.yaml: invalid YAML: Excessive alias count indicates a resource exhaustion attack'));
    expect(() => parseKubeconfig('clusters: [{ name: a, cluster: { server: x, insecure-skip-tls-verify: "yes" } }]', 'k.yaml')).toThrow('k.yaml: not a kubeconfig: clusters.0.cluster.insecure-skip-tls-verify:');
    expect(() => parseKubeconfig('users: [{ name: a, user: { as-groups: admins } }]', 'k.yaml')).toThrow('k.yaml: not a kubeconfig: users.0.user.as-groups:');
    expect(() => parseKubeconfig('users: [{ name: a, user: { exec: { command: x, env: [{ name: A }] } } }]', 'k.yaml')).toThrow('k.yaml: not a kubeconfig: users.0.user.exec.env.0.value:');
  });

  it('flags a server that is no http(s) URL, impersonation without a user, and credentials sent unencrypted off this machine', async () => {
    const file = await write('k.yaml', `
clusters:
- { name: ftp, cluster: { server: 'ftp://user:secret@files.example' } }
- { name: remote, cluster: { server: 'http://api.example:8080' } }
- { name: local, cluster: { server: 'http://127.0.0.1:8001' } }
users:
- { name: token, user: { token: t } }
- { name: groups-only, user: { token: t, as-groups: [admins] } }
contexts:
- { name: ftp, context: { cluster: ftp } }
- { name: cleartext, context: { cluster: remote, user: token } }
- { name: anonymous, context: { cluster: remote } }
- { name: kubectl-proxy, context: { cluster: local, user: token } }
- { name: groups-only, context: { cluster: local, user: groups-only } }`);
    expect(Object.fromEntries(listEntries(await loadKubeconfigs([file])).map((e) => [e.context, e.problem]))).toEqual({
      ftp: 'context "ftp": cluster "ftp" has a server that is not an https:// or http:// URL: ftp://files.example',
      cleartext: 'context "cleartext" would send the credentials of user "token" unencrypted to http://api.example:8080: use an https:// server',
      anonymous: undefined,
      'kubectl-proxy': undefined,
      'groups-only': 'context "groups-only": user "groups-only" sets as-uid, as-groups or as-user-extra without as (the user to impersonate)',
    });
  });
});
