// execute() in a persistent PTY shell. Owns the marker parser over the PTY's bytes and the one
// command in flight: it types the encoded command once the shell reports "prompt ready", captures
// the bytes after "command start" and settles at "command done" — or from the shell's exit — only.
// Queueing is the caller's (Terminal's) job.
//
// When the hooks break, the session degrades instead of hanging:
// - a done marker without a start marker still completes the command (output from the Enter on);
// - a prompt marker after a start marker but without a done marker settles the command with
//   `integrationLost` (e.g. `PROMPT_COMMAND=`); the next typed line restores the hooks;
// - a shell that sits idle at a prompt without markers (`exec bash`) cannot be seen to finish:
//   its timeout settles it with `integrationLost` rather than killing the terminal, and later
//   commands are not typed into it (they time out, or are refused when they have no timeout).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, type ExecResult, type ExitInfo, OrchflowError } from '@orchflow/protocol';
import type { OutputPipeline } from '../output/pipeline';
import { readProcStat } from '../process/procfs';
import type { ShellKind } from '../spawn-options';
import { encodeCommand } from './encode';
import { type CommandBaseline, commandBaseline, ForegroundInterrupt } from './interrupt';
import { type MarkerEvent, MarkerParser } from './marker-parser';
import { type ExecOptions, execCancelled, terminalExited } from './options';
import { type CommandEnd, PtyCommand } from './pty-command';
import { Watchdog } from './watchdog';

/** What a shell session needs from the terminal that hosts it. */
export interface ShellSessionHost {
  kind: ShellKind;
  nonce: string;
  shellPid: number;
  /** Private directory for long command texts. */
  dir: string;
  initialCwd: string;
  pipeline: OutputPipeline;
  write(data: string): void;
  /** The shell ignores interrupts: kill the terminal. */
  killTerminal(): void;
}

/** The shell-integration protocol of one PTY shell. */
export class ShellSession {
  /** The shell's working directory as of the last "command done" marker. */
  cwd: string;
  private readonly parser: MarkerParser;
  private running: PtyCommand | undefined;
  /** The shell shows its prompt and nothing typed by hand runs. */
  private ready = false;
  /** The last command ended without the shell's markers, and none have come since. */
  private lost = false;
  private readyWaiters: Array<() => void> = [];
  private exitInfo: ExitInfo | undefined;
  private closing = false;
  private fileCounter = 0;
  /** What ran when the command in flight was typed. */
  private baseline: CommandBaseline | undefined;

  /** Starts parsing; the shell is ready once its first prompt marker arrives. */
  constructor(private readonly host: ShellSessionHost) {
    this.parser = new MarkerParser(host.nonce);
    this.cwd = host.initialCwd;
  }

  /** Resolves at the shell's first "prompt ready" marker. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Feeds raw PTY bytes: markers are consumed, everything else goes to the pipeline. */
  handleData(chunk: Uint8Array): void {
    for (const piece of this.parser.feed(chunk)) {
      if (piece.type === 'data') this.handleOutput(piece.bytes);
      else this.handleMarker(piece.marker);
    }
  }

  /**
   * The terminal is being killed: from now on the command in flight settles only at the exit
   * (`shellExited`), not from a done marker the dying shell may still print for its killed job.
   */
  beginShutdown(): void {
    this.closing = true;
  }

  /** The PTY has exited and drained: settles the command in flight. */
  handleExit(info: ExitInfo): void {
    const rest = this.parser.flush();
    if (rest.length > 0) this.handleOutput(rest);
    this.exitInfo = info;
    const run = this.running;
    if (run?.phase === 'waiting') {
      this.finish(run);
      run.reject(terminalExited(info));
    } else if (run) {
      this.settle(run, { exitCode: info.exitCode, signal: info.signal, shellExited: true });
    }
    for (const wake of this.readyWaiters.splice(0)) wake();
  }

