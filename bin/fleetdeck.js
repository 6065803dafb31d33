#!/usr/bin/env -S node --max-semi-space-size=16 --optimize-for-size
// Runs the CLI from its TypeScript source: Node >= 22.18 strips the types itself. A backup or
// restore streams thousands of objects: with V8 told to favour memory over speed (young
// generation capped, slower heap growth) a 50,000-object backup peaks at about 185 MB instead of
// 360 MB. It costs CPU time: about 40 % more in a backup (still over 10× faster than kubectl),
// about 4 % in a restore, which mostly waits on the API server (`npm run bench -- jobs`).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`fleetdeck: needs Node.js >= 22.19 (found ${process.versions.node}); run it through npx or npm so the project's Node is used\n`);
  process.exit(1);
}
const { main } = await import('../src/main/cli/index.ts');
process.exitCode = await main();
