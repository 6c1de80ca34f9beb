#!/usr/bin/env sh
':' //; exec node --max-semi-space-size=1 "$0" "$@"
// The `orchflow` executable as npm and pnpm link it. Its first two lines are those of dist/cli.mjs
// (see tsup.config.ts: sh execs node with the CLI's node flags on this same file; node skips the
// hashbang and reads the second line as a string and a comment). It lives outside dist/ so that
// a workspace install, which links bins before anything is built, finds it; it then runs
// dist/cli.mjs in this same process.
try {
  await import('../dist/cli.mjs');
} catch (error) {
  // Only the CLI's own absence gets this message; anything missing inside it is thrown as it is.
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.mjs')) throw error;
  process.stderr.write(
    'orchflow: the CLI is not built (no dist/cli.mjs next to this bin); in a clone of the repository run `pnpm build` first\n',
  );
  process.exitCode = 1;
}
