import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared';

// ./internal holds what other orchflow packages compose (see src/internal.ts).
// The policy worker is its own entry: check-pool.ts starts it from the file beside its chunk.
export default defineConfig(
  libraryConfig({
    index: 'src/index.ts',
    internal: 'src/internal.ts',
    'policy-worker': 'src/command/policy-worker.ts',
  }),
);
