#!/usr/bin/env -S node --max-semi-space-size=16
// Runs the CLI from its TypeScript source: Node >= 22.18 strips the types itself. The young
// generation is capped as in the web shell (src/main/web/node-flags.ts): when it was added, it
// brought a 50,000-object backup's peak from 360 to 280 MB and its restore's from 395 to 280 MB.
// V8's --optimize-for-size would save more, but made `pods --problems` on 15,000 pods four times
// slower, so it is not used.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`fleetdeck: needs Node.js >= 22.19 (found ${process.versions.node}); run it through npx or npm so the project's Node is used\n`);
  process.exit(1);
}
const { main } = await import('../src/main/cli/index.ts');
process.exitCode = await main();
