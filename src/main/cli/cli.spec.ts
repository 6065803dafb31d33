import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FleetdeckError } from '../../shared/errors.ts';
import { KubeconfigStore } from '../kube/kubeconfig-store.ts';
import { SafeStorageKeyStore } from '../kube/safe-storage-keys.ts';
import { FileKeyStore, Vault } from '../kube/vault.ts';
import { KubeFleetService } from '../services/fleet/fleet-service.ts';
import { failureLine, main, run } from './index.ts';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'fleetdeck-cli-'));
  vi.stubEnv('FLEETDECK_HOME', path.join(home, 'fleetdeck'));
  vi.stubEnv('HOME', home);
  vi.stubEnv('KUBECONFIG', '');
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** A kubeconfig with one context per server, named after it. */
async function kubeconfig(servers: Record<string, string>): Promise<string> {
  const names = Object.keys(servers);
  const file = path.join(home, `kubeconfig-${names.join('-')}`);
  await writeFile(
    file,
    JSON.stringify({
      clusters: names.map((name) => ({ name, cluster: { server: servers[name] } })),
      users: [{ name: 'user', user: { token: 'not-a-real-token' } }],
      contexts: names.map((name) => ({ name, context: { cluster: name, user: 'user' } })),
      'current-context': names[0],
    }),
    { mode: 0o600 },
  );
  return file;
}

/** What main() writes to stderr, and its exit code. */
async function mainStderr(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, stderr };
}

/** Every command that reaches clusters, with the arguments it needs to get that far. */
const clusterCommands = [
  ['clusters'],
  ['clusters', '--connect'],
  ['pods', '--problems'],
  ['backup', '--context', 'c', '--out', 'b.tar.gz'],
  ['restore', '--context', 'c', '--from', 'b.tar.gz'],
  ['migrate', '--from-context', 'a', '--to-context', 'b'],
  ['query', 'up'],
  ['alerts'],
  ['silence', 'list'],
  ['rules', 'deploy', '--context', 'c'],
  ['gitops', 'status'],
  ['gitops', 'drift', '--workspace', '.', '--overlay', 'o', '--context', 'c'],
];

describe('fleetdeck: kubeconfig files and contexts', () => {
  it('a kubeconfig that does not exist is one line and exit 1, for every command', async () => {
    const missing = path.join(home, 'nope.yaml');
    for (const argv of clusterCommands) {
      await expect(run([...argv, '--kubeconfig', missing]), argv.join(' ')).rejects.toMatchObject({ code: 'kubeconfig-not-found', message: `kubeconfig ${missing} does not exist` });
    }
    expect(await mainStderr(['pods', '--problems', '--kubeconfig', missing])).toEqual({ code: 1, stderr: `fleetdeck: kubeconfig ${missing} does not exist\n` });
  });

  it('so is a $KUBECONFIG entry that does not exist, and an unreadable one', async () => {
    const present = await kubeconfig({ refused: 'https://127.0.0.1:1' });
    vi.stubEnv('KUBECONFIG', `${present}${path.delimiter}${path.join(home, 'gone.yaml')}`);
    await expect(run(['alerts'])).rejects.toThrow(`kubeconfig ${path.join(home, 'gone.yaml')} does not exist`);
    const broken = path.join(home, 'broken.yaml');
    await writeFile(broken, 'clusters: [\n  - name: a\n   bad');
    vi.stubEnv('KUBECONFIG', `${present}${path.delimiter}${broken}`);
    await expect(run(['pods', '--problems'])).rejects.toMatchObject({ code: 'kubeconfig-invalid', message: expect.stringMatching(/^\/.*broken\.yaml: invalid YAML at line \d/) });
  });

  it('~/.kube/config may be absent when the vault holds contexts, not when there is nothing at all', async () => {
    await expect(run(['clusters'])).rejects.toThrow(`kubeconfig ${path.join(home, '.kube', 'config')} does not exist`);
    const dir = path.join(home, 'fleetdeck');
    await new KubeconfigStore([], new Vault(dir, new FileKeyStore(dir))).import(await readFile(await kubeconfig({ imported: 'https://127.0.0.1:1' }), 'utf8'), 'imported.yaml');
    const result = await run(['clusters', '--output', 'json']);
    expect(JSON.parse(result.output as string)).toEqual([expect.objectContaining({ context: 'imported' })]);
    expect(result).toMatchObject({ errors: [], exitCode: 0 });
  });

  it('an unknown context is one line naming it and the contexts there are, with no stack trace', async () => {
    const file = await kubeconfig({ alpha: 'https://127.0.0.1:1', beta: 'https://127.0.0.1:1' });
    for (const argv of [['pods', '--problems', '--context', 'alpha', '--context', 'zeta'], ['backup', '--context', 'zeta', '--out', 'b.tar.gz'], ['migrate', '--from-context', 'alpha', '--to-context', 'zeta'], ['gitops', 'status', '--context', 'zeta']]) {
      await expect(run([...argv, '--kubeconfig', file]), argv.join(' ')).rejects.toMatchObject({ code: 'not-found', message: 'context "zeta" not found; available: alpha, beta' });
    }
    // the real process: stray rejections of the services would print their stack after the line
    const cli = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../../../bin/fleetdeck.js'), 'pods', '--problems', '--kubeconfig', file, '--context', 'zeta'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env } });
    expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 1, stderr: 'fleetdeck: context "zeta" not found; available: alpha, beta\n' });
  }, 90_000);

  it('the fleet service rejects an unknown context without a stray rejection on dispose', async () => {
    const stray: unknown[] = [];
    const onRejection = (reason: unknown) => stray.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const fleet = new KubeFleetService({ store: new KubeconfigStore([await kubeconfig({ alpha: 'https://127.0.0.1:1' })]), contexts: ['zeta'] });
      await expect(fleet.synced()).rejects.toThrow('context "zeta" not found or not usable');
      fleet.dispose();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stray).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});

