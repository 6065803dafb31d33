import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { KubeconfigClustersService } from './clusters-service.ts';
import { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { SafeStorageKeyStore, type SafeStorageLike } from '../../kube/safe-storage-keys.ts';
import { FileKeyStore, MAX_VAULT_BYTES, Vault, type VaultData } from '../../kube/vault.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-vault-'));
});

const kubeconfig = (name: string, token = 's3cr3t-token-value') => `
clusters: [{ name: ${name}, cluster: { server: https://${name}.hcp.westeurope.azmk8s.io } }]
users: [{ name: ${name}-user, user: { token: ${token} } }]
contexts: [{ name: ${name}, context: { cluster: ${name}, user: ${name}-user } }]
`;

const opened = async (vault: Vault): Promise<VaultData> => {
  const result = await vault.open();
  if ('problem' in result) throw new Error(result.problem.message);
  return result.data;
};

/** An OS keychain as safeStorage shows it: what one keychain encrypted, another cannot decrypt. */
function keychain(available = true): SafeStorageLike {
  const secret = Math.random().toString(36).slice(2);
  return {
    isEncryptionAvailable: () => available,
    encryptString: (plain) => Buffer.from(`${secret}:${Buffer.from(plain).toString('hex')}`),
    decryptString: (sealed) => {
      const [tag, hex] = sealed.toString().split(':');
      if (tag !== secret) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(hex, 'hex').toString();
    },
  };
}

describe('vault', () => {
  it('encrypts at rest: no credential is readable in the file, and both files are 0600', async () => {
    const vault = new Vault(dir, new FileKeyStore(dir));
    await vault.write({ version: 1, entries: [Vault.entry(kubeconfig('prod'), 'prod.yaml')], displayNames: {} });
    expect((await readFile(path.join(dir, 'vault.enc'))).toString('latin1')).not.toContain('s3cr3t');
    expect((await stat(path.join(dir, 'vault.enc'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'vault.key'))).mode & 0o777).toBe(0o600);
    expect((await opened(vault)).entries[0].kubeconfig).toContain('s3cr3t-token-value');
  });

  it('refuses a tampered vault and a wrong key, saying which, and leaves the vault unchanged', async () => {
    const vault = new Vault(dir, new FileKeyStore(dir));
    await vault.write({ version: 1, entries: [], displayNames: { a: 'b' } });
    const file = path.join(dir, 'vault.enc');
    const sealed = await readFile(file);
    sealed[sealed.length - 1] ^= 1;
    await writeFile(file, sealed);
    expect(await vault.open()).toEqual({ problem: expect.objectContaining({ source: file, code: 'forbidden', message: expect.stringMatching(/cannot be decrypted with this machine's key/) }) });
    const other = await mkdtemp(path.join(tmpdir(), 'fleetdeck-vault-'));
    await new Vault(other, new FileKeyStore(other)).write({ version: 1, entries: [], displayNames: {} });
    const foreign = await readFile(path.join(other, 'vault.enc'));
    await writeFile(file, foreign);
    await expect(vault.update((data) => (data.displayNames.x = 'y'))).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/left unchanged$/) });
    expect(await readFile(file)).toEqual(foreign);
  });

  it('refuses a key file others can read', async () => {
    const keys = new FileKeyStore(dir);
    await keys.key();
    await chmod(path.join(dir, 'vault.key'), 0o644);
    await expect(keys.key()).rejects.toThrow(/its mode is 644, it must be 600/);
  });

  it('creates one key however many first uses race for it, in one process', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => new FileKeyStore(dir).key()));
    const osKeychain = keychain();
    const desktop = await Promise.all(Array.from({ length: 8 }, () => new SafeStorageKeyStore(path.join(dir, 'desktop'), osKeychain).key()));
    expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(1);
    expect(keys[0]).toEqual(await new FileKeyStore(dir).key());
    expect(new Set(desktop.map((k) => k.toString('hex'))).size).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['desktop', 'vault.key']);
    expect((await readdir(path.join(dir, 'desktop'))).sort()).toEqual(['vault.key.safe']);
  });

  it('creates one key however many processes use it first at the same moment', async () => {
    const vaultModule = path.resolve(import.meta.dirname, '../../kube/vault.ts');
    // each child waits for the same moment, then asks for the key
    const script = `const { FileKeyStore } = await import(${JSON.stringify(vaultModule)});
      while (Date.now() < Number(process.argv[2])) {}
      process.stdout.write((await new FileKeyStore(process.argv[1]).key()).toString('hex'));`;
    const at = Date.now() + 1500;
    const children = Array.from({ length: 12 }, () => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir, String(at)], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk));
      return new Promise<{ code: number | null; out: string }>((resolve) => child.on('close', (code) => resolve({ code, out })));
    });
    const results = await Promise.all(children);
    expect(results.map((r) => r.code)).toEqual(results.map(() => 0));
    expect(new Set(results.map((r) => r.out))).toEqual(new Set([(await new FileKeyStore(dir).key()).toString('hex')]));
  }, 90_000);

  it('keeps every change when several processes change it at the same moment', async () => {
    const vaultModule = path.resolve(import.meta.dirname, '../../kube/vault.ts');
    await new FileKeyStore(dir).key();
    // each child names 10 contexts, all at once
    const script = `const { FileKeyStore, Vault } = await import(${JSON.stringify(vaultModule)});
      const [dir, at, child] = process.argv.slice(1);
      const vault = new Vault(dir, new FileKeyStore(dir));
      while (Date.now() < Number(at)) {}
      await Promise.all(Array.from({ length: 10 }, (_, i) => vault.update((data) => { data.displayNames[child + '-' + i] = 'x'; })));`;
    const at = Date.now() + 1500;
    const children = Array.from({ length: 4 }, (_, child) => {
      const process_ = spawn(process.execPath, ['--input-type=module', '-e', script, dir, String(at), String(child)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
      let err = '';
      process_.stderr.on('data', (chunk: Buffer) => (err += chunk));
      return new Promise<string>((resolve) => process_.on('close', (code) => resolve(`${code} ${err}`)));
    });
    expect(await Promise.all(children)).toEqual(['0 ', '0 ', '0 ', '0 ']);
    expect(Object.keys((await opened(new Vault(dir, new FileKeyStore(dir)))).displayNames)).toHaveLength(40);
    expect(await readdir(dir)).not.toContain('vault.enc.lock');
  }, 90_000);

  it('takes over the lock of a process that died holding it', async () => {
    const vault = new Vault(dir, new FileKeyStore(dir));
    // a pid above the kernel's limit (2^22) belongs to no process
    await writeFile(path.join(dir, 'vault.enc.lock'), String(2 ** 22 + 1));
    await vault.update((data) => void (data.displayNames.prod = 'Production'));
    expect((await opened(vault)).displayNames).toEqual({ prod: 'Production' });
    expect(await readdir(dir)).not.toContain('vault.enc.lock');
  });
});

