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
    // Maps without sourcesContent: they name ../src/*.ts, which every package ships (its `files`),
    // so stack traces (--enable-source-maps) and debuggers reach the real source, stored once
    // instead of twice inside the ESM and CJS maps ("Install size and packaging", docs/performance.md).
    sourcemap: true,
    esbuildOptions(options) {
      options.sourcesContent = false;
    },
    // Classes keep their names: bundling renames a class that refers to itself (`OrchflowError`
    // became `_OrchflowError`), which is what an uncaught error and `util.inspect` print. Costs a
    // `__name(...)` call per class and function: about 2% of the client's gzipped browser bundle.
    keepNames: true,
    clean: true,
    splitting: true,
    treeshake: true,
  };
}
