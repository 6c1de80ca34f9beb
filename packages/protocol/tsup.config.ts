import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared';

export default defineConfig({
  ...libraryConfig({ index: 'src/index.ts', node: 'src/node.ts' }),
  // The root entry must stay browser-safe; only ./node may touch Node built-ins.
  platform: 'neutral',
  // Keep the `node:` prefix in the Node-only chunk instead of rewriting it to bare names.
  removeNodeProtocol: false,
  external: [/^node:/],
});
