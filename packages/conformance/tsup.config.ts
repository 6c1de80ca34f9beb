import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared';

// vitest is the caller's: its `describe`/`it` must be the very instance running the tests.
export default defineConfig({ ...libraryConfig({ index: 'src/index.ts' }), external: ['vitest'] });
