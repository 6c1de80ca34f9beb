// Liveness for WebSockets that cannot ping: a browser's WebSocket answers the server's pings but
// never lets the page send one or see one arrive, so a link that dies without a FIN or RST (a
// sleeping laptop, a NAT that forgot the connection) looks open for many minutes while nothing
// arrives. The client then sends a JSON-RPC `$/ping` request (every peer answers it) once a whole
// period passed in silence, and gives the connection up when two periods pass without a single
// frame. The answers are the watchdog's own and never reach the client's RpcPeer.
//
// The watchdog looks every half period. Looking once a period gave up live links: with the answer
// to a ping arriving a few milliseconds after one look, the next look saw just under a period of
// silence and sent nothing, and a timer running a little late made the look after that see two.

/** Default of `pingIntervalMs` with a socket that cannot ping (the global WebSocket): 15 s. */
export const DEFAULT_WS_PING_INTERVAL_MS = 15_000;
/** Ids of the watchdog's `$/ping` requests; responses carrying one are swallowed. */
const PING_ID_PREFIX = '$liveness-';

/** Watches one connection; `heard()` on every frame, `stop()` when it closes. */
export class PingWatchdog {
  private lastHeard = Date.now();
  private lastPinged = 0;
  private pings = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly intervalMs: number,
    /** Sends a text frame. */
    private readonly send: (text: string) => void,
    /** The connection is silent for two periods: give it up. */
    private readonly onDead: (silentMs: number) => void,
  ) {
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(intervalMs / 2)));
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Something arrived. */
  heard(): void {
    this.lastHeard = Date.now();
  }

  /** Stops watching; idempotent. */
  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = Date.now();
    const silentMs = now - this.lastHeard;
    if (silentMs >= 2 * this.intervalMs) {
      this.stop();
      this.onDead(silentMs);
    } else if (silentMs >= this.intervalMs && now - this.lastPinged >= this.intervalMs) {
      // One ping per period of silence: it has until two periods of silence to be answered.
      this.lastPinged = now;
      try {
        this.send(
          JSON.stringify({ jsonrpc: '2.0', id: `${PING_ID_PREFIX}${++this.pings}`, method: '$/ping' }),
        );
      } catch {
        // The socket is closing; its close event ends the channel.
      }
    }
  }
}

/** True for the answer to one of the watchdog's pings (it goes no further). */
export function isPingAnswer(message: unknown): boolean {
  const id = (message as { id?: unknown } | null)?.id;
  return (
    typeof id === 'string' &&
    id.startsWith(PING_ID_PREFIX) &&
    !('method' in (message as object)) &&
    ('result' in (message as object) || 'error' in (message as object))
  );
}
