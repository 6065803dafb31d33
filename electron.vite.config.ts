import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src/shared/csp.ts';

/** Embeds the CSP in index.html for Electron (file:// has no headers); frame-ancestors is header-only. */
function cspMeta(): Plugin {
  const policy = contentSecurityPolicy.split('; ').filter((d) => !d.startsWith('frame-ancestors')).join('; ');
  return {
    name: 'fleetdeck-csp-meta',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  main: {
    // the web shell is built beside the Electron main process from the same services, and runs bundled like it
    build: { rollupOptions: { input: { index: resolve('src/main/index.ts'), web: resolve('src/main/web/main.ts') } } },
  },
  preload: {
    // A sandboxed preload cannot require node_modules: bundle everything into one CommonJS file.
    build: {
      externalizeDeps: false,
      rollupOptions: { input: { index: resolve('src/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: 'src/renderer',
    // minified (electron-vite leaves the renderer unminified): the web shell serves it over HTTP,
    // and the desktop app parses it at every start; each screen is its own chunk (App.tsx)
    build: { minify: true, rollupOptions: { input: { index: resolve('src/renderer/index.html') } } },
    plugins: [react(), cspMeta()],
  },
});
