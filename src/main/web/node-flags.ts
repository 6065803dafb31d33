/**
 * Node flags for the process that runs Fleetdeck's services outside Electron (the web shell).
 * The watch streams of a big fleet allocate fast, and V8 would otherwise grow its young
 * generation to 128 MB and keep it: capped at 2 × 16 MB, resident memory is about 60 MB lower for
 * the same sync time (`npm run bench -- fleet`). package.json's "web" script repeats them.
 */
export const serviceProcessNodeFlags = ['--max-semi-space-size=16'];

/** The built web shell, relative to the project root: electron-vite's main build puts it beside out/renderer. */
export const webShellEntry = 'out/main/web.js';
