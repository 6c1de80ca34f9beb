import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared';
import { CLI_NODE_FLAGS } from './src/cli/node-flags';

// The bin's first two lines are a shell script and JavaScript at once: run as a program, sh
// execs node with CLI_NODE_FLAGS on this same file (one process, its pid unchanged); run by node,
// the hashbang line is skipped and the second is a string statement followed by a comment.
// Each command's implementation is a chunk of its own (cli.mjs imports it when the command runs);
// tsup puts the banner on those chunks too, where it is as harmless.
const BIN_BANNER = `#!/usr/bin/env sh\n':' //; exec node ${CLI_NODE_FLAGS.join(' ')} "$0" "$@"`;

export default defineConfig([
  libraryConfig({ index: 'src/index.ts' }),
  // The `orchflow` bin: ESM only, runnable as a program (through sh) or by node directly. `clean` is off so it cannot race
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
    banner: { js: BIN_BANNER },
  },
]);
