// Exec credential plugins (kubelogin, aws eks get-token, gke-gcloud-auth-plugin, …), run as
// client-go runs them, but bounded: a plugin that never exits is stopped with everything it
// started, one that writes without end is stopped at a cap, and concurrent requests for the same
// credential share one run.
import { spawn } from 'node:child_process';
import { z } from 'zod';

export interface ExecSpec {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  interactiveMode?: string;
}

interface IssuedCredential {
  token?: string;
  cert?: string;
  key?: string;
  /** ms since the epoch; none: valid for as long as the process runs */
  expires?: number;
}

export interface PluginLimits {
  timeoutMs: number;
  /** standard output and standard error together */
  maxOutputBytes: number;
}

/** Plugins are never interactive here: one that needs more than 30 s to print a token is stuck. */
export const defaultPluginLimits: PluginLimits = { timeoutMs: 30_000, maxOutputBytes: 2 ** 20 };

/** A failure is kept this long, so that a command's next requests fail at once instead of each waiting out the plugin again. */
const FAILURE_KEPT_MS = 10_000;

/** Why a plugin gave no credential, in its own words (its standard error) or ours: to be quoted after scrubbing. */
class PluginFailure extends Error {}

const execCredential = z.object({
  status: z.object({
    token: z.string().optional(),
    clientCertificateData: z.string().optional(),
    clientKeyData: z.string().optional(),
    expirationTimestamp: z.string().optional(),
  }),
});

function parseCredential(output: string): IssuedCredential {
  let json: unknown;
  try {
    json = JSON.parse(output);
  } catch {
    throw new PluginFailure('its output is not an ExecCredential');
  }
  const parsed = execCredential.safeParse(json);
  if (!parsed.success) throw new PluginFailure('its output is not an ExecCredential');
  const { token, clientCertificateData: cert, clientKeyData: key, expirationTimestamp } = parsed.data.status;
  if (!token && !(cert && key)) throw new PluginFailure('its ExecCredential holds neither a token nor a client certificate and key');
  const expires = expirationTimestamp === undefined ? undefined : Date.parse(expirationTimestamp);
  if (Number.isNaN(expires)) throw new PluginFailure('its ExecCredential has an expirationTimestamp that is not a time');
  return { token, cert, key, expires };
}

/** Process groups of plugins still running, stopped when Fleetdeck exits or is stopped by a signal (a plugin must not outlive it). */
const running = new Set<number>();
const stopGroup = (pid: number) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
};
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const stopAll = () => running.forEach(stopGroup);
function onSignal(signal: NodeJS.Signals): void {
  stopAll();
  untrack();
  // the signal's default action (exit) unless someone else handles it
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
function track(pid: number): void {
  running.add(pid);
  if (running.size > 1) return;
  process.on('exit', stopAll);
  for (const signal of signals) process.on(signal, onSignal);
}
function untrack(pid?: number): void {
  if (pid) running.delete(pid);
  if (pid && running.size) return;
  process.off('exit', stopAll);
  for (const signal of signals) process.off(signal, onSignal);
}

function runPlugin(spec: ExecSpec, execInfo: string, limits: PluginLimits): Promise<IssuedCredential> {
  if (spec.interactiveMode === 'Always') {
    return Promise.reject(new PluginFailure('it needs an interactive terminal (interactiveMode: Always), which Fleetdeck does not give plugins'));
  }
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...Object.fromEntries((spec.env ?? []).map((e) => [e.name, e.value])), KUBERNETES_EXEC_INFO: execInfo };
    // its own process group, so that a timeout stops what it started too (a shell script's children)
    const child = spawn(spec.command, spec.args ?? [], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid) track(pid);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (failure: Error | undefined, credential?: IssuedCredential) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (pid) untrack(pid);
      if (failure) {
        if (pid) stopGroup(pid);
        // a descendant in another group may hold the pipes open: do not wait for them
        child.stdout.destroy();
        child.stderr.destroy();
        reject(failure);
      } else resolve(credential!);
    };
    const timer = setTimeout(() => settle(new PluginFailure(`it did not finish within ${limits.timeoutMs / 1000} s and was stopped`)), limits.timeoutMs);
    const collect = (chunks: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxOutputBytes) settle(new PluginFailure(`it wrote more than ${limits.maxOutputBytes} bytes of output and was stopped`));
      else chunks.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));
    child.on('error', (error) => settle(error));
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const said = Buffer.concat(stderr).toString('utf8').trim();
        return settle(new PluginFailure(said || `it exited with ${code ?? signal}`));
      }
      try {
        settle(undefined, parseCredential(Buffer.concat(stdout).toString('utf8')));
      } catch (error) {
        settle(error as Error);
      }
    });
  });
}

/** Runs, or the run in flight, per plugin invocation (command, arguments, environment, exec info); kept until the credential expires. */
const credentials = new Map<string, { pending: Promise<IssuedCredential>; issued?: IssuedCredential; failedAt?: number }>();

/**
 * The credential a plugin issues: from the cache while it has not expired, else from the run in
 * flight, else from a new run. A failure is repeated for FAILURE_KEPT_MS, then the plugin runs again.
 * `execInfo` is the KUBERNETES_EXEC_INFO the plugin gets.
 */
export function credentialFromPlugin(spec: ExecSpec, execInfo: string, limits = defaultPluginLimits): Promise<IssuedCredential> {
  const key = JSON.stringify([spec.command, spec.args ?? [], spec.env ?? [], spec.interactiveMode, execInfo]);
  const known = credentials.get(key);
  const now = Date.now();
  const stale = (known?.issued?.expires ?? Infinity) <= now || (known?.failedAt ?? Infinity) <= now - FAILURE_KEPT_MS;
  if (known && !stale) return known.pending;
  const entry: { pending: Promise<IssuedCredential>; issued?: IssuedCredential; failedAt?: number } = { pending: runPlugin(spec, execInfo, limits) };
  credentials.set(key, entry);
  entry.pending.then(
    (issued) => (entry.issued = issued),
    () => (entry.failedAt = Date.now()),
  );
  return entry.pending;
}
