// How a command reaches the shell: always as ONE input line, so a multi-line command runs as one
// unit and no byte is taken for line editing (a TAB would trigger completion, a newline would run
// half a command, ^C/^U/^W would be acted on by the line discipline). bash and zsh get
// `eval $'…'` with every byte outside printable ASCII escaped; sh gets single quotes when the
// text is plain, otherwise — and for anything long — the text goes to a private file. Every line
// starts with `__orchflow_arm <token>`, which hands the shell this command's fresh token (its
// markers carry it) and prints the start marker (see shell-integration/*).
//
// A command's own environment (`ExecOptions.env`, e.g. TRACEPARENT) holds for that command only
// while cwd, variables and functions still persist. In bash and zsh the arm exports it and the
// prompt hook puts back what it replaced (see shell-integration/command-env). Without a line
// editor the variables are typed after the token as quoted words (`__orchflow_arm <token>
// NAME $'value'…`): the tty hands the shell the whole line at once, and words are expanded, never
// evaluated. A line editor reads a typed character at a time (~7 µs each here, ~0.5 ms for a
// traceparent), so there — and for variables too long to type — they go through a private file
// the arm names (`__orchflow_arm <token> <n>`), read with one builtin. sh gets a prefix
// assignment on the `eval`: `NAME='v' command eval …` (`command` keeps the assignment temporary
// even for a special builtin, as POSIX and bash's posix mode want). So does a traced command's
// W3C TRACEPARENT in bash without a line editor (see prefixedTraceparent), the common case whose
// cost issue #16 bounds.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { TRACEPARENT_VAR } from '../shell-integration/bash';
import { commandEnvFile } from '../shell-integration/command-env';
import type { ShellKind } from '../spawn-options';
import { ENV_NAME } from './options';

/**
 * Longest encoded command typed inline. Well below the 4096-byte canonical line limit of a PTY in
 * cooked mode (sh, and bash and zsh without a line editor, read in cooked mode), and it keeps a
 * line editor's redisplay of the echo cheap.
 */
export const INLINE_COMMAND_LIMIT = 2048;

/** Longest line typed at all: a tty in cooked mode reads at most 4095 bytes and the Enter as one line. */
export const TYPED_LINE_LIMIT = 4000;

// Silent even when the function is gone (`unset -f`): the command then runs without a start
// marker. bash gets no `{ …; }` group here: after a parse error inside `eval` (an unmatched quote)
// bash 5.2 rejects the next line's group with "syntax error near unexpected token `}'".
const arm = (token: string, env = ''): string => `__orchflow_arm ${token}${env && ` ${env}`} 2>/dev/null; `;
// sh traces a plain call under `set -x` (zsh and bash hooks switch tracing off themselves, and
// a trace line before the arm's start marker is not captured anyway).
const shArm = (token: string): string => `{ __orchflow_arm ${token}; } 2>/dev/null; `;

/** The line to type (without the final Enter) and the temp files it refers to, if any. */
export interface EncodedCommand {
  line: string;
  /** The command's text, when it was too long or not plain enough to type. */
  file: string | undefined;
}

/** Stores a command's variables in the env file; returns its number (what the arm reads) and path. */
export type EnvFileWriter = (text: string) => { id: number; path: string };

/** How a command's own variables reach bash or zsh. */
export interface EnvHandOff {
  /** Writes the env file the arm reads. */
  write: EnvFileWriter;
  /**
   * Type them after the arm's token instead when they fit in {@link TYPED_ENV_LIMIT}: for a shell
   * that reads whole lines (no line editor), where a typed character costs nothing.
   */
  typed: boolean;
}

/**
 * Longest quoted variables typed on the line (bash, zsh). With the inline command limit it keeps
 * the line under the 4096 bytes a tty reads as one line in cooked mode; longer ones (non-ASCII
 * values take 4 bytes per byte quoted) go through the env file.
 */
export const TYPED_ENV_LIMIT = 1536;

/** `$'…'` quoting: printable ASCII except `\` and `'` kept, newline as `\n`, other bytes `\xHH`. */
export function ansiCQuote(text: string): string {
  let out = "$'";
  for (const b of Buffer.from(text, 'utf8')) {
    if (b === 0x0a) out += '\\n';
    else if (b >= 0x20 && b <= 0x7e && b !== 0x5c && b !== 0x27) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}'`;
}

/** `name` when it is a shell identifier (checkExecEnv's rule); anything else is a bug upstream. */
function identifier(name: string): string {
  if (!ENV_NAME.test(name)) throw new Error(`invalid variable name '${name.slice(0, 64)}'`);
  return name;
}

/** POSIX single quoting: `'` becomes `'\''`. */
export function singleQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

// Bytes a cooked-mode line discipline passes through untouched: newline, printable ASCII, and
// UTF-8 (bytes ≥ 0x80). Everything else below 0x20, DEL, and TAB (completion if sh is a readline
// bash) forces the file path.
const PLAIN_FOR_SH = /^[\n\x20-\x7e\u0080-\u{10ffff}]*$/u;

