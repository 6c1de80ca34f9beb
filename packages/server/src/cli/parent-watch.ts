// `npx orchflow serve` runs orchflow under `npm exec` → `sh -c`. When npx gets SIGTERM it exits
// without passing the signal on, and orchflow is silently re-parented to init: an orphaned server
// holding ports and terminals. Node has no PR_SET_PDEATHSIG, so a launched-by-npm server polls
// its parent pid and shuts down gracefully once the process that started it is gone.

/** How often the parent is checked. */
export const PARENT_POLL_MS = 1000;

/** Whether this process was started by npm/npx (npm sets `npm_command` for what it runs). */
export function launchedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return typeof env.npm_command === 'string' && env.npm_command !== '';
}

/**
 * Calls `onGone` once the parent process has exited (this process was re-parented). Returns a
 * function that stops watching. The timer is unref'd: it never keeps the process alive by itself.
 */
export function watchParent(onGone: () => void, pollMs = PARENT_POLL_MS): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
