// Where the prebuilt web app lives on disk, found from this module's own location.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Name of the app's folder beside the built entry files (dist/app). */
const APP_DIR = 'app';

/** Thrown by {@link monitorAssetsDir} when the app has not been built (no `index.html` and `assets/`). */
export class MonitorAssetsMissingError extends Error {
  override readonly name = 'MonitorAssetsMissingError';

  constructor(
    /** Where the app was looked for. */
    readonly searched: string[],
  ) {
    super(
      `@orchflow/monitor: the web app is not built (no index.html in ${searched.join(' or ')}); run \`pnpm --filter @orchflow/monitor build\``,
    );
  }
}

/**
 * Absolute path of the built web app: a folder with `index.html` and hashed `assets/`, meant to be
 * served as static files under a path such as `/ui/` (every URL inside is relative).
 * Resolved from this module's own file, so it works from the ESM and CJS builds and wherever the
 * package is installed. Throws {@link MonitorAssetsMissingError} when the app was not built (a source checkout before `pnpm build`).
 */
export function monitorAssetsDir(): string {
  // The CJS build has __dirname (and no import.meta); the ESM build the reverse.
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  return findAssetsDir(here);
}

/**
 * The built app seen from `moduleDir`, the folder of the running entry: `moduleDir/app` from
 * dist/index.{mjs,cjs}, `moduleDir/../dist/app` from src/index.ts (tests run on the source).
 */
export function findAssetsDir(moduleDir: string): string {
  const candidates = [join(moduleDir, APP_DIR), join(moduleDir, '..', 'dist', APP_DIR)];
  // A built app has assets/ beside index.html; src/app (seen from src/) holds only the source page.
  const found = candidates.find(
    (dir) => existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'assets')),
  );
  if (found === undefined) throw new MonitorAssetsMissingError(candidates);
  return found;
}
