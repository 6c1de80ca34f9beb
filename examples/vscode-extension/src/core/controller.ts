// The extension's behaviour, editor-independent: builds the sidecar supervisor and the agent
// terminal from the settings, routes the contributed commands, and reports each run to the
// host's output channel and status bar.
import type { SidecarCommand } from '@orchflow/client/node';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { z } from 'zod';
import { errorStatus, outcomeStatus, type RunOutcome, runFooter, runHeader, runningStatus } from './format';
import type { EditorHost } from './host';
import { COMMANDS, CommandRouter } from './router';
import { AgentTerminalRunner } from './runner';
import { SidecarSupervisor, type SidecarSupervisorOptions } from './sidecar';

/** The extension's settings (`orchflow.*` in package.json `contributes.configuration`). */
export const SettingsSchema = z.object({
  testCommand: z.string().trim().min(1).default('npm test'),
  serverCommand: z.array(z.string().min(1)).default([]),
  maxRestarts: z.number().int().min(0).max(100).default(3),
});
/** Validated settings. */
export type Settings = z.infer<typeof SettingsSchema>;

/** Options of {@link OrchflowController}. */
export interface ControllerOptions {
  /** The sidecar started when `serverCommand` is empty. */
  defaultServer: SidecarCommand;
  /** Supervision tuning beyond the settings (tests shorten the restart delay). */
  supervision?: Pick<SidecarSupervisorOptions, 'restartDelayMs' | 'restartWindowMs' | 'stopGraceMs'>;
}

/** Owns the sidecar and the agent terminal for one editor window. */
export class OrchflowController {
  /** The contributed commands, ready for the editor to bind. */
  readonly router = new CommandRouter();
  private session: { sidecar: SidecarSupervisor; runner: AgentTerminalRunner } | undefined;

  constructor(
    private readonly host: EditorHost,
    private readonly options: ControllerOptions,
  ) {
    this.router
      .register(COMMANDS.runTests, () => this.runTests())
      .register(COMMANDS.restartSidecar, () => this.restartSidecar());
  }

  /** The sidecar supervisor, once a command started it. */
  get sidecar(): SidecarSupervisor | undefined {
    return this.session?.sidecar;
  }

  /** Runs the configured test command; resolves with its outcome, or undefined after a reported failure. */
  async runTests(): Promise<RunOutcome | undefined> {
    let command = '(settings)';
    try {
      const settings = this.settings();
      command = settings.testCommand;
      const { runner } = this.ensureSession(settings);
      this.host.showOutput();
      this.host.append(runHeader(command, this.host.workspaceFolder(), new Date()));
      this.host.setStatus(runningStatus(command));
      const outcome = await runner.run(command, (text) => this.host.append(text));
      this.host.append(runFooter(outcome));
      this.host.setStatus(outcomeStatus(outcome));
      return outcome;
    } catch (error) {
      const message = `orchflow: '${command}' could not run: ${error instanceof Error ? error.message : String(error)}`;
      this.host.append(`\n[${message}]\n`);
      this.host.setStatus(errorStatus(message));
      this.host.showError(message);
      return undefined;
    }
  }

  /** Starts a fresh sidecar with the current settings (also after it gave up). */
  async restartSidecar(): Promise<void> {
    await this.dispose();
    const { sidecar } = this.ensureSession(this.settings());
    await sidecar.client();
    this.host.setStatus({
      text: 'orchflow: ready',
      tooltip: 'The orchflow sidecar was restarted',
      tone: 'idle',
    });
  }

  /** Stops the sidecar and its terminals; call from the editor's deactivate. */
  async dispose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.sidecar.stop();
  }

  private settings(): Settings {
    const parsed = SettingsSchema.safeParse(this.host.settings() ?? {});
    if (!parsed.success) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Invalid orchflow settings: ${z.prettifyError(parsed.error)}. Fix them in the settings (orchflow.*).`,
      );
    }
    return parsed.data;
  }

  private ensureSession(settings: Settings): NonNullable<OrchflowController['session']> {
    if (this.session) return this.session;
    const [command, ...args] = settings.serverCommand;
    const server = command ? { command, args } : this.options.defaultServer;
    const sidecar = new SidecarSupervisor({
      ...this.options.supervision,
      server,
      maxRestarts: settings.maxRestarts,
      clientName: 'orchflow-vscode-example',
      onStatus: (status) => {
        if (status.state === 'restarting') {
          this.host.append('\n[orchflow: the sidecar crashed; restarting it]\n');
        } else if (status.state === 'failed') {
          this.host.setStatus(errorStatus(status.error ?? 'the sidecar failed'));
        }
      },
    });
    const runner = new AgentTerminalRunner(sidecar, { cwd: this.host.workspaceFolder() });
    this.session = { sidecar, runner };
    return this.session;
  }
}
