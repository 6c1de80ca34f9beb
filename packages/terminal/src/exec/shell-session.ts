// execute() in a persistent PTY shell. Owns the marker parser over the PTY's bytes and the one
// command in flight: it types the encoded command once the shell is at its prompt, captures the
// bytes after "command start" and settles at "command done" — or from the shell's exit — only.
// Viewers see the command as written in place of the typed line's echo (typed-echo.ts).
// Queueing is the caller's (Terminal's) job. Every command the shell runs — each execute(), and
// each line typed at its prompt through noteInput — goes into the session's history (ShellHistory).
//
// Completion nobody can forge (docs/terminal.md): markers must carry the terminal's key, which
// reaches the shell through the terminal at startup and is in no file, argv or environment a
// program could read; and the command's own token, so markers of an earlier command (a forged
// early end, its real end arriving late) never end a later one. A done marker is believed only
// when the kernel says the shell holds the terminal (prompt-check.ts); the cwd comes from /proc.
//
// The hooks are readonly where the shell allows (bash, and zsh's hook arrays, sh's PS1). When they
// break anyway, the session degrades instead of hanging: a shell that sits idle at a prompt
// without markers (`exec bash`, `unfunction` in zsh) cannot be seen to finish: its timeout settles
// it with `integrationLost` rather than killing the terminal, and later commands are not typed
// into it (they time out, or are refused when they have no timeout).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, type ExecResult, type ExitInfo, OrchflowError } from '@orchflow/protocol';
import { ShellHistory } from '../history/shell-history';
import type { OutputPipeline } from '../output/pipeline';
import { RedactingSink, type TerminalRedaction } from '../output/redaction';
import { createToken } from '../shell-integration/marker-format';
import type { ShellKind } from '../spawn-options';
import { CommandStop } from './command-stop';
import { encodeCommand } from './encode';
import { CommandEnvFile } from './env-file';
import { type CommandBaseline, commandBaseline } from './interrupt';
import { typeKeyWhenReading } from './key-handoff';
import { type MarkerEvent, MarkerParser } from './marker-parser';
import { type ExecOptions, execCancelled, terminalExited } from './options';
import { shellCwd, shellState } from './prompt-check';
import { PromptGate, recheckDelayMs } from './prompt-gate';
import { type CommandEnd, PtyCommand } from './pty-command';
import { TypedEcho } from './typed-echo';
import { Watchdog } from './watchdog';

// A shell that is busy right after its done marker (still printing its prompt, or about to start
// a job) is asked again (recheckDelayMs) until it waits for input, a job takes the terminal, or a
// newer marker comes. Never believed while busy: a shell made to print the marker could otherwise
// spin in a loop until the marker is accepted.

type DoneMarker = Extract<MarkerEvent, { kind: 'done' }>;

/** What a shell session needs from the terminal that hosts it. */
export interface ShellSessionHost {
  kind: ShellKind;
  /** The terminal's key (see marker-format). */
  nonce: string;
  /** The shell has not been given its key yet: answer its key request (a new shell, not a resumed one). */
  awaitingKey: boolean;
  /**
   * Check done markers against the kernel (prompt-check.ts). False where the shell is not a
   * process this host can see — a container's shell behind its engine's client.
   */
  verify: boolean;
  /** Called once, at the first prompt, before anything is typed (the host learns the shell's pid). */
  onFirstPrompt?(): void;
  shellPid: number;
  /** Private directory for long command texts. */
  dir: string;
  initialCwd: string;
  pipeline: OutputPipeline;
  /** Secrets to redact from the display bytes before they reach the pipeline (none: bytes go straight in). */
  redaction?: TerminalRedaction;
  /** How long a held possible start of a secret waits before it is released (default: one batch). */
  redactionHoldMs?: number;
  /**
   * The shell reads typed lines with its line editor, a character at a time (zsh's zle, bash's
   * readline with TerminalConfig.lineEditing): a command's own variables then go through a file
   * rather than on the line. Otherwise the tty's line discipline reads them (cooked mode).
   */
  lineEditing?: boolean;
  write(data: string): void;
  /** The shell ignores interrupts: kill the terminal. */
  killTerminal(): void;
}

