// Floor control: who, if anyone, holds each terminal's floor. A person takes a terminal over
// (`terminal.floor.take`); until they release it, only they may type into it or run commands in
// it, and everyone else's `execute`/`write`/batch/transaction command on it fails with FloorHeld —
// or, for a command sent with `waitForFloor`, waits for the release (bounded by its timeout,
// cancellable). Holders are told apart by a key (the RPC layer uses one per connection), never by
// name: two people may share a name. A floor ends when its holder releases it, when the holder's
// connection closes, or when the terminal exits. A command already running when the floor is
// taken runs on: the holder sees it and can interrupt it with their own keystrokes.
import {
  ErrorCode,
  type FloorHolder,
  type FloorState,
  isOrchflowError,
  OrchflowError,
  type Principal,
} from '@orchflow/protocol';

/** Who asks for a floor: a key telling holders apart, and how they are shown to others. */
export interface FloorClaim {
  /** Identifies the holder across calls (the RPC layer: one key per connection). */
  key: string;
  /** Shown to others and in the audit log (a person's name, or their client's). */
  name: string;
  kind: FloorHolder['kind'];
  /** The holder's principal, recorded in the audit log with their keystrokes. */
  principal?: Principal;
}

/** Why a floor changed hands. */
export type FloorChangeReason = 'taken' | 'forced' | 'released' | 'disconnected' | 'exited';

/** A terminal's floor changed: the new state, who held it before, and why. */
export interface TerminalFloorEvent extends FloorState {
  agentId: string;
  /** The holder before this change (null when nobody held it). */
  previous: FloorHolder | null;
  reason: FloorChangeReason;
  /** Key of the new holder (see {@link FloorClaim.key}). */
  holderKey?: string;
  /** Key of the previous holder. */
  previousKey?: string;
}

interface Held {
  claim: FloorClaim;
  holder: FloorHolder;
  agentId: string;
}

/** How long and how cancellably to wait for a floor. */
export interface FloorWait {
  /** Give up with Timeout after this many ms; absent: wait until released or cancelled. */
  timeoutMs?: number | undefined;
  /** Aborting ends the wait with Cancelled. */
  signal?: AbortSignal | undefined;
}

/** FloorHeld for a caller other than `holder` acting on the terminal. */
export function floorHeldError(terminalId: string, holder: FloorHolder): OrchflowError {
  return new OrchflowError(
    ErrorCode.FloorHeld,
    `Terminal '${terminalId}' is taken over by ${holder.name} (${holder.kind}) since ${holder.since}: only they may type or run commands in it until they hand it back. Wait for the release (a 'terminal.floor' notification with holder null), or send the command with waitForFloor: true to wait for it`,
    { terminalId, holder: { ...holder } },
  );
}

function waitTimedOut(terminalId: string, holder: FloorHolder, timeoutMs: number): OrchflowError {
  return new OrchflowError(
    ErrorCode.Timeout,
    `Waited ${timeoutMs} ms for the floor of terminal '${terminalId}' (held by ${holder.name} since ${holder.since}); it was not released, so the command did not run`,
    { terminalId, holder: { ...holder }, timeoutMs },
  );
}

function waitCancelled(terminalId: string): OrchflowError {
  return new OrchflowError(
    ErrorCode.Cancelled,
    `Command cancelled while it waited for the floor of terminal '${terminalId}'; it did not run`,
    { terminalId },
  );
}

/** The floors of an orchestrator's terminals. */
export class FloorControl {
  private readonly held = new Map<string, Held>();
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Floors reporting every change to `onChange`. */
  constructor(private readonly onChange: (event: TerminalFloorEvent) => void) {}

  /** The holder of a terminal's floor, if anyone holds it. */
  holder(terminalId: string): FloorHolder | undefined {
    const held = this.held.get(terminalId);
    return held && { ...held.holder };
  }

  /** The terminal's floor as the protocol reports it. */
  state(terminalId: string): FloorState {
    return { terminalId, holder: this.holder(terminalId) ?? null };
  }

  /** True when the holder with `key` holds the terminal's floor. */
  holds(terminalId: string, key: string | undefined): boolean {
    return key !== undefined && this.held.get(terminalId)?.claim.key === key;
  }

  /** The claim of the floor's holder when `key` holds it (what the audit log records). */
  claimOf(terminalId: string, key: string | undefined): FloorClaim | undefined {
    const held = this.held.get(terminalId);
    return key !== undefined && held?.claim.key === key ? held.claim : undefined;
  }

  /**
   * Gives the floor to `claim`. Taking a floor one already holds changes nothing; one someone
   * else holds throws FloorHeld unless `force` (the caller checks who may force).
   */
  take(terminalId: string, agentId: string, claim: FloorClaim, force = false): FloorState {
    const current = this.held.get(terminalId);
    if (current?.claim.key === claim.key) return this.state(terminalId);
    if (current && !force) throw floorHeldError(terminalId, current.holder);
    const holder: FloorHolder = { name: claim.name, kind: claim.kind, since: new Date().toISOString() };
    this.held.set(terminalId, { claim, holder, agentId });
    this.onChange({
      terminalId,
      agentId,
      holder: { ...holder },
      previous: current ? { ...current.holder } : null,
      reason: current ? 'forced' : 'taken',
      holderKey: claim.key,
      ...(current ? { previousKey: current.claim.key } : {}),
    });
    this.wake(terminalId);
    return this.state(terminalId);
  }

