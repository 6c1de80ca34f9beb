// `ConnectionGate`: whether a NATS connection is up now, and a way to wait until it is. A session
// request published while the client library is between losing its socket and reconnecting is
// lost (seen with nats.js 3.4 after `reconnect()`: the reply never comes and the open waits out its
// whole timeout), so a node session is only requested once the connection is back.
import type { NatsConnection, Status } from '@nats-io/transport-node';

/** Tracks a connection's drops and reconnects from its status events. */
export class ConnectionGate {
  private up = true;
  private waiters = new Set<() => void>();
  private readonly status: AsyncIterable<Status> & { stop(): void };

  constructor(nc: NatsConnection) {
    // `status()` returns a QueuedIterator (typed as a plain AsyncIterable), which has `stop()`.
    const status = nc.status() as AsyncIterable<Status> & { stop(): void };
    this.status = status;
    void (async () => {
      for await (const event of status) {
        if (
          event.type === 'disconnect' ||
          event.type === 'forceReconnect' ||
          event.type === 'staleConnection'
        )
          this.up = false;
        // A closed connection never comes back: let waiters through to fail on it at once.
        if (event.type === 'reconnect' || event.type === 'close') this.open();
      }
    })().catch(() => undefined);
    // Not `nc.closed().then(…)`: that callback would keep this gate alive until the connection
    // closes, long after `stop()` (one per gateway connection). A closing connection sends its
    // status listeners `close` (above).
  }

  /** Resolves once the connection is up (at once when it is), or after `timeoutMs` regardless. */
  ready(timeoutMs: number): Promise<void> {
    if (this.up) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** Stops listening to the connection's status (waiters are let through). */
  stop(): void {
    this.status.stop();
    this.open();
  }

  private open(): void {
    this.up = true;
    for (const waiter of [...this.waiters]) waiter();
  }
}
