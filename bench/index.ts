// `npm run bench [-- name]`: runs the named benchmark (default: all).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const benches: Record<string, string> = { lab: './lab.ts', fleet: './fleet.ts', jobs: './jobs.ts', monitoring: './monitoring.ts', workspace: './workspace.ts', volumes: './volumes.ts', history: './history.ts', audit: './audit.ts' };
// names first, then the options of the benchmarks they name (e.g. `history --series 10 --days 1`)
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('--'));
const selected = firstOption < 0 ? args : args.slice(0, firstOption);
const names = selected.length ? selected : Object.keys(benches);
const unknown = names.find((name) => !benches[name]);
if (unknown) throw new Error(`unknown benchmark "${unknown}" (one of ${Object.keys(benches).join(', ')})`);
// these drive the built web shell: build it, so that they measure this checkout's code
if (names.some((name) => ['fleet', 'monitoring', 'workspace'].includes(name))) {
  const build = spawnSync(path.resolve(import.meta.dirname, '../node_modules/.bin/electron-vite'), ['build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('electron-vite build failed');
}
for (const name of names) {
  console.log(`\n== ${name} ==`);
  await import(benches[name]);
}
