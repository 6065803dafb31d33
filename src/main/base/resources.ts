import { existsSync } from 'node:fs';
import path from 'node:path';
import { FleetdeckError } from '../../shared/errors.ts';

/** A file or folder of the project's resources/, found from wherever this module was built to (source, out/main, a package). */
export function resourcePath(relative: string): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'resources', relative);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new FleetdeckError('not-found', `resources/${relative} is missing from this installation`);
  }
}
