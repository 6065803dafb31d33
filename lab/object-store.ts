// The lab's S3-compatible object store (lab/s3: gofakes3 on loopback, objects as files under
// .state/object-store) and the restic repository the volume movers of every lab cluster share,
// described by .state/mover-repository.env for `fleetdeck … --repository-env`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { binary } from './build.ts';
import { objectStorePort, stateDir } from './config.ts';

export const moverRepositoryEnvPath = path.join(stateDir, 'mover-repository.env');
export const objectStoreDir = path.join(stateDir, 'object-store');
export const objectStoreBucket = 'fleetdeck-movers';
export const objectStoreUrl = `http://127.0.0.1:${objectStorePort}`;

export interface MoverRepositoryEnv {
  RESTIC_REPOSITORY: string;
  RESTIC_PASSWORD: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
}

/** KEY=VALUE lines; blank lines and # comments are skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) env[match[1]!] = match[2]!.trim();
  }
  return env;
}

export function readMoverRepositoryEnv(): MoverRepositoryEnv {
  if (!existsSync(moverRepositoryEnvPath)) throw new Error(`${moverRepositoryEnvPath} does not exist: bring the lab up (npm run lab -- up)`);
  return parseEnvFile(readFileSync(moverRepositoryEnvPath, 'utf8')) as unknown as MoverRepositoryEnv;
}

/**
 * Writes the env file: the repository's password and the store's key are made once per lab and
 * kept across restarts (the repository and the running store depend on them); the URL follows
 * the lab's current port.
 */
export function writeMoverRepositoryEnv(): MoverRepositoryEnv {
  const previous: Partial<MoverRepositoryEnv> = existsSync(moverRepositoryEnvPath) ? parseEnvFile(readFileSync(moverRepositoryEnvPath, 'utf8')) : {};
  const env: MoverRepositoryEnv = {
    RESTIC_REPOSITORY: `s3:${objectStoreUrl}/${objectStoreBucket}/repository`,
    RESTIC_PASSWORD: previous.RESTIC_PASSWORD || randomBytes(24).toString('hex'),
    AWS_ACCESS_KEY_ID: previous.AWS_ACCESS_KEY_ID || `LAB${randomBytes(8).toString('hex').toUpperCase()}`,
    AWS_SECRET_ACCESS_KEY: previous.AWS_SECRET_ACCESS_KEY || randomBytes(24).toString('hex'),
  };
  writeFileSync(moverRepositoryEnvPath, Object.entries(env).map(([key, value]) => `${key}=${value}\n`).join(''), { mode: 0o600 });
  return env;
}

/** Runs lab/bin/restic against the lab's store with the env file's settings (`overrides` win). */
export function restic(args: string[], overrides: Partial<MoverRepositoryEnv> = {}, cwd?: string) {
  return spawnSync(binary('restic'), args, { cwd, encoding: 'utf8', env: { ...process.env, ...readMoverRepositoryEnv(), ...overrides }, maxBuffer: 256 * 1024 ** 2 });
}

// restic 0.17's exit code for "no repository at this location"
const NO_REPOSITORY = 10;

/** Initialises the env file's repository unless it exists, so that it is ready for the movers. */
export function initMoverRepository(): 'created' | 'exists' {
  const probe = restic(['cat', 'config', '--no-lock']);
  if (probe.status === 0) return 'exists';
  if (probe.status !== NO_REPOSITORY) throw new Error(`restic cannot open the movers' repository (exit ${probe.status}): ${probe.stderr.trim()}`);
  const init = restic(['init']);
  if (init.status !== 0) throw new Error(`restic init of the movers' repository failed (exit ${init.status}): ${init.stderr.trim()}`);
  return 'created';
}
