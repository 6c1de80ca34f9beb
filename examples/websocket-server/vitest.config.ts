// The example is tested as a user runs it: @orchflow/* resolve to the built packages (turbo builds
// them first, see turbo.json), like `pnpm start` and the page, which loads packages/client/dist.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // As in the repository's shared config: bash fixtures must not read a machine's ~/.bashrc.
    env: { SHLVL: '1' },
  },
});