describe('one vault for the desktop app, the web shell and the CLI', () => {
  const file = () => path.join(dir, 'vault.enc');
  const kubeconfigFile = async () => {
    const name = path.join(dir, 'kube', 'config');
    await mkdir(path.dirname(name), { recursive: true });
    await writeFile(name, kubeconfig('from-file'));
    return name;
  };

  it('the desktop app seals with its keychain while no key file exists; the CLI then lists its kubeconfig files and says whose the vault is', async () => {
    const desktop = new KubeconfigStore([], new Vault(dir, new SafeStorageKeyStore(dir, keychain())));
    await desktop.import(kubeconfig('imported-on-desktop'), 'desktop.yaml');
    await expect(stat(path.join(dir, 'vault.key'))).rejects.toMatchObject({ code: 'ENOENT' });
    const before = await readFile(file());

    const cli = new KubeconfigStore([await kubeconfigFile()], new Vault(dir, new FileKeyStore(dir)));
    const { config } = await cli.load();
    expect([...config.contexts.keys()]).toEqual(['from-file']);
    expect(config.errors).toEqual([{ source: file(), code: 'forbidden', notice: true, message: expect.stringMatching(/sealed with the desktop app's OS keychain, which is not available here: the clusters imported in the desktop app are listed only there/) }]);
    // the clusters service passes it on beside the file's contexts
    const listed = await new KubeconfigClustersService({ store: cli }).list();
    expect(listed.clusters.map((c) => c.context)).toEqual(['from-file']);
    expect(listed.errors).toEqual(config.errors);

    // an import into a vault the CLI cannot open is refused, and nothing is lost
    await expect(cli.import(kubeconfig('imported-on-cli'), 'cli.yaml')).rejects.toThrow(/listed only there; the vault was left unchanged/);
    expect(await readFile(file())).toEqual(before);
    expect([...(await desktop.load()).config.contexts.keys()]).toEqual(['imported-on-desktop']);
  });

  it('once the key file exists every host seals with it: the desktop app opens its keychain vault, re-seals it with the key file, and archives share the machine key', async () => {
    const desktopKeys = new SafeStorageKeyStore(dir, keychain());
    const desktop = new KubeconfigStore([], new Vault(dir, desktopKeys));
    await desktop.import(kubeconfig('imported-on-desktop'), 'desktop.yaml');
    const cliKeys = new FileKeyStore(dir);
    const cli = new KubeconfigStore([], new Vault(dir, cliKeys));
    await cliKeys.key(); // e.g. a backup without a passphrase

    await desktop.rename('imported-on-desktop', 'Desktop cluster');
    expect((await cli.load()).config.errors).toEqual([]);
    await cli.import(kubeconfig('imported-on-cli'), 'cli.yaml');
    const loaded = await desktop.load();
    expect([...loaded.config.contexts.keys()]).toEqual(['imported-on-desktop', 'imported-on-cli']);
    expect(loaded.displayNames).toEqual({ 'imported-on-desktop': 'Desktop cluster' });
    expect(await desktopKeys.key()).toEqual(await cliKeys.key());
  });

  it('a vault the desktop app sealed before the first byte said which key: the desktop app opens it, the CLI says what it may be', async () => {
    const desktopKeys = new SafeStorageKeyStore(dir, keychain());
    await new Vault(dir, desktopKeys).write({ version: 1, entries: [Vault.entry(kubeconfig('old-desktop'), 'old.yaml')], displayNames: {} });
    const sealed = await readFile(file());
    sealed[0] = 1; // what every vault's first byte was before
    await writeFile(file(), sealed);

    expect((await opened(new Vault(dir, desktopKeys))).entries[0].origin).toBe('old.yaml');
    const cli = new KubeconfigStore([await kubeconfigFile()], new Vault(dir, new FileKeyStore(dir)));
    const withoutKeyFile = (await cli.load()).config;
    expect([...withoutKeyFile.contexts.keys()]).toEqual(['from-file']);
    expect(withoutKeyFile.errors).toEqual([expect.objectContaining({ code: 'forbidden', message: expect.stringMatching(/its key file .*vault\.key does not exist \(if the desktop app made this vault, it sealed it with the OS keychain/) })]);
    expect(withoutKeyFile.errors[0].notice).toBeUndefined();

    await new FileKeyStore(dir).key();
    expect((await cli.load()).config.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/cannot be decrypted with this machine's key: .* \(or the desktop app sealed it with the OS keychain before it shared the key file/) })]);
    // the desktop app tries its keychain too
    expect((await opened(new Vault(dir, desktopKeys))).entries[0].origin).toBe('old.yaml');
  });

  it('a desktop app without a usable keychain seals with the key file, as the CLI does', async () => {
    const desktop = new KubeconfigStore([], new Vault(dir, new SafeStorageKeyStore(dir, keychain(false))));
    await desktop.import(kubeconfig('imported-on-desktop'), 'desktop.yaml');
    expect((await readFile(file()))[0]).toBe(1);
    expect([...(await new KubeconfigStore([], new Vault(dir, new FileKeyStore(dir))).load()).config.contexts.keys()]).toEqual(['imported-on-desktop']);
  });

  it('a damaged or unreadable vault hides no kubeconfig file', async () => {
    const cli = new KubeconfigStore([await kubeconfigFile()], new Vault(dir, new FileKeyStore(dir)));
    for (const damage of [Buffer.from('not a vault'), Buffer.alloc(64, 7), Buffer.alloc(0)]) {
      await writeFile(file(), damage);
      const { config } = await cli.load();
      expect([...config.contexts.keys()]).toEqual(['from-file']);
      expect(config.errors).toEqual([expect.objectContaining({ source: file(), code: 'kubeconfig-invalid', message: expect.stringMatching(/is not a Fleetdeck vault/) })]);
    }
    await writeFile(file(), Buffer.alloc(64, 1));
    await chmod(path.join(dir), 0o700);
    await writeFile(path.join(dir, 'vault.key'), 'short', { mode: 0o600 });
    expect((await cli.load()).config.errors).toEqual([expect.objectContaining({ code: 'internal', message: expect.stringMatching(/vault key file .* is damaged/) })]);
    await chmod(path.join(dir, 'vault.key'), 0o644);
    expect((await cli.load()).config.errors).toEqual([expect.objectContaining({ code: 'forbidden', message: expect.stringMatching(/its mode is 644/) })]);
  });
});

describe('vault files that are not what Fleetdeck wrote', () => {
  const kubeconfigFile = async () => {
    const name = path.join(dir, 'kubeconfig');
    await writeFile(name, kubeconfig('from-file'));
    return name;
  };
  /** Puts something else where Fleetdeck keeps a file (whose content was this), and says how it is refused. */
  const hazards: Record<string, (file: string, content: Buffer) => Promise<string>> = {
    'a FIFO with mode 600': async (file) => (execFileSync('mkfifo', ['-m', '600', file]), 'it is a FIFO, not a regular file'),
    'a folder': async (file) => (await mkdir(file, { mode: 0o700 }), 'it is a folder, not a regular file'),
    'a symbolic link to the file it should be': async (file, content) => {
      const real = path.join(dir, 'elsewhere');
      await writeFile(real, content, { mode: 0o600 });
      await symlink(real, file);
      return 'it is a symbolic link, not a regular file (put the file itself in its place)';
    },
    'a file too large': async (file, content) => {
      await writeFile(file, content, { mode: 0o600 });
      await truncate(file, MAX_VAULT_BYTES + 1);
      return `it is larger than ${file.endsWith('vault.enc') ? '64 MiB' : '4 KiB'}`;
    },
  };
  const osKeychain = keychain();

  /** The vault and both key files as the desktop app and the CLI leave them, then the hazard in place of one. */
  async function replace(name: string, hazard: (file: string, content: Buffer) => Promise<string>): Promise<{ file: string; refusal: string }> {
    await new SafeStorageKeyStore(dir, osKeychain).key();
    await new Vault(dir, new FileKeyStore(dir)).write({ version: 1, entries: [Vault.entry(kubeconfig('imported'), 'imported.yaml')], displayNames: {} });
    const file = path.join(dir, name);
    const content = await readFile(file);
    await rm(file);
    return { file, refusal: `refusing ${file}: ${await hazard(file, content)}` };
  }

  for (const [what, hazard] of Object.entries(hazards)) {
    it(`vault.key as ${what}: one line, and the kubeconfig files still listed`, async () => {
      const { refusal } = await replace('vault.key', hazard);
      await expect(new FileKeyStore(dir).key()).rejects.toMatchObject({ message: refusal });
      const { config } = await new KubeconfigStore([await kubeconfigFile()], new Vault(dir, new FileKeyStore(dir))).load();
      expect([...config.contexts.keys()]).toEqual(['from-file']);
      expect(config.errors).toEqual([expect.objectContaining({ source: path.join(dir, 'vault.enc'), message: `the vault ${path.join(dir, 'vault.enc')} cannot be opened: ${refusal}` })]);
    });

    it(`vault.enc as ${what}: one line, and the kubeconfig files still listed`, async () => {
      const { file, refusal } = await replace('vault.enc', hazard);
      const { config } = await new KubeconfigStore([await kubeconfigFile()], new Vault(dir, new FileKeyStore(dir))).load();
      expect([...config.contexts.keys()]).toEqual(['from-file']);
      expect(config.errors).toEqual([expect.objectContaining({ source: file, message: refusal })]);
    });

    it(`vault.key.safe as ${what}: one line`, async () => {
      const { refusal } = await replace('vault.key.safe', hazard);
      await expect(new SafeStorageKeyStore(dir, osKeychain).existingKey('keychain')).rejects.toMatchObject({ message: refusal });
    });
  }

  it('a FIFO with mode 644 in place of the key is refused for what it is, not for its mode', async () => {
    execFileSync('mkfifo', ['-m', '644', path.join(dir, 'vault.key')]);
    await expect(new FileKeyStore(dir).key()).rejects.toMatchObject({ code: 'forbidden', message: `refusing ${path.join(dir, 'vault.key')}: it is a FIFO, not a regular file` });
  });

  it('a vault is never written larger than it may be read', async () => {
    const vault = new Vault(dir, new FileKeyStore(dir));
    await vault.write({ version: 1, entries: [Vault.entry(kubeconfig('small'), 'small.yaml')], displayNames: {} });
    const before = await readFile(path.join(dir, 'vault.enc'));
    await expect(vault.write({ version: 1, entries: [Vault.entry('x'.repeat(MAX_VAULT_BYTES), 'huge.yaml')], displayNames: {} })).rejects.toMatchObject({ code: 'too-large' });
    expect(await readFile(path.join(dir, 'vault.enc'))).toEqual(before);
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
