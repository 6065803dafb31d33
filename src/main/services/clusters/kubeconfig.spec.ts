import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FleetdeckError } from '../../../shared/errors.ts';
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
      typo: `context "typo": cluster "typo" ${wrong}: proxy.corp:3128`,
      broken: `context "broken": cluster "broken" ${wrong}: socks5://[bad`,
    });
    expect(() => kubeConfigFor(merged, 'broken')).toThrow(new FleetdeckError('context-invalid', `context "broken": cluster "broken" ${wrong}: socks5://[bad`));
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
});
