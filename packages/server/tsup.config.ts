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
    sourcemap: true,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
