import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared';

export default defineConfig([
  libraryConfig({ index: 'src/index.ts' }),
  // The `orchflow` bin: ESM only, runnable by node directly. `clean` is off so it cannot race
  // the library build's clean of the same dist/.
  {
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    outExtension: () => ({ js: '.mjs' }),
    platform: 'node',
    target: 'node20',
    // Like the library's maps (tsup.shared.ts): no sourcesContent, the shipped src/ instead.
    sourcemap: true,
    esbuildOptions(options) {
      options.sourcesContent = false;
    },
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
