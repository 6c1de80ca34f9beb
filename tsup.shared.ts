// Shared tsup settings: every library ships ESM (.mjs) and CJS (.cjs), each with its own
// declaration file (.d.mts / .d.cts), so both resolvers see correctly typed entry points.
import type { Options } from 'tsup';

export function libraryConfig(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    // ESM declarations come out as .d.ts here; scripts/esm-dts.mjs renames them to .d.mts.
    outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
    // Dev-time `paths` point sibling packages at their src/; the published declarations must
    // import them by package name instead of inlining them, so the build drops those paths.
    dts: { compilerOptions: { paths: {} } },
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
  };
}
