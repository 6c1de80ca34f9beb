// execute() in a persistent PTY shell. Owns the marker parser over the PTY's bytes and the one
// command in flight: it types the encoded command once the shell reports "prompt ready", captures
// the bytes between "command start" and "command done", and settles from those markers — or from
// the shell's exit — only. Queueing is the caller's (Terminal's) job.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDecoder } from 'node:util';
import type { ExecResult, ExitInfo } from '@orchflow/protocol';
import type { OutputPipeline } from '../output/pipeline';
import type { ShellKind } from '../spawn-options';
import { OutputCapture } from './capture';
import { cleanTerminalOutput } from './clean';
import { encodeCommand } from './encode';
import { ForegroundInterrupt } from './interrupt';
import { type MarkerEvent, MarkerParser } from './marker-parser';
import { type ExecOptions, execCancelled, terminalExited } from './options';
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

interface Running {
  started: boolean;
  startedAt: number;
  outputOffset: number;
  capture: OutputCapture;
  watchdog: Watchdog;
  interrupt: ForegroundInterrupt | undefined;
  file: string | undefined;
  options: ExecOptions;
  decoder: TextDecoder;
  resolve(result: ExecResult): void;
  reject(error: unknown): void;
}

/** The shell-integration protocol of one PTY shell. */
export class ShellSession {
  /** The shell's working directory as of the last "command done" marker. */
  cwd: string;
  private readonly parser: MarkerParser;
  private running: Running | undefined;
  private ready = false;
  private readyWaiters: Array<() => void> = [];
  private exitInfo: ExitInfo | undefined;
  private closing = false;
  private fileCounter = 0;

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
    if (run) this.settle(run, { exitCode: info.exitCode, signal: info.signal, shellExited: true });
    for (const wake of this.readyWaiters.splice(0)) wake();
  }

  /** Runs one command; the caller guarantees no other command is in flight. */
  async execute(command: string, options: ExecOptions): Promise<ExecResult> {
    await this.whenReady();
    if (this.exitInfo) throw terminalExited(this.exitInfo);
    if (options.signal?.aborted) throw execCancelled(undefined);
    const encoded = encodeCommand(this.host.kind, command, (text) => this.writeCommandFile(text));
    return new Promise<ExecResult>((resolve, reject) => {
      const run: Running = {
        started: false,
        startedAt: performance.now(),
        outputOffset: this.host.pipeline.endOffset,
        capture: new OutputCapture(options.maxOutputBytes),
        watchdog: new Watchdog(options, () => this.stop(run)),
        interrupt: undefined,
        file: encoded.file,
        options,
        decoder: new TextDecoder(),
        resolve,
        reject,
      };
      this.running = run;
      this.ready = false;
      this.host.write(`${encoded.line}\r`);
    });
  }

  private handleOutput(bytes: Uint8Array): void {
    const offset = this.host.pipeline.endOffset;
    this.host.pipeline.push(bytes);
    const run = this.running;
    if (!run?.started) return;
    run.capture.append(bytes);
    run.watchdog.activity();
    const data = run.decoder.decode(bytes, { stream: true });
    if (run.options.onOutput && data) run.options.onOutput({ data, offset });
  }

  private handleMarker(marker: MarkerEvent): void {
    const run = this.running;
    if (marker.kind === 'start') {
      if (run && !run.started) {
        run.started = true;
        run.outputOffset = this.host.pipeline.endOffset;
      }
    } else if (marker.kind === 'done') {
      if (marker.cwd !== undefined) this.cwd = marker.cwd;
      if (run?.started && !this.closing)
        this.settle(run, { exitCode: marker.status, signal: null, shellExited: false });
    } else {
      this.ready = true;
      for (const wake of this.readyWaiters.splice(0)) wake();
    }
  }

  private stop(run: Running): void {
    if (this.running !== run) return;
    run.interrupt ??= new ForegroundInterrupt({
      shellPid: this.host.shellPid,
      write: (data) => this.host.write(data),
      onWedged: () => this.host.killTerminal(),
    });
  }

  private settle(
    run: Running,
    end: { exitCode: number | null; signal: string | null; shellExited: boolean },
  ): void {
    this.running = undefined;
    run.watchdog.dispose();
    run.interrupt?.dispose();
    const captured = run.capture.result(cleanTerminalOutput);
    let signal = end.signal;
    if (signal === null && end.exitCode !== null && run.interrupt) {
      if (end.exitCode === 130 && run.interrupt.hasSent('SIGINT')) signal = 'SIGINT';
      if (end.exitCode === 137 && run.interrupt.hasSent('SIGKILL')) signal = 'SIGKILL';
    }
    const reason = run.watchdog.stopReason;
    const result: ExecResult = {
      stdout: captured.text,
      stderr: '',
      exitCode: end.exitCode,
      signal,
      durationMs: performance.now() - run.startedAt,
      timedOut: reason === 'timeout' || reason === 'idle',
      truncated: captured.truncated,
      cwd: this.cwd,
      outputOffset: run.outputOffset,
      ...(end.shellExited ? { shellExited: true } : {}),
    };
    if (run.file) this.removeCommandFile(run.file);
    if (reason === 'cancelled') run.reject(execCancelled(result));
    else run.resolve(result);
  }

  private writeCommandFile(text: string): string {
    const path = join(this.host.dir, `command-${++this.fileCounter}`);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }

  private removeCommandFile(path: string): void {
    rmSync(path, { force: true });
  }
}
