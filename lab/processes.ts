import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { logDir, stateDir } from './config.ts';

export interface ProcessRecord {
  name: string;
  cluster?: string;
  pid: number;
  command: string;
  args: string[];
  port?: number;
  log: string;
  startedAt: string;
}

const recordFile = path.join(stateDir, 'processes.json');

export function readRecords(): ProcessRecord[] {
  return existsSync(recordFile) ? (JSON.parse(readFileSync(recordFile, 'utf8')) as ProcessRecord[]) : [];
}

function writeRecords(records: ProcessRecord[]) {
  writeFileSync(recordFile, JSON.stringify(records, null, 2));
}

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/** Alive and still the process we started (pids get reused). */
export function isRunning(record: ProcessRecord): boolean {
  return cmdline(record.pid)?.startsWith(record.command) ?? false;
}

export function findRecord(name: string): ProcessRecord | undefined {
  return readRecords().find((r) => r.name === name && isRunning(r));
}

/** Starts a lab process in its own process group, logging to .state/logs, and records it at once so `down` finds it even after a crash. */
export function startProcess(name: string, command: string, args: string[], options: { cluster?: string; port?: number; env?: NodeJS.ProcessEnv } = {}): ProcessRecord {
  mkdirSync(logDir, { recursive: true });
  const log = path.join(logDir, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...options.env } });
  child.unref();
  const record: ProcessRecord = { name, cluster: options.cluster, pid: child.pid!, command, args, port: options.port, log, startedAt: new Date().toISOString() };
  writeRecords([...readRecords().filter((r) => r.name !== name), record]);
  return record;
}

/** Every process whose command line mentions the lab's state folder: what `down` must stop even without records. */
function strays(): number[] {
  const marker = stateDir;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && (cmdline(pid)?.includes(marker) ?? false));
}

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
};

function signal(pid: number, sig: NodeJS.Signals) {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
    } catch {
      // already gone, or not a group leader
    }
  }
}

/** Stops processes: SIGTERM, then SIGKILL what is left after the grace period. */
export async function stopPids(pids: number[], graceMs = 5_000): Promise<void> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(isAlive)) signal(pid, 'SIGKILL');
  while (pids.some(isAlive)) await sleep(50);
}

export async function stopRecord(name: string): Promise<void> {
  const record = findRecord(name);
  if (record) await stopPids([record.pid]);
}

export async function stopAll(): Promise<number> {
  const pids = [...new Set([...readRecords().filter(isRunning).map((r) => r.pid), ...strays()])];
  await stopPids(pids);
  rmSync(recordFile, { force: true });
  return pids.length;
}

/**
 * Resident memory of a process: RSS, and PSS, which splits pages shared between processes (the
 * lab's components share one multi-call binary) so that PSS values add up to real memory use.
 */
export function memoryBytes(pid: number): { rss: number; pss: number } {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
    return { rss: field('Rss'), pss: field('Pss') };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, logFile?: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const result = await check();
      if (result) return result;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(250);
  }
  const tail = logFile && existsSync(logFile) ? `\n--- last lines of ${logFile} ---\n${readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')}` : '';
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError ? ` (${lastError})` : ''}${tail}`);
}
