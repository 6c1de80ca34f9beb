// Terminal lifecycle: spawning a session on the backend within the quotas, wiring its output and
// exit into events and plugin hooks, and killing it (whole process tree) out of the registry. A
// caller's ConnectionPolicy, when given, also guards the spawn, caps its agent's terminals and
// tightens the terminal's isolation. A terminal's output and command history reach the bus through
// taps attached only once someone listens for them: an untapped terminal makes no event object per
// output chunk nor a copy of its history per command, and holds no listener for them (~0.7 KB of
// heap each; "1000 concurrent terminals" in docs/performance.md).
import { resolve } from 'node:path';
import type { MuxBackend, MuxSession } from '@orchflow/mux';
import {
  AgentIdSchema,
  disposer,
  ErrorCode,
  type ExecutionMode,
  type ExitInfo,
  isOrchflowError,
  OrchflowError,
  type TerminalConfig,
  TerminalConfigSchema,
} from '@orchflow/protocol';
import type { IsolationLevel } from '@orchflow/security';
import { flatUuid } from '@orchflow/terminal/internal';
import type { ConnectionPolicy } from './connection-policy';
import { invalidParams, orchestratorShutDown } from './errors';
import type { EventBus } from './event-bus';
import { shellGroupAtPrompt, shellGroupOfAdopted } from './foreground';
import { outputEvent } from './output-event';
import type { PluginHost } from './plugins';
import { forwardCommands } from './recording/command-events';
import { type TerminalRecord, TerminalRegistry } from './registry';
import type { SecurityGate } from './security';

/** What the lifecycle needs from the orchestrator. */
export interface LifecycleDeps {
  backend: MuxBackend;
  registry: TerminalRegistry;
  events: EventBus;
  plugins: PluginHost;
  security: SecurityGate;
  executionMode: ExecutionMode;
  /** Put in front of generated terminal ids (`''` for none; validated by resolveOptions). */
  terminalIdPrefix: string;
  /** True once shutdown began: a session finishing its spawn then is killed at once. */
  stopping: () => boolean;
}

/** The taps a terminal record gets once someone listens: its output, its commands. */
type TapKind = 'output' | 'commands';

/** Spawns and kills registered terminals. */
export class TerminalLifecycle {
  /** Per kind of tap: true while a live terminal may lack it (see tapAll). */
  private readonly lacking: Record<TapKind, boolean> = { output: false, commands: false };

  /** A lifecycle over the orchestrator's backend, registry, events and plugins. */
  constructor(private readonly deps: LifecycleDeps) {
    deps.events.onListen('terminal.output', () => this.tapAll('output'));
    deps.events.onListen('terminal.command', () => this.tapAll('commands'));
  }

  /**
   * Spawns a session for `agentId` and registers it, held to `caller`'s policy too when given;
   * rejects with InvalidParams, PolicyDenied, QuotaExceeded, SpawnFailed.
   */
  async spawn(agentId: string, config: TerminalConfig, caller?: ConnectionPolicy): Promise<TerminalRecord> {
    const { backend, registry } = this.deps;
    if (!AgentIdSchema.safeParse(agentId).success) {
      throw invalidParams(`Invalid agent id ${JSON.stringify(agentId)}: use 1-256 printable characters`);
    }
    const checked = TerminalConfigSchema.safeParse(config);
    if (!checked.success) throw invalidParams(`Invalid terminal config: ${checked.error.message}`);
    const terminalConfig = this.guarded(
      agentId,
      { ...checked.data, mode: checked.data.mode ?? this.deps.executionMode },
      caller,
    );
    const id = flatUuid(this.deps.terminalIdPrefix);
    const { redactions } = this.deps.security;
    // Its secrets (secretEnv, the policies' secrets and patterns) are redacted at the source.
    const redaction = redactions.create(id, terminalConfig, caller?.policy);
    const release = registry.reserve(agentId, caller?.policy.maxTerminalsPerAgent);
    let session: MuxSession;
    try {
      const launch = this.deps.security.launchFor(
        terminalConfig,
        resolve(terminalConfig.cwd ?? process.cwd()),
        caller,
      );
      // Errors name cwd and shell as the caller gave them, not the guard's real paths (the server's
      // directory a relative cwd resolves against, where a symlink leads, the shell's PATH entry).
      session = await backend.createSession({
        id,
        agentId,
        config: terminalConfig,
        asGiven: { cwd: checked.data.cwd, shell: checked.data.shell },
        launch,
        redaction,
      });
    } catch (error) {
      redactions.forget(id);
      throw error;
    } finally {
      release();
    }
    if (this.deps.stopping()) {
      redactions.forget(id);
      await session.kill().catch(() => undefined);
      throw orchestratorShutDown();
    }
    const isolation = this.deps.security.isolationLevel(caller, terminalConfig.mode);
    const record = await this.register(session, agentId, Date.now(), isolation, shellGroupAtPrompt(session), {
      recording: terminalConfig.recording,
    });
    // Kept for the audit entries of its commands until it leaves the registry.
    if (redaction) record.disposers.push(disposer(() => redactions.forget(id)));
    return record;
  }

