import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FleetdeckError } from '../../shared/errors.ts';
import { ContextConfig, type RequestOptions } from './context-config.ts';
import type { PluginLimits } from './exec-credential.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A shell-script plugin in the temp folder; `runs` gets a line per run. */
function plugin(name: string, body: string): { command: string; runs: () => number } {
  const command = path.join(dir, name);
  const runsFile = `${command}.runs`;
  writeFileSync(command, `#!/bin/sh\necho run >> '${runsFile}'\n${body}\n`);
  chmodSync(command, 0o755);
  return { command, runs: () => readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).length };
}

const limits: PluginLimits = { timeoutMs: 20_000, maxOutputBytes: 64 * 1024 };

function context(command: string, extra: Record<string, unknown> = {}, pluginLimits = limits): ContextConfig {
  const server = 'http://127.0.0.1:1';
  return new ContextConfig({
    name: 't',
    server: new URL(server),
    cluster: { name: 'c', server, skipTLSVerify: false },
    user: { name: 'u', exec: { apiVersion: 'client.authentication.k8s.io/v1', command, args: [], env: [], ...extra } },
    secrets: ['hunter2-secret'],
    pluginLimits,
  });
}

async function authorization(kc: ContextConfig): Promise<unknown> {
  const opts: RequestOptions = {};
  await kc.applyTo(opts);
  return (opts.headers as Record<string, unknown>).Authorization;
}

const credential = (token: string, expirationTimestamp?: string) =>
  JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token, expirationTimestamp } });

/** Alive and not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('exec credential plugins', () => {
  it('stops a plugin that never exits, with what it started, and says so', async () => {
    const pids = path.join(dir, 'forever.pids');
    const { command } = plugin('forever.sh', `echo $$ > '${pids}'\nsleep 100000 &\necho $! >> '${pids}'\nwait`);
    const failure = await authorization(context(command, {}, { ...limits, timeoutMs: 300 })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FleetdeckError);
    expect(failure).toMatchObject({ code: 'exec-plugin-failed', message: 'context "t": credential plugin forever.sh failed: it did not finish within 0.3 s and was stopped' });
    const started = readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number);
    expect(started).toHaveLength(2);
    await vi.waitFor(() => expect(started.filter(alive)).toEqual([]), { timeout: 10_000, interval: 50 });
  });

  it('stops running plugins when Fleetdeck is stopped by a signal', async () => {
    const pids = path.join(dir, 'orphan.pids');
    const { command } = plugin('orphan.sh', `echo $$ > '${pids}'\nsleep 100000 &\necho $! >> '${pids}'\nwait`);
    const module = new URL('./exec-credential.ts', import.meta.url).href;
    const script = `import(${JSON.stringify(module)}).then((m) => m.credentialFromPlugin({ command: ${JSON.stringify(command)} }, '{}'))`;
    const fleetdeck = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    await vi.waitFor(() => expect(existsSync(pids) && readFileSync(pids, 'utf8').split('\n').filter(Boolean)).toHaveLength(2), { timeout: 20_000, interval: 50 });
    const exited = new Promise((resolve) => fleetdeck.on('exit', (code, signal) => resolve(signal)));
    fleetdeck.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    const started = readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number);
    await vi.waitFor(() => expect(started.filter(alive)).toEqual([]), { timeout: 10_000, interval: 50 });
  });

  it('stops a plugin that writes without end at the output cap', async () => {
    const { command } = plugin('endless.sh', 'exec yes hunter2-secret');
    await expect(authorization(context(command))).rejects.toMatchObject({
      code: 'exec-plugin-failed',
      message: `context "t": credential plugin endless.sh failed: it wrote more than ${limits.maxOutputBytes} bytes of output and was stopped`,
    });
  });

  it('runs the plugin once for concurrent requests, from any number of contexts of the same user', async () => {
    const { command, runs } = plugin('shared.sh', `sleep 0.2\necho '${credential('shared-token')}'`);
    const headers = await Promise.all(Array.from({ length: 10 }, () => authorization(context(command))));
    expect(headers).toEqual(Array(10).fill('Bearer shared-token'));
    expect(runs()).toBe(1);
  });

  it('uses the issued token until it expires, then runs the plugin again', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const fresh = plugin('fresh.sh', `echo '${credential('fresh-token', later)}'`);
    expect(await authorization(context(fresh.command))).toBe('Bearer fresh-token');
    expect(await authorization(context(fresh.command))).toBe('Bearer fresh-token');
    expect(fresh.runs()).toBe(1);

    const stale = plugin('stale.sh', `echo '${credential('stale-token', '2000-01-01T00:00:00Z')}'`);
    expect(await authorization(context(stale.command))).toBe('Bearer stale-token');
    expect(await authorization(context(stale.command))).toBe('Bearer stale-token');
    expect(stale.runs()).toBe(2);
  });

  it("gives the plugin its env over Fleetdeck's, KUBERNETES_EXEC_INFO, and no standard input", async () => {
    const seen = path.join(dir, 'env.seen');
    const { command } = plugin('env.sh', `echo "$KUBERNETES_EXEC_INFO" > '${seen}'\nif read line; then exit 3; fi\necho "{\\"status\\":{\\"token\\":\\"$PLUGIN_TOKEN-$HOME\\"}}"`);
    const header = await authorization(context(command, { env: [{ name: 'PLUGIN_TOKEN', value: 'from-env' }], provideClusterInfo: true }));
    expect(header).toBe(`Bearer from-env-${process.env.HOME}`);
    expect(JSON.parse(readFileSync(seen, 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: 'http://127.0.0.1:1' } },
    });
  });

  it('quotes a failing plugin with the secrets masked, and refuses output that is no credential', async () => {
    const failing = plugin('failing.sh', 'echo "login failed for hunter2-secret" >&2\nexit 1');
    await expect(authorization(context(failing.command))).rejects.toMatchObject({ code: 'exec-plugin-failed', message: 'context "t": credential plugin failing.sh failed: login failed for ***' });
    // the next request right after fails at once with the same error: a command's requests do not each wait out the plugin
    await expect(authorization(context(failing.command))).rejects.toMatchObject({ message: 'context "t": credential plugin failing.sh failed: login failed for ***' });
    expect(failing.runs()).toBe(1);
    const garbage = plugin('garbage.sh', 'echo "{\\"status\\": {}}"');
    await expect(authorization(context(garbage.command))).rejects.toMatchObject({
      message: 'context "t": credential plugin garbage.sh failed: its ExecCredential holds neither a token nor a client certificate and key',
    });
    await expect(authorization(context(path.join(dir, 'missing')))).rejects.toMatchObject({ message: 'context "t": credential plugin missing failed: cannot run it (ENOENT)' });
  });
});
