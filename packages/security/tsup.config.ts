import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared';

// The policy worker is its own entry: check-pool.ts starts it from the file beside its chunk.
export default defineConfig(
  libraryConfig({ index: 'src/index.ts', 'policy-worker': 'src/command/policy-worker.ts' }),
);
