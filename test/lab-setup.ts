import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** Brings the lab up once for the lab project (a no-op when it is already up; `npm test` stops it afterwards). */
export default function setup() {
  const result = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../lab/lab.ts'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error('the lab did not come up: see the lab output above');
}
