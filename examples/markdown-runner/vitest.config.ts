import { defineConfig } from 'vitest/config';

// Real terminals on a loaded 2-core CI machine: generous per-test timeouts.
export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 30_000 } });
