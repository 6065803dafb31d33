import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Folders where cloud CLIs and exec credential plugins are usually installed. A desktop app
 * started from a launcher does not get the login shell's PATH, the most-reported failure of
 * other Kubernetes desktop tools, so these are searched too.
 */
export function pluginSearchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = homedir();
  const extra = [
    '/opt/homebrew/bin',
    '/usr/local/bin',
    '/home/linuxbrew/.linuxbrew/bin',
    path.join(home, '.local', 'bin'),
    path.join(home, 'bin'),
    path.join(home, 'google-cloud-sdk', 'bin'),
    '/usr/lib/google-cloud-sdk/bin',
    '/snap/bin',
    '/usr/local/aws-cli/v2/current/bin',
    path.join(home, '.azure-kubelogin'),
    path.join(home, '.krew', 'bin'),
  ];
  const own = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return [...new Set([...own, ...extra])];
}

/** The PATH used for exec plugins (client-node spawns them with process.env). */
export function widenProcessPath(): void {
  process.env.PATH = pluginSearchPath().join(path.delimiter);
}

export function findExecutable(command: string, dirs: string[] = pluginSearchPath()): string | undefined {
  const candidates = path.isAbsolute(command) || command.includes('/') ? [command] : dirs.map((d) => path.join(d, command));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
