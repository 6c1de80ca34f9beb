// Builds the web app (src/app) into dist/app: index.html plus hashed assets/, with relative URLs
// (`base: './'`) so the same files work under any mount path (`orchflow serve --ui` uses /ui/).
// No inline script or style tag is emitted: the server sends a CSP with `script-src 'self'`.
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('./src/app'),
  base: './',
  // configFile: false — every option lives here; no svelte.config.js to look for.
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: here('./dist/app'),
    emptyOutDir: true,
    // The default polyfill would be fine under the CSP (it lands in the entry chunk), but every
    // browser the monitor supports has modulepreload; leave it out.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs; the CSP may not allow them.
    assetsInlineLimit: 0,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
