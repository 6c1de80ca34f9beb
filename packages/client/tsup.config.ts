import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared';

export default defineConfig({
  ...libraryConfig({ index: 'src/index.ts' }),
  // The root entry must stay browser-safe; Node-only transports will live behind ./node.
  platform: 'neutral',
  removeNodeProtocol: false,
  external: [/^node:/],
});
