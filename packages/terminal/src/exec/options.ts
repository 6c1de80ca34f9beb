// Options of one execute() call as the Terminal API takes them, and the errors an execute can
// end with, shared by the PTY session and the pipe runner.
import {
  ErrorCode,
  type ExecResult,
  type ExecuteOptions,
  type ExitInfo,
  OrchflowError,
  type OutputChunk,
} from '@orchflow/protocol';

/** Options of `Terminal.execute`: the wire options plus in-process ones. */
export interface ExecOptions extends ExecuteOptions {
  /** Cancels the command: it is interrupted like a timeout, then the call rejects with `Cancelled`. */
  signal?: AbortSignal | undefined;
  /**
   * Called with the command's raw output as it arrives (terminal text, escapes not stripped);
   * `offset` is the scrollback offset of the chunk's first byte.
   */
  onOutput?: ((chunk: OutputChunk) => void) | undefined;
  /**
   * Called once the command runs and can read input: in a PTY when its start marker arrives
   * (the shell took the line), in scripted mode once its process is spawned. Not called for a
   * command that never started (cancelled while queued, refused, terminal gone).
   */
  onStart?: (() => void) | undefined;
}

/**
 * The error for a cancelled command. When the command had started, `data.result` holds the
 * ExecResult it ended with (after the interrupt), so partial output is not lost.
 */
export function execCancelled(result: ExecResult | undefined): OrchflowError {
  return new OrchflowError(
    ErrorCode.Cancelled,
    result
      ? 'Command was cancelled and interrupted; its partial result is in error.data.result'
      : 'Command was cancelled before it started',
    result ? { result } : undefined,
  );
}

/** The error for an execute on a terminal whose process has exited. */
export function terminalExited(info: ExitInfo | undefined): OrchflowError {
  const how = info?.signal ? `signal ${info.signal}` : `exit code ${info?.exitCode ?? 'unknown'}`;
  return new OrchflowError(
    ErrorCode.TerminalExited,
    `Terminal has exited (${how}); spawn a new terminal to run more commands`,
    info,
  );
}