  /**
   * Runs one command; the caller guarantees no other command is in flight. The command is typed
   * at the next prompt; its timeouts and signal count from now, so waiting for a program typed
   * by hand to end is bounded too.
   */
  execute(command: string, options: ExecOptions): Promise<ExecResult> {
    if (this.exitInfo) return Promise.reject(terminalExited(this.exitInfo));
    if (options.signal?.aborted) return Promise.reject(execCancelled(undefined));
    if (this.lost && !this.ready && options.timeoutMs === undefined && !options.signal) {
      return Promise.reject(
        new OrchflowError(
          ErrorCode.InvalidState,
          'The shell no longer reports when commands end (an earlier command replaced it or removed its ' +
            'prompt hooks), so this command would never complete; kill and respawn the terminal, or pass timeoutMs',
        ),
      );
    }
    const encoded = encodeCommand(this.host.kind, command, (text) => this.writeCommandFile(text));
    return new Promise<ExecResult>((resolve, reject) => {
      const offset = this.host.pipeline.endOffset;
      const run = new PtyCommand(encoded.line, encoded.file, options, offset, resolve, reject);
      this.running = run;
      run.watchdog = new Watchdog(options, () => this.stop(run));
      if (this.running === run && this.ready) this.type(run);
    });
  }

  private type(run: PtyCommand): void {
    run.phase = 'typed';
    run.restartCapture(this.host.pipeline.endOffset);
    this.ready = false;
    this.baseline = commandBaseline(this.host.shellPid);
    this.host.write(`${run.line}\r`);
  }

  private handleOutput(bytes: Uint8Array): void {
    const offset = this.host.pipeline.endOffset;
    this.host.pipeline.push(bytes);
    const run = this.running;
    if (run?.phase === 'typed') run.append(bytes, offset);
  }

  private handleMarker(marker: MarkerEvent): void {
    this.lost = false;
    const run = this.running?.phase === 'typed' ? this.running : undefined;
    if (marker.kind === 'start') {
      // A command runs — ours, or one typed by hand that execute() must not type into.
      this.ready = false;
      if (run) {
        run.sawStart = true;
        run.restartCapture(this.host.pipeline.endOffset);
      }
    } else if (marker.kind === 'done') {
      if (marker.cwd !== undefined) this.cwd = marker.cwd;
      if (run && !this.closing) this.settle(run, { exitCode: marker.status, signal: null });
    } else {
      // The prompt without a done marker: the command removed the hook that prints it.
      if (run?.sawStart && !this.closing) {
        this.lost = true;
        this.settle(run, { exitCode: null, signal: null, integrationLost: true });
      }
      this.ready = true;
      for (const wake of this.readyWaiters.splice(0)) wake();
      if (this.running?.phase === 'waiting') this.type(this.running);
    }
  }

  private stop(run: PtyCommand): void {
    if (this.running !== run) return;
    if (run.phase === 'waiting') {
      // Never typed: the shell is busy with something else, or no longer shows our prompt.
      this.settle(run, { exitCode: null, signal: null, integrationLost: this.lost });
      return;
    }
    run.interrupt ??= new ForegroundInterrupt({
      shellPid: this.host.shellPid,
      baseline: this.baseline,
      write: (data) => {
        if (data === '\x03') run.expectCtrlCEcho();
        this.host.write(data);
      },
      onWedged: () => this.wedged(run),
    });
  }

  /**
   * Every interrupt failed. A shell that is busy (a builtin loop ignoring SIGINT) is killed with
   * its terminal; a shell that sleeps is waiting for input at a prompt that prints no markers —
   * integration is lost, and killing the terminal would destroy a shell that still works.
   */
  private wedged(run: PtyCommand): void {
    if (this.running !== run) return;
    const state = readProcStat(this.host.shellPid)?.state;
    if (state === 'S') {
      this.lost = true;
      this.settle(run, { exitCode: null, signal: null, integrationLost: true });
    } else {
      this.host.killTerminal();
    }
  }

  private finish(run: PtyCommand): void {
    this.running = undefined;
    run.watchdog?.dispose();
    run.interrupt?.dispose();
    if (run.file) rmSync(run.file, { force: true });
  }

  private settle(run: PtyCommand, end: CommandEnd): void {
    this.finish(run);
    const result = run.result(end, this.cwd);
    if (run.watchdog?.stopReason !== 'cancelled') run.resolve(result);
    else run.reject(execCancelled(run.phase === 'typed' ? result : undefined));
  }

  private writeCommandFile(text: string): string {
    const path = join(this.host.dir, `command-${++this.fileCounter}`);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }
}