  /** `config` as the security policy lets it spawn; a refusal raises `security.alert` and throws PolicyDenied. */
  private guarded(
    agentId: string,
    config: TerminalConfig,
    caller: ConnectionPolicy | undefined,
  ): TerminalConfig {
    try {
      return this.deps.security.spawnConfig(config, caller);
    } catch (error) {
      const failure = OrchflowError.from(error);
      const data = (failure.data ?? {}) as { rule?: string };
      this.deps.events.emit('security.alert', {
        severity: 'warning',
        agentId,
        reason: failure.message,
        rule: data.rule,
      });
      throw new OrchflowError(failure.code, failure.message, { ...data, agentId });
    }
  }

  /**
   * Registers the live sessions a persistent backend already runs (left by an earlier process)
   * under their own ids and agents; they are announced like spawned terminals.
   */
  async adoptExisting(): Promise<TerminalRecord[]> {
    const { backend, registry } = this.deps;
    const adopted: TerminalRecord[] = [];
    for (const info of await backend.listSessions()) {
      if (registry.list().some((r) => r.id === info.id)) continue;
      const session = await backend.attach(info.id);
      adopted.push(
        await this.register(
          session,
          info.agentId,
          adoptedCreatedAt(info.createdAt),
          undefined,
          shellGroupOfAdopted(session),
        ),
      );
    }
    return adopted;
  }

  private async register(
    session: MuxSession,
    agentId: string,
    createdAt = Date.now(),
    isolation?: IsolationLevel,
    shellGroup?: number,
    spawned: { recording?: TerminalConfig['recording'] } = {},
  ): Promise<TerminalRecord> {
    const { backend, registry, events, plugins } = this.deps;
    const record: TerminalRecord = {
      id: session.id,
      agentId,
      session,
      backend: backend.name,
      createdAt,
      isolation,
      shellGroup,
      disposers: [],
      // Set later; here so that setting them needs no out-of-object property store.
      tapsOutput: false,
      tapsCommands: false,
      handle: undefined,
    };
    registry.add(record);
    // Its disposer is not kept (~0.15 KB a terminal): onExit ignores a record that left the
    // registry, as if the listener had been removed with it.
    session.onExit(this.exitListener(record));
    this.tap(record);
    // Its info is made for someone who hears of the spawn, else not at all.
    if (!events.wants('terminal.spawn') && plugins.size === 0) return record;
    const info = TerminalRegistry.info(record);
    events.emit(
      'terminal.spawn',
      spawned.recording === undefined ? { terminal: info } : { terminal: info, recording: spawned.recording },
    );
    await plugins.notify('onTerminalSpawn', info);
    return record;
  }

  /** Attaches the taps of `record` that someone listens for and it does not have yet. */
  private tap(record: TerminalRecord): void {
    const { events } = this.deps;
    if (!record.tapsOutput && events.wants('terminal.output')) {
      record.tapsOutput = true;
      record.disposers.push(
        record.session.onData((chunk) => {
          if (events.wants('terminal.output'))
            events.emit('terminal.output', outputEvent(record.id, record.agentId, chunk));
        }),
      );
    }
    if (!record.tapsCommands && events.wants('terminal.command')) {
      record.tapsCommands = true;
      record.disposers.push(forwardCommands(record, events));
    }
    // A terminal left without a tap is what tapAll looks for.
    if (!record.tapsOutput) this.lacking.output = true;
    if (!record.tapsCommands) this.lacking.commands = true;
  }

  // Someone started listening for `kind`: every live terminal gets the taps it lacks. Skipped
  // while every terminal has that tap (a listener added per terminal would otherwise scan them
  // all each time, also when nobody ever listens for the other kind).
  private tapAll(kind: TapKind): void {
    if (!this.lacking[kind]) return;
    this.lacking[kind] = false;
    for (const record of this.deps.registry.list()) {
      if (record.session.exitInfo === undefined) this.tap(record);
    }
  }

  /** Resizes a terminal and emits `terminal.resize`; returns the size now in effect. */
  resize(record: TerminalRecord, cols: number, rows: number): { cols: number; rows: number } {
    const { session } = record;
    session.resize(cols, rows);
    const size = { cols: session.cols, rows: session.rows };
    this.deps.events.emit('terminal.resize', { terminalId: record.id, agentId: record.agentId, ...size });
    return size;
  }

  /** Kills a terminal's process tree (if still live), removes it and resolves with how it ended. */
  async kill(record: TerminalRecord, signal?: NodeJS.Signals): Promise<ExitInfo> {
    if (!record.session.exitInfo) {
      try {
        await this.deps.backend.killSession(record.id, signal);
      } catch (error) {
        // The session exited between the check and the kill: fine, its exit is awaited below.
        if (!(isOrchflowError(error) && error.code === ErrorCode.TerminalNotFound)) throw error;
      }
    }
    const info = await record.session.exited;
    this.deps.registry.remove(record.id);
    return info;
  }

  // Made here, not in register: a closure there would keep its scopes alive with the terminal.
  private exitListener(record: TerminalRecord): (info: ExitInfo) => void {
    return (info) => this.onExit(record, info);
  }

  private onExit(record: TerminalRecord, info: ExitInfo): void {
    if (!this.deps.registry.has(record)) return;
    this.deps.registry.retainExited(record);
    this.deps.events.emit('terminal.exit', { terminalId: record.id, agentId: record.agentId, ...info });
    void this.deps.plugins.notify('onTerminalExit', TerminalRegistry.info(record), info.exitCode);
  }
}

/** When an adopted session was created; now when its metadata holds no valid date. */
function adoptedCreatedAt(createdAt: Date): number {
  const ms = createdAt.getTime();
  return Number.isFinite(ms) ? ms : Date.now();
}
