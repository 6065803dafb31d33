// `npm run bench [-- name]`: runs the named benchmark (default: all).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const benches: Record<string, string> = { lab: './lab.ts', fleet: './fleet.ts', jobs: './jobs.ts', monitoring: './monitoring.ts', workspace: './workspace.ts' };
const selected = process.argv.slice(2);
// the fleet, monitoring and workspace benchmarks drive the built web shell: measure this checkout's code
const build = spawnSync(path.resolve(import.meta.dirname, '../node_modules/.bin/electron-vite'), ['build'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) throw new Error('electron-vite build failed');
for (const name of selected.length ? selected : Object.keys(benches)) {
  if (!benches[name]) throw new Error(`unknown benchmark "${name}" (one of ${Object.keys(benches).join(', ')})`);
  console.log(`\n== ${name} ==`);
  await import(benches[name]);
}