/** The shell-integration protocol of one PTY shell. */
export class ShellSession {
  /** The shell's working directory as of the last "command done" marker. */
  cwd: string;
  /** The commands this shell ran: execute()s and lines typed at its prompt (secrets redacted). */
  readonly history: ShellHistory;
  private readonly parser: MarkerParser;
  private running: PtyCommand | undefined;
  /** When the shell may be typed to (prompt-gate.ts). */
  private readonly prompt = new PromptGate({
    shellState: () => (this.host.verify ? shellState(this.host.shellPid) : undefined),
    // Nothing is typed into a shell that is exiting or being killed: its command never ran.
    onReady: () => {
      if (this.running?.phase === 'waiting' && !this.closing && !this.exitInfo) this.type(this.running);
    },
  });
  /** The shell has shown its first prompt: from then on, markers are checked against the kernel. */
  private started = false;
  /** The last command ended without the shell's markers, and none have come since. */
  private lost = false;
  private exitInfo: ExitInfo | undefined;
  private closing = false;
  private fileCounter = 0;
  private readonly envFile: CommandEnvFile;
  /** What ran when the command in flight was typed. */
  private baseline: CommandBaseline | undefined;
  /** Viewers see the command as written, not the echo of the line typed for it (typed-echo.ts). */
  private readonly echo = new TypedEcho((bytes) => this.emit(bytes));
  /** Display bytes pass through it when the terminal has secrets; undefined keeps the plain path. */
  private readonly redacting: RedactingSink | undefined;
  /** Stops the command in flight when its watchdog fires (command-stop.ts). */
  private readonly stopper = new CommandStop({
    shellPid: () => this.host.shellPid,
    isRunning: (run) => this.running === run,
    canProbe: () => this.host.verify && this.started && !this.closing,
    integrationLost: () => this.lost,
    baseline: () => this.baseline,
    write: (data) => this.host.write(data),
    killTerminal: () => this.host.killTerminal(),
    settle: (run, end) => this.settle(run, end),
    loseIntegration: () => {
      this.lost = true;
    },
  });

  /** Starts parsing; the shell is ready once its first prompt marker arrives. */
  constructor(private readonly host: ShellSessionHost) {
    this.envFile = new CommandEnvFile(host.dir);
    this.parser = new MarkerParser(host.nonce);
    this.parser.acceptKeyRequest = host.awaitingKey;
    this.cwd = host.initialCwd;
    const { redaction } = host;
    this.history = new ShellHistory(redaction && ((text) => redaction.redact(text)));
    this.redacting =
      redaction && new RedactingSink(redaction, (bytes) => this.deliver(bytes), host.redactionHoldMs);
  }

  /**
   * For `Terminal.activity()`: the shell's pid where the kernel can be asked about it (not a
   * container's shell, whose /proc is elsewhere), and whether the typed command runs — between
   * its start and done markers, when a `read` of the shell itself is the command's.
   */
  activityView(): { shellPid: number | undefined; commandRunning: boolean } {
    const run = this.running;
    return {
      shellPid: this.host.verify && this.started ? this.host.shellPid : undefined,
      commandRunning: run?.phase === 'typed' && run.sawStart && !run.done && !this.closing,
    };
  }

  /** Resolves at the shell's first "prompt ready" marker, or at its exit (startPtyHost relies on it). */
  whenReady(): Promise<void> {
    return this.prompt.whenReady();
  }

  /** Feeds raw PTY bytes: markers are consumed, everything else goes to the pipeline. */
  handleData(chunk: Uint8Array): void {
    for (const piece of this.parser.feed(chunk)) {
      if (piece.type === 'data') this.handleOutput(piece.bytes);
      else this.handleMarker(piece.marker);
    }
  }

  /**
   * Someone else typed into the terminal (`Terminal.write`). A line ending there may start a
   * command at the prompt, so nothing is typed until the shell's next done marker says it is at
   * its prompt again. (There is no keyless marker for "a command typed by hand starts": anyone
   * could print one.)
   */
  noteInput(data: string | Uint8Array): void {
    const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    // `ready` says the shell is at its prompt with nothing typed or in flight.
    this.history.typed(data, this.prompt.ready && !this.closing && !this.exitInfo, this.cwd);
    // Whatever a line starts, it is its done marker that says the prompt is back. An interrupt at
    // the prompt: handling it, the shell throws away what it has read of the next line (zsh's zle
    // too, even a first byte read just before), so nothing is typed until the prompt it shows after.
    this.prompt.typedByHand(text);
    // Its echo would mix with the typed line's: show both as they come.
    this.echo.release();
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
    if (this.redacting) {
      // The last bytes, held echo included, go out before the command settles.
      this.echo.release();
      this.redacting.flush();
    }
    this.exitInfo = info;
    this.envFile.close();
    this.history.promptReturned(info.exitCode);
    const run = this.running;
    if (run?.phase === 'waiting') {
      this.finish(run);
      run.reject(terminalExited(info));
    } else if (run) {
      this.settle(run, {
        exitCode: info.exitCode,
        signal: info.signal,
        shellExited: true,
        sayGoodbye: this.host.kind === 'bash',
      });
    }
    this.prompt.exited();
  }

