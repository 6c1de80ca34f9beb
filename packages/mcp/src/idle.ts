// Idle expiry of one MCP client's session: one unref'd timer per session, re-armed only when it
// fires (a use just stamps the time), so busy sessions cost nothing per call and nothing per
// terminal. The session ends only when it was unused for the whole period and nothing is in
// flight, because closing it kills its terminals.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** Default time a client's session may go unused before it is closed: 30 minutes. */
export const DEFAULT_MCP_SESSION_IDLE_MS = 30 * 60 * 1000;

/** Checks a `sessionIdleMs` option: a whole number of ms, 0 (never expire) or more. */
export function checkIdleMs(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MCP_SESSION_IDLE_MS;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `sessionIdleMs must be a whole number of milliseconds >= 0 (0 disables expiry), got ${value}`,
    );
  }
  return value;
}

/**
 * Calls `onIdle` once the owner went `idleMs` without {@link IdleClock.touch}, past its
 * `lastActive()` time (a command's end), while not `busy()`.
 */
export class IdleClock {
  private lastUse = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly busy: () => boolean,
    private readonly onIdle: () => void,
    private readonly lastActive: () => number = () => 0,
  ) {
    if (idleMs > 0) this.arm(idleMs);
  }

  /** Restarts the idle period (a tool or resource call used the session). */
  touch(): void {
    this.lastUse = Date.now();
  }

  /** Stops the clock for good. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => this.check(), delay);
    this.timer.unref();
  }

  private check(): void {
    const left = Math.max(this.lastUse, this.lastActive()) + this.idleMs - Date.now();
    // Used meanwhile: wait out the rest. In flight: look again a full period later.
    if (left > 0) this.arm(left);
    else if (this.busy()) this.arm(this.idleMs);
    else {
      this.timer = undefined;
      this.onIdle();
    }
  }
}
