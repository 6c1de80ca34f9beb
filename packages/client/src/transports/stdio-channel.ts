// `SidecarChannel`: an IpcChannel to a supervised sidecar process (`orchflow serve --stdio`).
// If the sidecar dies, requests it was running fail locally with `ChannelClosedError` naming the
// exit, open output streams fail the same way (no `terminal.exit` is made up), and a new sidecar
// is started (bounded restarts with backoff) and re-initialized with the client's original
// `initialize`, so the same OrchflowClient keeps working; terminals of the dead sidecar are gone.
import {
  ChannelClosedError,
  type IpcChannel,
  type JsonRpcMessage,
  localFailure,
} from '@orchflow/protocol/runtime';
import { SidecarInbox } from './stdio-inbox';
import {
  type SidecarCommand,
  type SidecarExit,
  type SidecarProcess,
  spawnSidecar,
  stderrSummary,
  stopSidecar,
} from './stdio-process';

/** What the supervisor reports about the sidecar. */
export type SidecarEvent =
  | { type: 'started'; pid: number; restarts: number }
  | ({ type: 'exited'; pid: number; expected: boolean } & SidecarExit)
  | { type: 'restarting'; attempt: number; delayMs: number }
  /** A restarted sidecar answered the replayed `initialize`: requests flow again. */
  | { type: 'restarted'; pid: number; restarts: number }
  | { type: 'gaveUp'; reason: string };

/** How the sidecar is supervised. */
export interface SidecarSupervision {
  /** Restarts allowed within `restartWindowMs` before giving up. Default 3. */
  maxRestarts?: number;
  /** Default 60 s. */
  restartWindowMs?: number;
  /** Delay before the first restart; doubles with each restart in the window. Default 250 ms. */
  restartDelayMs?: number;
  /** On close: how long the sidecar gets to exit after stdin closes, before SIGTERM and again before SIGKILL. Default 3 s. */
  stopGraceMs?: number;
  /** Hears every start, exit, restart and the final give-up. Must not throw. */
  onEvent?: (event: SidecarEvent) => void;
}

type Id = string | number;
type Wire = { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };

const REINIT_ID = '$/sidecar-reinitialize';

function describeExit(exit: SidecarExit): string {
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  const tail = stderrSummary(exit.stderrTail);
  return tail ? `${how}; its last stderr: ${tail}` : how;
}

/** A channel to a sidecar process that restarts it when it crashes. */
export class SidecarChannel implements IpcChannel {
  private readonly inbox = new SidecarInbox();
  private readonly inFlight = new Map<Id, { method: string; params: unknown }>();
  /** Open subscriptions: subscriptionId → terminalId. */
  private readonly subscriptions = new Map<string, string>();
  private readonly restarts: number[] = [];
  /** True while restart() brings up a new sidecar (its own deaths are restart()'s to retry). */
  private restarting = false;
  private initialize: JsonRpcMessage | undefined;
  private ready: Promise<SidecarProcess>;
  private reinitialized: ((message: Wire) => void) | undefined;
  private closing: Promise<void> | undefined;
  /** The first sidecar answered `initialize` (before that, a death is its start failing). */
  private started = false;

  private constructor(
    private readonly command: SidecarCommand,
    private readonly supervision: SidecarSupervision,
    first: SidecarProcess,
  ) {
    this.ready = Promise.resolve(first);
    this.watch(first, 0);
  }

  /** Starts the sidecar; rejects if it cannot be spawned. */
  static async start(command: SidecarCommand, supervision: SidecarSupervision = {}): Promise<SidecarChannel> {
    return new SidecarChannel(command, supervision, await spawnSidecar(command));
  }

  /** True once closed or given up. */
  get closed(): boolean {
    return this.inbox.closeError !== undefined;
  }

