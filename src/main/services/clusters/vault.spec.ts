import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { KubeconfigStore } from './kubeconfig-store.ts';
import { FileKeyStore, Vault } from './vault.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-vault-'));
});

const kubeconfig = (name: string, token = 's3cr3t-token-value') => `
clusters: [{ name: ${name}, cluster: { server: https://${name}.hcp.westeurope.azmk8s.io } }]
users: [{ name: ${name}-user, user: { token: ${token} } }]
contexts: [{ name: ${name}, context: { cluster: ${name}, user: ${name}-user } }]
`;

describe('vault', () => {
  it('encrypts at rest: no credential is readable in the file, and both files are 0600', async () => {
    const vault = new Vault(dir, new FileKeyStore(dir));
    await vault.write({ version: 1, entries: [Vault.entry(kubeconfig('prod'), 'prod.yaml')], displayNames: {} });
    expect((await readFile(path.join(dir, 'vault.enc'))).toString('latin1')).not.toContain('s3cr3t');
    expect((await stat(path.join(dir, 'vault.enc'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'vault.key'))).mode & 0o777).toBe(0o600);
    expect((await vault.read()).entries[0].kubeconfig).toContain('s3cr3t-token-value');
  });

  it('refuses a tampered vault and a wrong key, saying which', async () => {
    const vault = new Vault(dir, new FileKeyStore(dir));
    await vault.write({ version: 1, entries: [], displayNames: { a: 'b' } });
    const file = path.join(dir, 'vault.enc');
    const sealed = await readFile(file);
    sealed[sealed.length - 1] ^= 1;
    await writeFile(file, sealed);
    await expect(vault.read()).rejects.toThrow(/cannot be decrypted with this key/);
    const other = await mkdtemp(path.join(tmpdir(), 'fleetdeck-vault-'));
    await new Vault(other, new FileKeyStore(other)).write({ version: 1, entries: [], displayNames: {} });
    await writeFile(file, await readFile(path.join(other, 'vault.enc')));
    await expect(vault.read()).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses a key file others can read', async () => {
    const keys = new FileKeyStore(dir);
    await keys.key();
    await chmod(path.join(dir, 'vault.key'), 0o644);
    await expect(keys.key()).rejects.toThrow(/its mode is 644, it must be 600/);
  });
});

describe('kubeconfig store', () => {
  const store = () => new KubeconfigStore([], new Vault(dir, new FileKeyStore(dir)));

  it('imports, lists, renames and removes contexts, and tells listeners', async () => {
    const s = store();
    const changes: string[] = [];
    s.onDidChange(({ reason }) => changes.push(reason));
    expect(await s.import(kubeconfig('aks-prod'), 'aks-prod.yaml')).toEqual(['aks-prod']);
    await s.rename('aks-prod', 'Production (West Europe)');
    const loaded = await s.load();
    expect([...loaded.config.contexts.keys()]).toEqual(['aks-prod']);
    expect(loaded.displayNames).toEqual({ 'aks-prod': 'Production (West Europe)' });
    const [id] = loaded.vaultIds.values();
    await s.remove(id);
    expect((await s.load()).config.contexts.size).toBe(0);
    expect(changes).toEqual(['import', 'rename', 'remove']);
  });

  it('refuses invalid YAML with its line, a kubeconfig without contexts, and a context name that exists', async () => {
    const s = store();
    await expect(s.import('clusters: [\n  - name: a\n   bad', 'pasted')).rejects.toThrow(/^pasted: invalid YAML at line \d/);
    await expect(s.import('clusters: []', 'empty.yaml')).rejects.toThrow('empty.yaml: no contexts in this kubeconfig');
    await s.import(kubeconfig('dup'), 'one.yaml');
    await expect(s.import(kubeconfig('dup', 'other'), 'two.yaml')).rejects.toThrow(/two.yaml: context "dup" already exists/);
    expect((await s.load()).config.contexts.size).toBe(1);
  });
});
