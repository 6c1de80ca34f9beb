// Graceful shutdown of `orchflow serve`: on SIGINT/SIGTERM (or when the stdio parent goes away)
// stop accepting, close connections (their in-flight requests end and terminals are killed),
// shut the orchestrator down, and exit 0. A second signal, or a shutdown that hangs, exits 1.
import type { Logger } from '../logger';

/** How long a graceful shutdown may take before the process exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Something `serve` started. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** What is shut down after the servers: the orchestrator (or a cluster gateway). */
export interface ShutsDown {
  shutdown(): Promise<unknown>;
}

/** Resolves with the exit code once shutdown is complete; `trigger` starts it early. */
export function shutdownOnSignals(
  servers: readonly Stoppable[],
  orchestrator: ShutsDown,
  log: Logger,
): { done: Promise<number>; trigger(reason: string): void } {
  let started = false;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  const trigger = (reason: string): void => {
    if (started) return;
    started = true;
    log.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; exiting');
      resolveDone(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    void (async () => {
      await Promise.allSettled(servers.map((server) => server.stop()));
      await orchestrator
        .shutdown()
        .catch((error: Error) => log.error({ err: error.message }, 'orchestrator shutdown failed'))
        .then(() => undefined);
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      log.info('stopped');
      resolveDone(0);
    })();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (started) {
      log.warn({ signal }, 'second signal; exiting without waiting');
      resolveDone(1);
      return;
    }
    trigger(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { done, trigger };
}
