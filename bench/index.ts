// `npm run bench [-- name]`: runs the named benchmark (default: all).
export {};
const benches: Record<string, string> = { lab: './lab.ts', fleet: './fleet.ts', jobs: './jobs.ts', monitoring: './monitoring.ts', workspace: './workspace.ts' };
const selected = process.argv.slice(2);
for (const name of selected.length ? selected : Object.keys(benches)) {
  if (!benches[name]) throw new Error(`unknown benchmark "${name}" (one of ${Object.keys(benches).join(', ')})`);
  console.log(`\n== ${name} ==`);
  await import(benches[name]);
}
