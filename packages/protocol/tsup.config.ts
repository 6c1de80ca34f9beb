import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared';

export default defineConfig({
  ...libraryConfig({ index: 'src/index.ts', runtime: 'src/runtime.ts', node: 'src/node.ts' }),
  // The root entry must stay browser-safe; only ./node may touch Node built-ins. ./runtime is the
  // root without the classic-zod method schemas, as its own entry so its chunks hold none of them.
  platform: 'neutral',
  // Keep the `node:` prefix in the Node-only chunk instead of rewriting it to bare names.
  removeNodeProtocol: false,
  external: [/^node:/],
});