  /**
   * Releases the floor `key` holds. A floor nobody holds stays free; one someone else holds
   * throws FloorHeld (only its holder hands it back).
   */
  release(terminalId: string, key: string): FloorState {
    const current = this.held.get(terminalId);
    if (!current) return this.state(terminalId);
    if (current.claim.key !== key) throw floorHeldError(terminalId, current.holder);
    this.end(terminalId, current, 'released');
    return this.state(terminalId);
  }

  /** Releases every floor `key` holds (its connection closed); returns how many. */
  releaseAll(key: string, reason: FloorChangeReason = 'disconnected'): number {
    const mine = [...this.held].filter(([, held]) => held.claim.key === key);
    for (const [terminalId, held] of mine) this.end(terminalId, held, reason);
    return mine.length;
  }

  /** Ends the floor of a terminal that exited or was removed. */
  drop(terminalId: string): void {
    const current = this.held.get(terminalId);
    if (current) this.end(terminalId, current, 'exited');
  }

  /** Throws FloorHeld when someone other than `key` holds the terminal's floor. */
  assertClear(terminalId: string, key: string | undefined): void {
    const current = this.held.get(terminalId);
    if (current && current.claim.key !== key) throw floorHeldError(terminalId, current.holder);
  }

  /**
   * Resolves once nobody but `key` holds the terminal's floor (at once when that is so now);
   * rejects with Timeout after `wait.timeoutMs`, or Cancelled when `wait.signal` aborts.
   */
  waitClear(
    terminalId: string,
    key: string | undefined,
    wait: FloorWait = {},
    /** The whole wait, as the Timeout error reports it (afterWait's later rounds wait for less). */
    reportMs = wait.timeoutMs,
  ): Promise<void> {
    if (!this.blocked(terminalId, key)) return Promise.resolve();
    if (wait.signal?.aborted) return Promise.reject(waitCancelled(terminalId));
    return new Promise<void>((resolve, reject) => {
      const set = this.waiters.get(terminalId) ?? new Set();
      this.waiters.set(terminalId, set);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (error?: OrchflowError): void => {
        set.delete(check);
        if (set.size === 0 && this.waiters.get(terminalId) === set) this.waiters.delete(terminalId);
        if (timer) clearTimeout(timer);
        wait.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      // Woken on every change of this terminal's floor; a new holder may have taken it meanwhile.
      const check = (): void => {
        if (!this.blocked(terminalId, key)) finish();
      };
      const onAbort = (): void => finish(waitCancelled(terminalId));
      set.add(check);
      wait.signal?.addEventListener('abort', onAbort, { once: true });
      if (wait.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const holder = this.held.get(terminalId)?.holder;
          finish(holder ? waitTimedOut(terminalId, holder, reportMs ?? 0) : undefined);
        }, wait.timeoutMs);
      }
    });
  }

  /**
   * Runs `attempt` once nobody but `key` holds the floor, waiting as `wait` says, with the ms
   * spent waiting. An attempt refused with FloorHeld (the floor was taken again before it was
   * admitted) waits again; its time counts against the same timeout.
   */
  async afterWait<T>(
    terminalId: string,
    key: string | undefined,
    wait: FloorWait,
    attempt: (waitedMs: number) => Promise<T>,
  ): Promise<T> {
    const began = performance.now();
    for (;;) {
      const spent = performance.now() - began;
      const timeoutMs = wait.timeoutMs === undefined ? undefined : Math.max(0, wait.timeoutMs - spent);
      await this.waitClear(terminalId, key, { signal: wait.signal, timeoutMs }, wait.timeoutMs);
      try {
        return await attempt(performance.now() - began);
      } catch (error) {
        const refused = isOrchflowError(error) && error.code === ErrorCode.FloorHeld;
        if (!refused || !this.blocked(terminalId, key)) throw error;
      }
    }
  }

  private blocked(terminalId: string, key: string | undefined): boolean {
    const current = this.held.get(terminalId);
    return current !== undefined && current.claim.key !== key;
  }

  private end(terminalId: string, held: Held, reason: FloorChangeReason): void {
    this.held.delete(terminalId);
    this.onChange({
      terminalId,
      agentId: held.agentId,
      holder: null,
      previous: { ...held.holder },
      reason,
      previousKey: held.claim.key,
    });
    this.wake(terminalId);
  }

  private wake(terminalId: string): void {
    for (const check of [...(this.waiters.get(terminalId) ?? [])]) check();
  }
}

/** `claim` checked as a public entry must (InvalidParams for a missing key, name or kind). */
export function checkedClaim(claim: FloorClaim): FloorClaim {
  const ok =
    typeof claim === 'object' &&
    claim !== null &&
    typeof claim.key === 'string' &&
    claim.key !== '' &&
    typeof claim.name === 'string' &&
    claim.name.trim() !== '' &&
    (claim.kind === 'admin' || claim.kind === 'agent');
  if (ok) return claim;
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    "A floor holder needs a non-empty key (who holds it), a non-empty name (how others see them) and kind 'admin' or 'agent'",
  );
}