  /** Sends to the current sidecar, waiting for a restart in progress. */
  async send(message: JsonRpcMessage): Promise<void> {
    if (this.inbox.closeError) throw this.inbox.closeError;
    for (const m of (Array.isArray(message) ? message : [message]) as Wire[]) this.trackOutgoing(m);
    const sidecar = await this.ready.catch(() => {
      throw this.inbox.closeError ?? new ChannelClosedError();
    });
    try {
      await sidecar.channel.send(message);
    } catch (error) {
      // A sidecar that died under this send answers its requests with synthesized errors.
      if (this.closed) throw error;
    }
  }

  /** The next message from the sidecar (or synthesized for its crash). */
  receive(): Promise<JsonRpcMessage> {
    return this.inbox.receive();
  }

  /** Stops the sidecar: closes its stdin, then SIGTERM and SIGKILL if it lingers. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Iterates received messages until the channel closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<JsonRpcMessage> {
    for (;;) {
      try {
        yield await this.receive();
      } catch (error) {
        if (error === this.inbox.closeError) return;
        throw error;
      }
    }
  }

  private trackOutgoing(m: Wire): void {
    if (typeof m.method !== 'string' || (typeof m.id !== 'string' && typeof m.id !== 'number')) return;
    this.inFlight.set(m.id, { method: m.method, params: m.params });
    if (m.method === 'initialize') this.initialize = m as JsonRpcMessage;
  }

  private trackIncoming(m: Wire): void {
    if (m.method === 'terminal.exit') {
      const { subscriptionId } = (m.params ?? {}) as { subscriptionId?: string };
      if (subscriptionId !== undefined) this.subscriptions.delete(subscriptionId);
      return;
    }
    if (m.method !== undefined || (typeof m.id !== 'string' && typeof m.id !== 'number')) return;
    const request = this.inFlight.get(m.id);
    this.inFlight.delete(m.id);
    if (request?.method === 'initialize' && m.result !== undefined) this.started = true;
    if (request?.method === 'terminal.subscribe' && m.result) {
      const { subscriptionId } = m.result as { subscriptionId: string };
      this.subscriptions.set(subscriptionId, (request.params as { terminalId: string }).terminalId);
    } else if (request?.method === 'terminal.unsubscribe') {
      this.subscriptions.delete((request.params as { subscriptionId: string }).subscriptionId);
    }
  }

  /** Pumps the sidecar's messages into the inbox; handles its end once it exited and drained. */
  private watch(sidecar: SidecarProcess, restarts: number): void {
    this.emit({ type: 'started', pid: sidecar.pid, restarts });
    const drained = (async () => {
      for await (const message of sidecar.channel) {
        for (const m of (Array.isArray(message) ? message : [message]) as Wire[]) {
          if (m.id === REINIT_ID && m.method === undefined) this.reinitialized?.(m);
          else this.trackIncoming(m);
        }
        if ((message as Wire).id !== REINIT_ID) this.inbox.push(message);
      }
    })();
    void Promise.all([sidecar.exited, drained]).then(([exit]) => this.ended(sidecar, exit));
  }

  private ended(sidecar: SidecarProcess, exit: SidecarExit): void {
    const expected = this.closing !== undefined || this.closed;
    this.emit({ type: 'exited', pid: sidecar.pid, expected, ...exit });
    // A sidecar that dies while being restarted is restart()'s to retry (no request reached it).
    if (expected || this.restarting) return;
    const reason = `The orchflow sidecar (pid ${sidecar.pid}) died (${describeExit(exit)})`;
    if (!this.started) {
      // It never started: the same command would fail the same way (a bad flag exits 2).
      const error = new ChannelClosedError(
        `${reason} before it answered 'initialize'; it was not restarted: check its command line and its stderr`,
      );
      for (const [id] of this.inFlight) this.inbox.push(localFailure({ id }, error));
      this.inFlight.clear();
      this.ready = Promise.reject(error);
      this.ready.catch(() => undefined);
      this.giveUp(error.message);
      return;
    }
    // Local failures, not server answers: the sidecar said nothing, it died.
    for (const [id, request] of this.inFlight) {
      const lost = new ChannelClosedError(
        `${reason} while '${request.method}' ran; it is being restarted and its terminals are gone: spawn new ones and retry`,
      );
      this.inbox.push(localFailure({ id }, lost));
    }
    this.inFlight.clear();
    // The streams are cut, not ended: their terminals' own exit status was never reported.
    for (const subscriptionId of this.subscriptions.keys()) {
      const cut = new ChannelClosedError(`${reason}; the terminal's output stream was cut`);
      this.inbox.push(localFailure({ subscriptionId }, cut));
    }
    this.subscriptions.clear();
    this.ready = this.restart(reason);
    this.ready.catch(() => undefined);
  }

