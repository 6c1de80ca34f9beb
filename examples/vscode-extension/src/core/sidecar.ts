// The sidecar's lifecycle: `orchflow serve --stdio` started on first use, restarted by the client's
// own supervision (bounded restarts with backoff) when it crashes, and stopped with the editor.
// This class turns the client's raw supervision events into a state an editor can show, counts
// sidecar generations (a restarted sidecar has none of the old one's terminals), and refuses work
// with a clear, typed error once the restart cap was hit.
import { OrchflowClient, type SidecarCommand, type SidecarEvent } from '@orchflow/client/node';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { z } from 'zod';

/** Where the sidecar is in its life. */
export type SidecarState = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';

/** A snapshot of the sidecar for status displays. */
export interface SidecarStatus {
  state: SidecarState;
  /** The live process id while `running`. */
  pid?: number;
  /** Restarts after crashes so far (reset by {@link SidecarSupervisor.restart}). */
  restarts: number;
  /** Why it is `failed`. */
  error?: string;
}

/** Options of {@link SidecarSupervisor}. */
export interface SidecarSupervisorOptions {
  /** How to start `orchflow serve --stdio`. */
  server: SidecarCommand;
  /** Crash restarts allowed within `restartWindowMs` before giving up. Default 3. */
  maxRestarts?: number;
  /** Default 60 s. */
  restartWindowMs?: number;
  /** First restart delay; doubles with each restart in the window. Default 250 ms. */
  restartDelayMs?: number;
  /** How long a stopping sidecar gets before SIGTERM, then SIGKILL. Default 3 s. */
  stopGraceMs?: number;
  /** The name sent in `initialize`. */
  clientName?: string;
  /** Hears every state change. Must not throw. */
  onStatus?: (status: SidecarStatus) => void;
}

const OptionsSchema = z.object({
  server: z.object({ command: z.string().min(1), args: z.array(z.string()).optional() }).loose(),
  maxRestarts: z.number().int().min(0).max(100).optional(),
  restartWindowMs: z.number().int().positive().optional(),
  restartDelayMs: z.number().int().min(0).optional(),
  stopGraceMs: z.number().int().min(0).optional(),
  clientName: z.string().min(1).optional(),
});

/** Starts, watches and stops one orchflow stdio sidecar for an editor. */
export class SidecarSupervisor {
  private connecting: Promise<OrchflowClient> | undefined;
  private current: OrchflowClient | undefined;
  private state: SidecarStatus = { state: 'stopped', restarts: 0 };
  private starts = 0;
  private latestPid: number | undefined;
  private readonly listeners = new Set<(status: SidecarStatus) => void>();

  constructor(private readonly options: SidecarSupervisorOptions) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Invalid sidecar options: ${z.prettifyError(parsed.error)}`,
        parsed.error.issues,
      );
    }
  }

  /** The current state (a copy). */
  get status(): SidecarStatus {
    return { ...this.state };
  }

  /** Increases with every sidecar process started; terminals belong to one generation. */
  get generation(): number {
    return this.starts;
  }

  /** Calls `listener` on every state change until the returned function is called. */
  onStatusChange(listener: (status: SidecarStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first status (now or later) that `predicate` accepts. */
  waitFor(predicate: (status: SidecarStatus) => boolean): Promise<SidecarStatus> {
    if (predicate(this.status)) return Promise.resolve(this.status);
    return new Promise((resolve) => {
      const stop = this.onStatusChange((status) => {
        if (!predicate(status)) return;
        stop();
        resolve(status);
      });
    });
  }

  /** The connected client, starting the sidecar if needed; fails with `Unavailable` once given up. */
  client(): Promise<OrchflowClient> {
    if (this.state.state === 'failed') return Promise.reject(this.failure());
    if (this.current && this.state.state !== 'stopped') return Promise.resolve(this.current);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Stops the sidecar (clean `$/shutdown`, stdin closed, then signals); resolves once it exited. */
  async stop(): Promise<void> {
    const client = this.current ?? (await this.connecting?.catch(() => undefined));
    this.current = undefined;
    if (client) await client.close();
    if (this.state.state !== 'failed') this.set({ state: 'stopped', restarts: this.state.restarts });
  }

  /** Stops whatever runs and forgets a give-up, so the next {@link client} starts afresh. */
  async restart(): Promise<OrchflowClient> {
    await this.stop();
    this.set({ state: 'stopped', restarts: 0 });
    return this.client();
  }

  private async connect(): Promise<OrchflowClient> {
    const { server, maxRestarts, restartWindowMs, restartDelayMs, stopGraceMs, clientName } = this.options;
    this.set({ state: 'starting', restarts: this.state.restarts });
    try {
      const client = await OrchflowClient.stdio({
        ...server,
        maxRestarts,
        restartWindowMs,
        restartDelayMs,
        stopGraceMs,
        clientInfo: { name: clientName ?? 'orchflow-editor', version: '0.0.0' },
        onEvent: (event) => this.heard(event),
      });
      this.current = client;
      this.set({ state: 'running', pid: this.latestPid, restarts: this.state.restarts });
      return client;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.set({
        state: 'failed',
        restarts: this.state.restarts,
        error: `Could not start orchflow: ${reason}`,
      });
      throw this.failure(error);
    }
  }

  private heard(event: SidecarEvent): void {
    const restarts = this.state.restarts;
    switch (event.type) {
      case 'started':
        this.starts += 1;
        this.latestPid = event.pid;
        // The first start is confirmed by connect()'s handshake; a restart once the client's
        // `initialize` was replayed to it, which a ping (queued behind the replay) proves.
        if (event.restarts > 0) this.confirmRestart(event.pid, restarts + 1);
        return;
      case 'exited':
        if (!event.expected) this.set({ state: 'restarting', restarts });
        return;
      case 'restarting':
        return;
      case 'gaveUp':
        this.current = undefined;
        this.set({ state: 'failed', restarts, error: event.reason });
        return;
    }
  }

  private confirmRestart(pid: number, restarts: number): void {
    this.current?.ping().then(
      () => {
        if (this.latestPid === pid && this.state.state === 'restarting')
          this.set({ state: 'running', pid, restarts });
      },
      () => undefined, // it died again: the next 'exited'/'gaveUp' event reports that
    );
  }

  private failure(cause?: unknown): OrchflowError {
    const reason = this.state.error ?? 'the sidecar failed';
    return new OrchflowError(
      ErrorCode.Unavailable,
      `${reason}. Fix the cause (see the sidecar's stderr above), then restart the sidecar.`,
      { reason: 'sidecar-failed' },
      { cause },
    );
  }

  private set(status: SidecarStatus): void {
    this.state = status;
    this.options.onStatus?.({ ...status });
    for (const listener of this.listeners) listener({ ...status });
  }
}
