import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { serviceProcessNodeFlags, webShellEntry } from '../src/main/web/node-flags.ts';

export const root = path.resolve(import.meta.dirname, '..');
export const screenshotDir = path.join(root, 'test-results', 'screenshots');

export interface RunningShell {
  url: string;
  /** the shell's FLEETDECK_HOME */
  home: string;
  origin: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `npm run web`'s entry point as a real process and waits for its one ready line. */
export async function startWebShell(args: string[]): Promise<RunningShell> {
  // an isolated data dir (vault, key) per shell
  const home = mkdtempSync(path.join(tmpdir(), 'fleetdeck-e2e-'));
  const child = spawn(process.execPath, [...serviceProcessNodeFlags, path.join(root, webShellEntry), '--port', '0', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FLEETDECK_HOME: home },
  });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`web shell exited with ${code}: ${stderr}`)));
  });
  const match = /^Fleetdeck web shell: (http:\/\/127\.0\.0\.1:\d+)\/\?token=[A-Za-z0-9_-]+$/.exec(line);
  if (!match) throw new Error(`unexpected ready line: ${line}`);
  return {
    url: line.slice('Fleetdeck web shell: '.length),
    home,
    origin: match[1],
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
