// Unlike the packages' suites, these tests use the built packages (dist/), as a user gets them:
// the server's CLI serves the monitor's prebuilt assets. Turbo builds them first (`^build`).
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    include: ['test/**/*.test.ts'],
    // A browser, a server and real shells per file, on a 2-core machine that may be busy.
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // One browser at a time: parallel Chromiums on 2 cores make every wait a race with the CPU.
    fileParallelism: false,
    env: { SHLVL: '1' },
  },
});
