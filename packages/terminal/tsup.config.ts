import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared';

// ./internal holds what other orchflow packages compose (see src/internal.ts).
export default defineConfig(libraryConfig({ index: 'src/index.ts', internal: 'src/internal.ts' }));