  /**
   * Runs one command; the caller guarantees no other command is in flight. The command is typed
   * at the next prompt; its timeouts and signal count from now, so waiting for a program typed
   * by hand to end is bounded too.
   */
  execute(command: string, options: ExecOptions): Promise<ExecResult> {
    if (this.exitInfo) return Promise.reject(terminalExited(this.exitInfo));
    if (options.signal?.aborted) return Promise.reject(execCancelled(undefined));
    if (this.lost && !this.prompt.ready && options.timeoutMs === undefined && !options.signal) {
      return Promise.reject(
        new OrchflowError(
          ErrorCode.InvalidState,
          'The shell no longer reports when commands end (an earlier command replaced it or removed its ' +
            'prompt hooks), so this command would never complete; kill and respawn the terminal, or pass timeoutMs',
        ),
      );
    }
    const token = createToken();
    const write = (text: string): string => this.writeCommandFile(text);
    const writeEnv = (text: string) => this.envFile.write(text);
    const encoded = encodeCommand(this.host.kind, command, token, write, options.env, {
      write: writeEnv,
      typed: !this.host.lineEditing,
    });
    return new Promise<ExecResult>((resolve, reject) => {
      const offset = this.host.pipeline.endOffset;
      // The bytes were redacted on the way in; this catches a secret that only escape sequences
      // kept apart there (`rg` colouring its match) and that cleaning the output joined again.
      const { redaction } = this.host;
      const settle = redaction
        ? (result: ExecResult) => resolve({ ...result, stdout: redaction.redact(result.stdout) })
        : resolve;
      const run = new PtyCommand(token, encoded.line, encoded.file, options, offset, settle, reject);
      run.command = command;
      run.shell = this.host.kind;
      this.running = run;
      run.watchdog = new Watchdog(options, () => this.stopper.stop(run));
      if (this.running === run && this.prompt.ready) this.type(run);
    });
  }

  private type(run: PtyCommand): void {
    this.history.executeTyped(run.command, this.cwd);
    run.phase = 'typed';
    run.restartCapture(this.host.pipeline.endOffset);
    const lead = this.prompt.commandTyped();
    this.baseline = commandBaseline(this.host.shellPid);
    // A shell that lost its hooks sends no start marker to end the hold.
    if (!this.lost) this.echo.begin(run.line, run.token, run.command);
    // Without a line editor the tty ends the line: LF does even when a program left the tty
    // without CR-to-LF mapping (`stty -icrnl`, a raw-mode program that crashed).
    this.host.write(`${lead}${run.line}${this.host.lineEditing ? '\r' : '\n'}`);
  }

  private handleOutput(bytes: Uint8Array): void {
    if (this.echo.holding) this.echo.hold(bytes);
    else this.emit(bytes);
  }

  /** Display bytes: through the redaction (if any), then {@link deliver}. */
  private emit(bytes: Uint8Array): void {
    if (this.redacting) this.redacting.push(bytes);
    else this.deliver(bytes);
  }

  /** Display bytes (redacted): into the scrollback, and the typed command's capture. */
  private deliver(bytes: Uint8Array): void {
    const offset = this.host.pipeline.endOffset;
    this.host.pipeline.push(bytes);
    const run = this.running;
    if (run?.phase === 'typed') run.append(bytes, offset);
  }

  private handleMarker(marker: MarkerEvent): void {
    // No secret spans a marker: what is held goes out before the marker takes effect.
    this.redacting?.flush();
    // Only during startup, once: later requests are printed output like any other.
    this.parser.acceptKeyRequest = false;
    if (marker.kind === 'keyRequest') {
      this.answerKeyRequest();
      return;
    }
    // A keyed marker that arrived damaged tells nothing reliable; it is only kept out of the output.
    if (marker.kind === 'garbled') return;
    const typed = this.running?.phase === 'typed' && !this.closing ? this.running : undefined;
    const run = this.markerOwner(marker, typed);
    // zsh's preexec prints a start marker with the previous token before the arm runs.
    if (marker.kind === 'start') {
      if (run) this.echo.show();
    } else this.echo.release();
    // The echo just shown went through the redaction too.
    this.redacting?.flush();
    if (run?.recheck) {
      clearTimeout(run.recheck);
      run.recheck = undefined;
    }
    if (marker.kind === 'start') this.startMarker(run);
    else this.doneMarker(marker, run, typed);
  }

  private answerKeyRequest(): void {
    const { kind, shellPid, nonce } = this.host;
    typeKeyWhenReading({
      kind,
      shellPid,
      nonce,
      write: (d) => this.host.write(d),
      exited: () => !!this.exitInfo,
    });
  }

