import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared';

// Only the node entry: the web app under src/app is built by Vite (vite.config.ts) into dist/app.
export default defineConfig(libraryConfig({ index: 'src/index.ts' }));