describe('fleetdeck: vault problems hide no kubeconfig file', () => {
  it("lists the file's contexts beside a note when the desktop app's keychain sealed the vault, and fails on a damaged vault", async () => {
    const dir = path.join(home, 'fleetdeck');
    const keychain = { isEncryptionAvailable: () => true, encryptString: (s: string) => Buffer.from(s), decryptString: (b: Buffer) => b.toString() };
    await new KubeconfigStore([], new Vault(dir, new SafeStorageKeyStore(dir, keychain))).import(await readFile(await kubeconfig({ desktop: 'https://127.0.0.1:1' }), 'utf8'), 'desktop.yaml');
    const file = await kubeconfig({ alpha: 'https://127.0.0.1:1' });

    const listed = await run(['clusters', '--kubeconfig', file, '--output', 'json']);
    expect(JSON.parse(listed.output as string)).toEqual([expect.objectContaining({ context: 'alpha' })]);
    expect(listed).toMatchObject({ exitCode: 0, errors: [expect.stringMatching(/^note: the vault .*vault\.enc is sealed with the desktop app's OS keychain, which is not available here/)] });
    await expect(run(['pods', '--problems', '--kubeconfig', file, '--context', 'desktop'])).rejects.toThrow(/^context "desktop" not found; available: alpha; the vault .* is sealed with the desktop app's OS keychain/);

    await writeFile(path.join(dir, 'vault.enc'), 'damaged');
    const damaged = await run(['clusters', '--kubeconfig', file]);
    expect(damaged.output).toMatch(/\balpha\b/);
    expect(damaged).toMatchObject({ exitCode: 1, errors: [expect.stringMatching(/vault\.enc is not a Fleetdeck vault/)] });
  });
});

describe('fleetdeck: files it reads are regular files of bounded size', () => {
  it('a --passphrase-file that is a device, a FIFO, a folder or huge fails the job at once in one line', async () => {
    const file = await kubeconfig({ refused: 'https://127.0.0.1:1' });
    const fifo = path.join(home, 'fifo');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    const folder = path.join(home, 'folder');
    await mkdir(folder);
    const huge = path.join(home, 'huge');
    await writeFile(huge, 'passphrase\n');
    await truncate(huge, 2 ** 30);
    const cases = { '/dev/zero': 'is not a regular file', [fifo]: 'is not a regular file', [folder]: 'is not a regular file', [huge]: 'is larger than 64 KiB' };
    for (const [passphraseFile, problem] of Object.entries(cases)) {
      for (const argv of [['backup', '--out', path.join(home, 'b.tar.gz')], ['restore', '--from', path.join(home, 'b.tar.gz')]]) {
        const result = await run([...argv, '--context', 'refused', '--passphrase-file', passphraseFile, '--kubeconfig', file]);
        expect(result, `${argv[0]} ${passphraseFile}`).toMatchObject({ exitCode: 1, errors: [`the passphrase file ${passphraseFile} ${problem}`] });
      }
    }
  });

  it('a vault key that is a FIFO is one line beside the kubeconfig files it hides nothing of, and fails a job that needs it', async () => {
    const dir = path.join(home, 'fleetdeck');
    await new KubeconfigStore([], new Vault(dir, new FileKeyStore(dir))).import(await readFile(await kubeconfig({ imported: 'https://127.0.0.1:1' }), 'utf8'), 'imported.yaml');
    const key = path.join(dir, 'vault.key');
    await rm(key);
    execFileSync('mkfifo', ['-m', '600', key]);
    const file = await kubeconfig({ alpha: 'https://127.0.0.1:1' });
    const refusal = `refusing ${key}: it is a FIFO, not a regular file`;

    const listed = await run(['clusters', '--kubeconfig', file]);
    expect(listed.output).toMatch(/^\*alpha\b/m);
    expect(listed).toMatchObject({ exitCode: 1, errors: [`the vault ${path.join(dir, 'vault.enc')} cannot be opened: ${refusal}`] });
    const backup = await run(['backup', '--context', 'alpha', '--out', path.join(home, 'b.tar.gz'), '--kubeconfig', file]);
    expect(backup).toMatchObject({ exitCode: 1, errors: [refusal] });
  });
});

describe('fleetdeck: unreachable clusters', () => {
  let blackhole: net.Server;
  const sockets = new Set<net.Socket>();
  beforeEach(async () => {
    // accepts connections and never answers, as a firewall that drops packets does
    blackhole = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  });
  afterEach(() => {
    sockets.forEach((s) => s.destroy());
    blackhole.close();
  });
  const blackholeUrl = () => `https://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`;

  it('pods --problems fails with the reason when the cluster refuses connections', async () => {
    const file = await kubeconfig({ refused: 'https://127.0.0.1:1' });
    const result = await run(['pods', '--problems', '--kubeconfig', file]);
    expect(result).toMatchObject({ exitCode: 1, errors: [expect.stringMatching(/^refused: cannot reach https:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/)] });
  }, 30_000);

  it('pods --problems gives up on a cluster that never answers after --timeout, naming each failed cluster', async () => {
    const file = await kubeconfig({ silent: blackholeUrl(), refused: 'https://127.0.0.1:1' });
    const result = await run(['pods', '--problems', '--kubeconfig', file, '--timeout', '1', '--output', 'json']);
    expect(JSON.parse(result.output as string)).toEqual([]);
    expect(result.exitCode).toBe(1);
    expect(result.errors.sort()).toEqual([expect.stringMatching(/^refused: cannot reach/), 'silent: not listed within 1 s (--timeout SECONDS waits longer)']);
    for (const timeout of ['0', '1.5', '1e9', 'soon']) {
      await expect(run(['pods', '--problems', '--kubeconfig', file, '--timeout', timeout])).rejects.toThrow(`--timeout must be whole seconds from 1 to 3600, got "${timeout}"`);
    }
  }, 30_000);

  it('clusters --connect exits 1 when every cluster failed, naming each on stderr', async () => {
    const file = await kubeconfig({ refused: 'https://127.0.0.1:1', broken: 'https://127.0.0.1:1' });
    await writeFile(file, (await readFile(file, 'utf8')).replace('"cluster":"broken"', '"cluster":"missing"'));
    const result = await run(['clusters', '--connect', '--kubeconfig', file, '--output', 'json']);
    const entries = JSON.parse(result.output as string) as { context: string; connection: { state: string; reason: string } }[];
    expect(entries.map((e) => [e.context, e.connection.state, e.connection.reason])).toEqual([
      ['refused', 'failed', 'unreachable'],
      ['broken', 'failed', 'context-invalid'],
    ]);
    expect(result.exitCode).toBe(1);
    // named on stderr too, one line each, as pods --problems does
    expect(result.errors).toEqual([expect.stringMatching(/^refused: cannot reach https:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/), 'broken: context "broken" references missing cluster "missing"']);
    const table = await mainStderr(['clusters', '--connect', '--kubeconfig', file]);
    expect(table).toEqual({ code: 1, stderr: expect.stringMatching(/^fleetdeck: refused: cannot reach [^\n]*\nfleetdeck: broken: context "broken" references missing cluster "missing"\n$/) });
  }, 30_000);
});

describe('fleetdeck: failures are one line', () => {
  it('a FleetdeckError is its message; anything else is an internal error; the stack only with FLEETDECK_DEBUG=1', () => {
    expect(failureLine(new FleetdeckError('not-found', 'context "x" not found'))).toBe('context "x" not found');
    expect(failureLine(new TypeError("Cannot read properties of undefined (reading 'x')\n    at somewhere"))).toBe("internal error: Cannot read properties of undefined (reading 'x')");
    vi.stubEnv('FLEETDECK_DEBUG', '1');
    expect(failureLine(new TypeError('boom'))).toMatch(/^TypeError: boom\n {4}at /);
  });

  it('an unknown option is a usage error, not an internal one', async () => {
    expect(await mainStderr(['pods', '--problems', '--bogus'])).toEqual({ code: 1, stderr: expect.stringMatching(/^fleetdeck: Unknown option '--bogus'.* \(see fleetdeck --help\)\n$/) });
  });
});
