// One execute() in a PTY shell as the session tracks it: waiting for the prompt, then typed; the
// output captured since the last start marker; the interrupt's own `^C` echoes, which are dropped
// from the capture; and how its ExecResult is built once the session knows how it ended.
import { TextDecoder } from 'node:util';
import type { ExecResult } from '@orchflow/protocol';
import type { ShellKind } from '../spawn-options';
import { OutputCapture } from './capture';
import { cleanTerminalOutput } from './clean';
import type { ForegroundInterrupt } from './interrupt';
import type { ExecOptions } from './options';
import type { Watchdog } from './watchdog';

/** How a command ended, as far as the session could tell. */
export interface CommandEnd {
  exitCode: number | null;
  signal: string | null;
  shellExited?: boolean;
  /** The shell said `exit` (or `logout`) as it left, as interactive bash does: not the command's output. */
  sayGoodbye?: boolean;
  /** Ended without a done marker: the shell's hooks are gone (see ExecResult.integrationLost). */
  integrationLost?: boolean;
}

const CTRL_C_ECHO = Buffer.from('^C');
// Output held back after a done marker that is not confirmed yet. A real one is followed by the
// prompt only; past this much, the bytes are the command's output and go into the capture.
const MAX_HELD_BYTES = 64 * 1024;

/** A command from the moment execute() was called until it settles. */
export class PtyCommand {
  /** `waiting` for a prompt to type at, then `typed`. */
  phase: 'waiting' | 'typed' = 'waiting';
  /** A start marker with this command's token came after the line was typed. */
  sawStart = false;
  /** The latest done marker with this command's token, while the kernel check confirms it. */
  done: { status: number; cwd: string | undefined } | undefined;
  /** A re-check of the shell's state is scheduled (see ShellSession.verifyDone). */
  recheck: NodeJS.Timeout | undefined;
  readonly startedAt = performance.now();
  outputOffset: number;
  watchdog: Watchdog | undefined;
  interrupt: ForegroundInterrupt | undefined;
  /** The interrupt has typed ^C to the shell (see ShellSession.markerOwner). */
  ctrlCTyped = false;
  /** The command as the caller wrote it: viewers see it in place of the typed line (typed-echo.ts). */
  command = '';
  /** The shell it runs in: zsh reports some interrupted lines differently (see {@link result}). */
  shell: ShellKind = 'sh';
  /** It was stopped (timeout, idle timeout, cancel) while blocked reading the terminal. */
  awaitingInput = false;
  private captured: OutputCapture;
  private decoder = new TextDecoder();
  private pendingCtrlC = 0;
  private held: Array<{ bytes: Uint8Array; offset: number }> = [];
  private heldBytes = 0;
  private announced = false;

  /** A command to run with `options`; `offset` is the scrollback end when it was queued. */
  constructor(
    /** Fresh per command: only markers carrying it can end this command. */
    readonly token: string,
    readonly line: string,
    readonly file: string | undefined,
    readonly options: ExecOptions,
    offset: number,
    readonly resolve: (result: ExecResult) => void,
    readonly reject: (error: unknown) => void,
  ) {
    this.outputOffset = offset;
    this.captured = new OutputCapture(options.maxOutputBytes);
  }

  /**
   * The line was typed (`offset`: scrollback end at that moment) or its start marker came (from
   * `__orchflow_arm <token>`): capture from here, so the echo of the line is not in the result.
   */
  restartCapture(offset: number): void {
    this.held = [];
    this.heldBytes = 0;
    this.outputOffset = offset;
    this.captured = new OutputCapture(this.options.maxOutputBytes);
    this.decoder = new TextDecoder();
  }

  /** Its first start marker came: the command runs and reads input; tells `onStart` once. */
  started(): void {
    if (this.announced) return;
    this.announced = true;
    this.options.onStart?.();
  }

  /** The interrupt typed ^C: its echo will come back and does not belong to the output. */
  expectCtrlCEcho(): void {
    this.pendingCtrlC++;
    this.ctrlCTyped = true;
  }

  /**
   * Output of the typed command; `offset` is where `bytes` start in the scrollback. After a done
   * marker that is still being checked, output is held back: it is the prompt, unless the marker
   * turns out forged (see {@link releaseHeld}).
   */
  append(bytes: Uint8Array, offset: number): void {
    if (this.done) {
      this.held.push({ bytes: Buffer.from(bytes), offset });
      this.heldBytes += bytes.byteLength;
      if (this.heldBytes > MAX_HELD_BYTES) this.releaseHeld();
      return;
    }
    this.capture(bytes, offset);
  }

  /** The done marker was not the command's end: what came after it is output after all. */
  releaseHeld(): void {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const piece of held) this.capture(piece.bytes, piece.offset);
  }

  private capture(bytes: Uint8Array, offset: number): void {
    let data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    while (this.pendingCtrlC > 0) {
      const at = data.indexOf(CTRL_C_ECHO);
      if (at < 0) break;
      this.pendingCtrlC--;
      data = Buffer.concat([data.subarray(0, at), data.subarray(at + CTRL_C_ECHO.length)]);
    }
    this.captured.append(data);
    this.watchdog?.activity();
    if (!this.sawStart || !this.options.onOutput) return;
    const text = this.decoder.decode(bytes, { stream: true });
    if (text) this.options.onOutput({ data: text, offset });
  }

  /** The ExecResult for how the command ended; `cwd` is the shell's cwd now. */
  result(end: CommandEnd, cwd: string): ExecResult {
    const captured = this.captured.result(cleanTerminalOutput);
    let stdout = captured.text;
    // No start marker (its hooks were broken): the capture began when the line was typed, so it
    // opens with the shell's echo of that line, which ends at the first newline (the Enter).
    if (this.phase === 'typed' && !this.sawStart) {
      const eol = stdout.indexOf('\n');
      stdout = eol < 0 ? '' : stdout.slice(eol + 1);
    }
    // Interactive bash says "exit" (or "logout") on its terminal as it leaves, also after output
    // without a final newline: the last such line is the shell's, not the command's.
    if (end.sayGoodbye && end.signal === null) stdout = stdout.replace(/(exit|logout)\n$/, '');
    let { exitCode, signal } = end;
    if (signal === null && exitCode !== null && this.interrupt) {
      if (this.interrupt.hasSent('SIGKILL') && (exitCode === 137 || exitCode === 130)) {
        // The job was SIGKILLed, and the shell (interrupted just before) ended the line: bash
        // reports the job's 137, zsh its own interrupt's 130. Both are this.
        exitCode = 137;
        signal = 'SIGKILL';
      } else if (exitCode === 130 && this.interrupt.hasSent('SIGINT')) signal = 'SIGINT';
      else if (exitCode === 2 && this.shell === 'zsh' && this.ctrlCTyped && !end.shellExited) {
        // zsh's `eval` (which runs every typed command) returns 2 when a ^C interrupted a builtin
        // of the shell itself (`while :; do :; done`), where its prompt would say 130.
        exitCode = 130;
        signal = 'SIGINT';
      }
    }
    const reason = this.watchdog?.stopReason;
    return {
      stdout,
      stderr: '',
      exitCode,
      signal,
      durationMs: performance.now() - this.startedAt,
      timedOut: reason === 'timeout' || reason === 'idle',
      truncated: captured.truncated,
      cwd,
      outputOffset: this.outputOffset,
      ...(end.shellExited ? { shellExited: true } : {}),
      ...(end.integrationLost ? { integrationLost: true } : {}),
      ...(this.awaitingInput ? { awaitingInput: true } : {}),
    };
  }
}
