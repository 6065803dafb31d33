import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const electronDir = path.resolve(import.meta.dirname, '../node_modules/electron');

/**
 * The Electron executable if it is installed, without triggering electron's download-on-first-use
 * (requiring the `electron` package would try to fetch it, which cannot work here).
 */
export function installedElectron(): string | undefined {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(electronDir, 'dist');
  const binary = path.join(dist, relative);
  return existsSync(binary) ? binary : undefined;
}