  /**
   * Starts a new sidecar and re-initializes it, within the restart budget; a new sidecar that dies
   * before answering `initialize` costs one restart and is retried.
   */
  private async restart(firstReason: string): Promise<SidecarProcess> {
    this.restarting = true;
    try {
      let reason = firstReason;
      for (;;) {
        await this.takeRestart(reason);
        let sidecar: SidecarProcess;
        try {
          sidecar = await spawnSidecar(this.command);
        } catch (error) {
          throw this.giveUp(`${reason}; restarting it failed: ${(error as Error).message}`);
        }
        this.watch(sidecar, this.restarts.length);
        const exit = this.initialize ? await this.reinitialize(sidecar) : undefined;
        if (exit === undefined) {
          this.emit({ type: 'restarted', pid: sidecar.pid, restarts: this.restarts.length });
          return sidecar;
        }
        reason = `The restarted orchflow sidecar (pid ${sidecar.pid}) died before answering 'initialize' (${describeExit(exit)})`;
      }
    } finally {
      this.restarting = false;
    }
  }

  /** Counts one restart against the budget and waits its backoff; gives up past the budget. */
  private async takeRestart(reason: string): Promise<void> {
    const window = this.supervision.restartWindowMs ?? 60_000;
    const now = Date.now();
    while (this.restarts.length > 0 && (this.restarts[0] ?? now) < now - window) this.restarts.shift();
    const max = this.supervision.maxRestarts ?? 3;
    if (this.restarts.length >= max) {
      throw this.giveUp(`${reason} and was already restarted ${max} times within ${window} ms; giving up`);
    }
    this.restarts.push(now);
    const delayMs = (this.supervision.restartDelayMs ?? 250) * 2 ** (this.restarts.length - 1);
    this.emit({ type: 'restarting', attempt: this.restarts.length, delayMs });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (this.closing) throw new ChannelClosedError();
  }

  /**
   * Replays the client's `initialize` so the new sidecar accepts the client's requests. Returns
   * how the sidecar ended if it died before answering; gives up if it refused.
   */
  private async reinitialize(sidecar: SidecarProcess): Promise<SidecarExit | undefined> {
    const answered = new Promise<Wire>((resolve) => {
      this.reinitialized = resolve;
    });
    await sidecar.channel
      .send({ ...(this.initialize as object), id: REINIT_ID } as JsonRpcMessage)
      .catch(() => undefined);
    const answer = await Promise.race([answered, sidecar.exited]);
    this.reinitialized = undefined;
    if (!('jsonrpc' in answer) && !('id' in answer)) return answer as SidecarExit;
    if ((answer as Wire).error !== undefined) {
      await stopSidecar(sidecar, 0).catch(() => undefined);
      throw this.giveUp(
        `The restarted sidecar refused 'initialize' (${JSON.stringify((answer as Wire).error)}); giving up`,
      );
    }
    return undefined;
  }

  private giveUp(reason: string): ChannelClosedError {
    const error = new ChannelClosedError(reason);
    this.inbox.close(error);
    this.emit({ type: 'gaveUp', reason });
    return error;
  }

  private async shutdown(): Promise<void> {
    this.inbox.close(new ChannelClosedError());
    const sidecar = await this.ready.catch(() => undefined);
    if (sidecar) await stopSidecar(sidecar, this.supervision.stopGraceMs ?? 3_000);
  }

  private emit(event: SidecarEvent): void {
    this.supervision.onEvent?.(event);
  }
}