  /**
   * The typed command a start or done marker belongs to, if any. Markers of another command (an
   * earlier one, or one typed by hand) never settle this one — except a done marker after the
   * interrupt typed ^C before the shell took the line: the ^C flushed the line from the terminal's
   * input unread (or the shell dropped it before running its arm), and the prompt it redrew
   * carries the previous token. Still checked with the kernel.
   */
  private markerOwner(
    marker: Extract<MarkerEvent, { kind: 'start' | 'done' }>,
    typed: PtyCommand | undefined,
  ): PtyCommand | undefined {
    const dropped = marker.kind === 'done' && typed?.ctrlCTyped === true && !typed.sawStart;
    return typed?.token === marker.token || dropped ? typed : undefined;
  }

  /** A start marker: the shell runs a line; `run` when it is the command in flight's. */
  private startMarker(run: PtyCommand | undefined): void {
    this.prompt.commandStarted();
    if (!run) return;
    // The arm read the command's env file before printing its marker (zsh's preexec prints
    // one with the previous token before the arm runs: that one is not run's).
    this.envFile.clear();
    run.sawStart = true;
    run.done = undefined;
    run.restartCapture(this.host.pipeline.endOffset);
    // An interrupt waiting for the shell to take the line goes on now.
    run.interrupt?.commandStarted();
    run.started();
  }

  /**
   * A done marker: `run` (the command it ends) settles once the kernel agrees. With no command
   * typed, the shell's prompt is back (its first, or after a line typed by hand) — unless a job
   * holds the terminal: then the shell is not at its prompt, whoever printed the marker.
   */
  private doneMarker(marker: DoneMarker, run: PtyCommand | undefined, typed: PtyCommand | undefined): void {
    this.lost = false;
    // A newer marker: whatever it says replaces the prompt that was waited on.
    this.prompt.markerSeen();
    if (run) {
      // Read by now, or never to be (a line ^C dropped before its arm ran).
      this.envFile.clear();
      // A newer done marker: the earlier one was not the end, and what followed it is output.
      run.releaseHeld();
      run.done = { status: marker.status, cwd: marker.cwd };
      this.verifyDone(run, 0);
    } else if (!typed && (!this.started || !this.host.verify || shellState(this.host.shellPid) !== 'job')) {
      this.promptShown(marker);
    }
  }

  /** The shell is at its prompt with no execute() in flight. */
  private promptShown(marker: DoneMarker): void {
    // Before the first prompt no command has run that could print a marker; and a shell
    // started by a wrapper is not known by its pid until then (see pty-host).
    const first = !this.started;
    if (first) {
      this.started = true;
      this.host.onFirstPrompt?.();
    }
    this.history.promptReturned(marker.status);
    this.cwd = (this.host.verify ? shellCwd(this.host.shellPid) : undefined) ?? marker.cwd ?? this.cwd;
    this.prompt.promptShown(first);
  }

  /**
   * The done marker of the command in flight: settle it if the kernel agrees that the shell holds
   * the terminal. A foreground job still holding it means the marker was printed on the shell's
   * behalf while its command runs: it is dropped, and the real one will follow. A busy shell is
   * asked again shortly (it may be about to start a job).
   */
  private verifyDone(run: PtyCommand, attempt: number): void {
    run.recheck = undefined;
    if (this.running !== run || !run.done) return;
    const state = this.host.verify ? shellState(this.host.shellPid) : 'unknown';
    if (state === 'job') {
      run.releaseHeld();
      run.done = undefined;
      return;
    }
    if (state === 'busy') {
      run.recheck = setTimeout(() => this.verifyDone(run, attempt + 1), recheckDelayMs(attempt));
      return;
    }
    const cwd = this.host.verify ? shellCwd(this.host.shellPid) : undefined;
    this.cwd = cwd ?? run.done.cwd ?? this.cwd;
    // Ready first: the output listeners settle() runs may type (a ^C the gate must know about).
    this.prompt.commandDone();
    this.settle(run, { exitCode: run.done.status, signal: null });
  }

  private finish(run: PtyCommand): void {
    this.echo.release();
    this.redacting?.flush();
    this.running = undefined;
    clearTimeout(run.recheck);
    run.watchdog?.dispose();
    run.interrupt?.dispose();
    if (run.file) rmSync(run.file, { force: true });
  }

  private settle(run: PtyCommand, end: CommandEnd): void {
    this.finish(run);
    const result = run.result(end, this.cwd);
    if (run.phase === 'typed') this.history.executeEnded(result.exitCode);
    try {
      // Whoever listens to the terminal's output hears all of the command's before its result.
      // Listeners are the caller's code: they run once the session's state is settled, and one
      // that throws cannot leave the command unsettled.
      this.host.pipeline.flush();
    } finally {
      if (run.watchdog?.stopReason !== 'cancelled') run.resolve(result);
      else run.reject(execCancelled(run.phase === 'typed' ? result : undefined));
    }
  }

  private writeCommandFile(text: string): string {
    const path = join(this.host.dir, `command-${++this.fileCounter}`);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }
}
