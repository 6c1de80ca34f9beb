import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared';

export default defineConfig({
  ...libraryConfig({ index: 'src/index.ts', node: 'src/node.ts', internal: 'src/internal.ts' }),
  // The root entry must stay browser-safe; Node-only transports live behind ./node (src/node.ts),
  // the cluster pieces @orchflow/server composes behind ./internal (src/internal.ts).
  platform: 'neutral',
  removeNodeProtocol: false,
  external: [/^node:/],
});
