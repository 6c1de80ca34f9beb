// Plugins: the hook types and the host that runs them in registration order. The host is fail
// closed for `onCommandExecute`: a plugin that throws, times out, answers nonsense or failed its
// `onInit` denies the command. Observer hooks (spawn, exit) cannot block anything; their failures
// are reported and otherwise ignored, so no plugin can crash the orchestrator.
import type { TerminalInfo } from '@orchflow/protocol';
import type { PolicyDecision } from '@orchflow/security';
import type { Orchestrator } from './orchestrator';

/** What `onInit` receives. */
export interface PluginContext {
  /** The orchestrator the plugin was registered with. */
  orchestrator: Orchestrator;
  /**
   * Reports a failure of the plugin's own background work (e.g. a recording's write error) as a
   * `plugin.error` event under the plugin's name and `hook`. Absent when a host calls `onInit` itself.
   */
  reportError?(hook: string, error: unknown): void;
}

/** The command a plugin is asked to admit. */
export interface CommandContext {
  command: string;
  terminalId: string;
  agentId: string;
  /** The terminal's working directory when the command was admitted. */
  cwd?: string;
  /** The security policy's verdict (allowed; with the programs found), when a policy is set. */
  decision?: PolicyDecision;
}

/** A plugin's answer: `false` or `{ allow: false, reason }` blocks the command. */
export type PluginVerdict = boolean | { allow: boolean; reason?: string };

/** An orchflow plugin; every hook is optional and hooks run in registration order. */
export interface OrchflowPlugin {
  /** Name (used in errors and alerts) and version. */
  metadata: { name: string; version: string };
  /** Runs once when the orchestrator starts; a plugin whose init fails denies every command. */
  onInit?(ctx: PluginContext): Promise<void> | void;
  /** Runs after a terminal was spawned. */
  onTerminalSpawn?(terminal: TerminalInfo): Promise<void> | void;
  /** Admits or blocks a command before it runs. */
  onCommandExecute?(cmd: CommandContext): Promise<PluginVerdict> | PluginVerdict;
  /** Runs after a terminal exited, with its exit code (null when a signal ended it). */
  onTerminalExit?(terminal: TerminalInfo, code: number | null): Promise<void> | void;
}

/** A plugin's refusal, as the admission step reports it. */
export interface PluginDenial {
  plugin: string;
  reason: string;
  /** True when the plugin failed (threw, timed out, bad answer) rather than refused. */
  failed: boolean;
}

/** How the host reports a failing observer hook. */
export type PluginErrorReporter = (plugin: string, hook: string, error: unknown) => void;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(work: () => Promise<T> | T, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    timer.unref?.();
    Promise.resolve()
      .then(work)
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}

/** Runs plugin hooks in registration order. */
export class PluginHost {
  private readonly initFailures = new Map<string, string>();

  /** Hosts `plugins`; hooks get `timeoutMs` each. */
  constructor(
    private readonly plugins: readonly OrchflowPlugin[],
    private readonly timeoutMs: number,
    private readonly report: PluginErrorReporter,
  ) {}

  /** How many plugins are registered. */
  get size(): number {
    return this.plugins.length;
  }

  /** Names of the registered plugins, in order. */
  get names(): string[] {
    return this.plugins.map((p) => p.metadata.name);
  }

  /** Runs every `onInit` in order; never rejects (a failed plugin is remembered and fails closed). */
  async init(ctx: PluginContext): Promise<void> {
    for (const plugin of this.plugins) {
      if (!plugin.onInit) continue;
      const name = plugin.metadata.name;
      try {
        const own: PluginContext = { ...ctx, reportError: (hook, error) => this.report(name, hook, error) };
        await withTimeout(() => plugin.onInit?.(own), this.timeoutMs, `Plugin '${name}' onInit`);
      } catch (error) {
        this.initFailures.set(name, message(error));
        this.report(name, 'onInit', error);
      }
    }
  }

  /** The first plugin that blocks `cmd`, or undefined when every plugin allows it. */
  async admit(cmd: CommandContext): Promise<PluginDenial | undefined> {
    for (const plugin of this.plugins) {
      const name = plugin.metadata.name;
      const initFailure = this.initFailures.get(name);
      if (initFailure !== undefined) {
        return { plugin: name, reason: `plugin failed to initialise: ${initFailure}`, failed: true };
      }
      if (!plugin.onCommandExecute) continue;
      let verdict: unknown;
      try {
        verdict = await withTimeout(
          () => plugin.onCommandExecute?.({ ...cmd }),
          this.timeoutMs,
          `Plugin '${name}' onCommandExecute`,
        );
      } catch (error) {
        return { plugin: name, reason: `plugin threw: ${message(error)}`, failed: true };
      }
      if (verdict === true) continue;
      if (verdict === false) return { plugin: name, reason: 'blocked by plugin', failed: false };
      if (
        typeof verdict === 'object' &&
        verdict !== null &&
        typeof (verdict as { allow?: unknown }).allow === 'boolean'
      ) {
        const { allow, reason } = verdict as { allow: boolean; reason?: unknown };
        if (allow) continue;
        return {
          plugin: name,
          reason: typeof reason === 'string' && reason ? reason : 'blocked by plugin',
          failed: false,
        };
      }
      return {
        plugin: name,
        reason: `plugin returned an invalid verdict (${String(verdict)})`,
        failed: true,
      };
    }
    return undefined;
  }

  /** Runs an observer hook on every plugin in order; failures are reported, never thrown. */
  async notify<K extends 'onTerminalSpawn' | 'onTerminalExit'>(
    hook: K,
    ...args: Parameters<NonNullable<OrchflowPlugin[K]>>
  ): Promise<void> {
    for (const plugin of this.plugins) {
      const fn = plugin[hook] as ((...a: unknown[]) => Promise<void> | void) | undefined;
      if (!fn) continue;
      const name = plugin.metadata.name;
      try {
        await withTimeout(() => fn.apply(plugin, args), this.timeoutMs, `Plugin '${name}' ${hook}`);
      } catch (error) {
        this.report(name, hook, error);
      }
    }
  }
}
