// Stopping the command in flight when its watchdog fires (timeout, idle timeout, output limit,
// abort). A command never typed just settles; a typed one is interrupted (interrupt.ts), after
// noting whether it was blocked reading the terminal (`awaitingInput`); when every interrupt
// fails, the shell is judged: a busy one dies with its terminal, a sleeping one has lost its
// integration and is kept.
import { probeTerminal } from '../activity/probe';
import { readProcStat } from '../process/procfs';
import { type CommandBaseline, ForegroundInterrupt } from './interrupt';
import type { CommandEnd, PtyCommand } from './pty-command';

/** What stopping a command needs from the shell session that runs it. */
export interface CommandStopHost {
  /** The shell's pid; read each time, as the host may learn it only at the first prompt. */
  shellPid(): number;
  /** `run` is still the command in flight: a stop that outlived it does nothing. */
  isRunning(run: PtyCommand): boolean;
  /**
   * The kernel may be asked who reads the terminal: the host verifies (ShellSessionHost.verify),
   * the shell has shown its first prompt, and the terminal is not being killed.
   */
  canProbe(): boolean;
  /** The shell's markers are lost (no markers since a command ended without them). */
  integrationLost(): boolean;
  /** What ran when the command in flight was typed. */
  baseline(): CommandBaseline | undefined;
  write(data: string): void;
  killTerminal(): void;
  /** Settles `run` with `end`. */
  settle(run: PtyCommand, end: CommandEnd): void;
  /** Every interrupt failed at a shell that sleeps: it no longer prints markers. */
  loseIntegration(): void;
}

/** Stops the commands of one shell session. */
export class CommandStop {
  constructor(private readonly host: CommandStopHost) {}

  /** Stops `run`, if it is still in flight: settles it untyped, or interrupts it. */
  stop(run: PtyCommand): void {
    if (!this.host.isRunning(run)) return;
    if (run.phase === 'waiting') {
      // Never typed: the shell is busy with something else, or no longer shows our prompt.
      this.host.settle(run, { exitCode: null, signal: null, integrationLost: this.host.integrationLost() });
      return;
    }
    const reader = this.inputReader(run);
    if (reader !== 'shell') {
      if (reader === 'job') run.awaitingInput = true;
      this.interrupt(run);
      return;
    }
    // The shell reads the terminal: the command's `read x` — or the shell already waits at its
    // next prompt, the command's done marker still unread in the PTY. Once the output pending now
    // has been read (two turns of the event loop, as ActivityTracker.confirmShellRead), a shell
    // still reading with no done marker in is the command's.
    setImmediate(() =>
      setImmediate(() => {
        if (!this.host.isRunning(run)) return;
        if (this.inputReader(run) === 'shell') run.awaitingInput = true;
        this.interrupt(run);
      }),
    );
  }

  /**
   * Who is blocked reading the terminal while `run` runs (between its start and done markers):
   * a job of the command, the shell itself, or nobody — as `Terminal.activity()` tells
   * `awaiting_input` (activity/probe.ts). Nobody where the kernel cannot be asked.
   */
  private inputReader(run: PtyCommand): 'job' | 'shell' | undefined {
    if (!this.host.canProbe() || !run.sawStart || run.done) return undefined;
    const view = probeTerminal(this.host.shellPid());
    if (!view?.readingTerminal) return undefined;
    return view.jobHolds ? 'job' : 'shell';
  }

  /** Interrupts the command in flight (once): SIGINT to its job, or ^C to the shell, escalating. */
  private interrupt(run: PtyCommand): void {
    run.interrupt ??= new ForegroundInterrupt({
      shellPid: this.host.shellPid(),
      baseline: this.host.baseline(),
      // Before its start marker the line may still be unread, and a ^C would flush it (see
      // interrupt.ts); a shell that lost its hooks sends none, so it is not waited for.
      commandStarted: () => run.sawStart || this.host.integrationLost(),
      write: (data) => {
        if (data === '\x03') run.expectCtrlCEcho();
        this.host.write(data);
      },
      onWedged: () => this.wedged(run),
      // The rest of the command line must not run after the timed-out job: only ending the shell stops it.
      onUninterruptible: () => {
        if (this.host.isRunning(run)) this.host.killTerminal();
      },
    });
  }

  /**
   * Every interrupt failed. A shell that is busy (a builtin loop ignoring SIGINT) is killed with
   * its terminal; a shell that sleeps is waiting for input at a prompt that prints no markers —
   * integration is lost, and killing the terminal would destroy a shell that still works.
   */
  private wedged(run: PtyCommand): void {
    if (!this.host.isRunning(run)) return;
    const state = readProcStat(this.host.shellPid())?.state;
    if (state === 'S') {
      this.host.loseIntegration();
      this.host.settle(run, { exitCode: null, signal: null, integrationLost: true });
    } else {
      this.host.killTerminal();
    }
  }
}
