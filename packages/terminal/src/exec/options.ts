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
  /**
   * Environment variables for this command only (its processes see them; the shell's own
   * environment and the next command do not). Made for small values such as a W3C `TRACEPARENT`:
   * names are shell identifiers, values printable text (no control characters), at most
   * {@link MAX_EXEC_ENV_ENTRIES} entries and {@link MAX_EXEC_ENV_CHARS} characters in all. In-process
   * only (not a wire option): whoever sets it is trusted like the terminal's spawner. A variable
   * the shell made readonly, integer, an array or a nameref is left alone, except a W3C
   * `TRACEPARENT` in bash without a line editor: bash gets it as a prefix assignment (see
   * docs/observability.md, "Trace context out").
   */
  env?: Readonly<Record<string, string>> | undefined;
}

/** Most variables one command's `env` may set. */
export const MAX_EXEC_ENV_ENTRIES = 16;
/**
 * Most characters (names and values) one command's `env` may hold: it is typed on the shell's
 * line beside the command, and sh reads lines in cooked mode (4096 bytes at most). Room for a
 * W3C `traceparent` (55) and a full `tracestate` (512).
 */
export const MAX_EXEC_ENV_CHARS = 1024;

// Values are typed on the shell's input line (see encode.ts), so control characters — which the
// line discipline or the line editor would act on — are refused rather than escaped.
/** A name `ExecOptions.env` may set: a shell identifier. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_VALUE = /^[\x20-\x7e\u00a0-\u{10ffff}]*$/u;

/** Checks a command's `env` option; throws InvalidParams naming the bad entry. */
export function checkExecEnv(env: Readonly<Record<string, string>> | undefined): void {
  if (env === undefined) return;
  const entries = typeof env === 'object' && env !== null ? Object.entries(env) : undefined;
  const bad = (why: string): OrchflowError =>
    new OrchflowError(ErrorCode.InvalidParams, `Invalid execute option env: ${why}`);
  if (!entries) throw bad('expected an object of name → string value');
  if (entries.length > MAX_EXEC_ENV_ENTRIES) throw bad(`more than ${MAX_EXEC_ENV_ENTRIES} variables`);
  let chars = 0;
  for (const [name, value] of entries) {
    if (!ENV_NAME.test(name)) throw bad(`'${name.slice(0, 64)}' is not a shell variable name`);
    if (typeof value !== 'string' || value.length > MAX_EXEC_ENV_CHARS || !ENV_VALUE.test(value)) {
      throw bad(`the value of ${name} must be a string of printable characters`);
    }
    chars += name.length + value.length;
  }
  if (chars > MAX_EXEC_ENV_CHARS) throw bad(`more than ${MAX_EXEC_ENV_CHARS} characters in all`);
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