/**
 * Encodes `command` for a shell of `kind`, armed with the command's `token` (hex). `writeFile`
 * stores text in the terminal's private directory and returns its path (used for long or
 * non-plain commands). `env` (checked by `checkExecEnv`) is set for this command only: in bash
 * and zsh by the arm, from words typed after the token or from `handOff`'s file (see
 * {@link EnvHandOff}; without one, always typed); in sh by a prefix assignment.
 */
export function encodeCommand(
  kind: ShellKind,
  command: string,
  token: string,
  writeFile: (text: string) => string,
  env?: Readonly<Record<string, string>>,
  handOff?: EnvHandOff,
): EncodedCommand {
  if (!/^[0-9a-f]{1,32}$/.test(token)) throw new Error(`invalid command token '${token}'`);
  if (command.includes('\0')) {
    throw new OrchflowError(ErrorCode.InvalidParams, 'Command contains a NUL byte, which no shell can run');
  }
  const names = env ? Object.keys(env) : [];
  if (kind === 'sh') {
    const assign = names.map((name) => `${name}=${singleQuote(env?.[name] ?? '')} `).join('');
    const run = names.length > 0 ? `${assign}command ` : '';
    const quoted = singleQuote(command);
    const inline = `${shArm(token)}${run}eval ${quoted}`;
    if (
      PLAIN_FOR_SH.test(command) &&
      Buffer.byteLength(quoted) <= INLINE_COMMAND_LIMIT &&
      Buffer.byteLength(inline) <= TYPED_LINE_LIMIT
    ) {
      return { line: inline, file: undefined };
    }
    // The variables stay on the line (sh has no hook that could restore them): they must fit,
    // with room for the file's path in the terminal's private directory.
    const sourced = `${shArm(token)}${run}. `;
    if (Buffer.byteLength(sourced) + 512 > TYPED_LINE_LIMIT) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `The command's env does not fit on a line sh reads (${TYPED_LINE_LIMIT} bytes quoted); pass shorter values`,
      );
    }
    const file = writeFile(command);
    return { line: `${sourced}${singleQuote(file)}`, file };
  }
  let armed = arm(token);
  let run = 'eval';
  if (names.length > 0 && env) {
    // Name and value as two words (`__orchflow_env_args NAME value…`); names are identifiers.
    const words = (list: string[]) =>
      list.map((name) => `${identifier(name)} ${ansiCQuote(env[name] ?? '')}`).join(' ');
    const typing = !handOff || handOff.typed;
    const traceparent = kind === 'bash' && typing ? prefixedTraceparent(env) : undefined;
    const rest = traceparent ? words(names.filter((name) => name !== 'TRACEPARENT')) : '';
    if (traceparent && rest.length <= TYPED_ENV_LIMIT) {
      // The arm notes the value (shell-integration/bash.ts), then takes the rest; the prefix
      // expands it, so the line carries it once (~0.1 µs of the round trip per byte typed).
      run = `TRACEPARENT=$${TRACEPARENT_VAR} command eval`;
      armed = arm(token, rest ? `${traceparent} ${rest}` : traceparent);
    } else {
      const typed = words(names);
      armed =
        !handOff || (handOff.typed && typed.length <= TYPED_ENV_LIMIT)
          ? arm(token, typed)
          : arm(token, String(handOff.write(commandEnvFile(env)).id));
    }
  }
  const quoted = ansiCQuote(command);
  if (quoted.length <= INLINE_COMMAND_LIMIT) return { line: `${armed}${run} ${quoted}`, file: undefined };
  const file = writeFile(command);
  return { line: `${armed}${run} "$(<${singleQuote(file)})"`, file };
}

/** A W3C `traceparent` exactly: version, trace id, parent id and flags, lowercase hex. */
const TRACEPARENT_VALUE = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * `env`'s TRACEPARENT when it is a W3C traceparent, for bash's typed line: made a prefix
 * assignment of the command's `command eval`, which bash itself keeps for that command only
 * (`command` keeps it temporary in posix mode too) at no cost, where the arm's checks cost a
 * traced command ~0.09 ms. The checks are not needed for this value: a temporary assignment
 * neither applies an integer attribute nor expands a nameref's subscript, so nothing in the shell
 * can make it run code; through a nameref it would give another variable a value of hex digits
 * and dashes for one command (the policy refuses namerefs under protectShellIntegration, and a
 * command that can declare one can set that variable itself); a readonly TRACEPARENT, which makes
 * bash print an error and run the command with its old value (skip it in posix mode, exit under
 * `set -e`), is refused by the same rule; and the copy a top-level `declare -x TRACEPARENT` makes
 * of the value is removed by the prompt hook (shell-integration/bash.ts). Every other variable
 * still goes through the arm.
 */
function prefixedTraceparent(env: Readonly<Record<string, string>>): string | undefined {
  const value = env.TRACEPARENT;
  return value !== undefined && TRACEPARENT_VALUE.test(value) ? value : undefined;
}
