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
const { main, failureLine } = await import('../src/main/cli/index.ts');
// a stray exception is one line too, never a stack trace (FLEETDECK_DEBUG=1 shows it)
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (error) => {
    process.stderr.write(`fleetdeck: ${failureLine(error)}\n`);
    process.exit(1);
  });
}
const code = await main();
// once the output is flushed, a finished command ends: a request still open to an unreachable
// API server (it times out on its own, later) must not keep the process alive
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
process.exit(code);
