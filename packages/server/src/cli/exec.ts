// `orchflow exec [--server URL] -- CMD`: runs one command in a fresh terminal, its stdin fed from
// ours, and exits with its exit code (124 on timeout, 128+N when killed by signal N; 125 when
// orchflow could not run it, 126 when the policy refused it, as `docker run` and `env` do, so a
// script can tell a failed command from a command that never ran). Without --server it runs in an
// in-process orchestrator, which needs no server at all.
import { constants } from 'node:os';
import { OrchflowClient } from '@orchflow/client/node';
import { ErrorCode, type ExecResult, isOrchflowError } from '@orchflow/protocol';
import { connectTo, type ServerOptions } from './connect';
import { reportError } from './errors';
import { USAGE_EXIT_CODE, usageError } from './recording-args';
import { forwardStdin, type StdinForward } from './stdin-forward';
import { CLIENT_INFO } from './version';

/** Exit status of a command that timed out (as coreutils `timeout`). */
export const TIMEOUT_EXIT_CODE = 124;

/** Exit status when orchflow itself failed: no server, a refused token, a lost connection. */
export const EXEC_FAILED_EXIT_CODE = 125;

/** Exit status when the security policy refused the command (it never ran). */
export const EXEC_DENIED_EXIT_CODE = 126;

/** `exec`'s timeout when `--timeout` is not given: a forgotten command must not run forever. */
export const DEFAULT_EXEC_TIMEOUT_MS = 10 * 60_000;

export interface ExecFlags extends ServerOptions {
  agent: string;
  cwd?: string;
  timeout?: number;
  pty?: boolean;
  /** The in-process run's policy (a preset name or a JSON file); default `trusted`. */
  policy?: string;
}

/** Quotes one argument for a POSIX shell. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** The shell command for `words`: one word is taken as a shell line, several are quoted. */
export function commandLine(words: string[]): string {
  return words.length === 1 ? (words[0] ?? '') : words.map(shellQuote).join(' ');
}

/** The process exit status that mirrors `result`. */
export function exitStatus(result: ExecResult): number {
  if (result.timedOut) return TIMEOUT_EXIT_CODE;
  if (result.exitCode !== null) return result.exitCode;
  const signal = result.signal as keyof typeof constants.signals | null;
  return signal && constants.signals[signal] ? 128 + constants.signals[signal] : 1;
}

async function open(flags: ExecFlags): Promise<{ client: OrchflowClient; done(): Promise<void> }> {
  const url = flags.server ?? process.env.ORCHFLOW_SERVER;
  if (url) {
    const client = await connectTo(url, flags.token);
    return { client, done: () => client.close() };
  }
  // Loaded only here: a run against a server needs the client alone. The policy defaults to
  // `trusted`, as local serving does: it still refuses the catastrophic commands.
  const [{ Orchestrator }, { effectivePolicy }] = await Promise.all([
    import('@orchflow/core'),
    import('./policy-flag'),
  ]);
  const { policy } = await effectivePolicy(flags.policy, false);
  const orchestrator = Orchestrator.builder().withSecurityPolicy(policy).build();
  const client = await OrchflowClient.direct(orchestrator, { clientInfo: CLIENT_INFO });
  return {
    client,
    done: async () => {
      await client.close();
      await orchestrator.shutdown();
    },
  };
}

/**
 * `--policy`'s problem as a usage error (printed; resolves with exit status 2): given with a
 * server, whose own policy applies, or a preset name or file that cannot be loaded.
 */
export async function checkExecPolicy(flags: ExecFlags): Promise<number | undefined> {
  try {
    if (flags.server ?? process.env.ORCHFLOW_SERVER) {
      throw usageError("--policy applies to an in-process run; with --server the server's policy applies");
    }
    const { effectivePolicy } = await import('./policy-flag');
    await effectivePolicy(flags.policy, false);
    return undefined;
  } catch (error) {
    reportError(error);
    return USAGE_EXIT_CODE;
  }
}

/**
 * The execution mode to ask for: `--pty` → interactive; otherwise scripted (pipes: exact stdout
 * and stderr), unless the server cannot run it (tmux) — then a PTY, said on stderr.
 */
export function execMode(pty: boolean | undefined, available: readonly string[]): 'scripted' | 'interactive' {
  if (pty || available.includes('scripted')) return pty ? 'interactive' : 'scripted';
  process.stderr.write("orchflow: this server's backend has no scripted mode; running in a PTY (as --pty)\n");
  return 'interactive';
}

/**
 * In a PTY, piped input is not forwarded (what the command leaves unread, or an EOF, would reach
 * the shell after it). Calls `refuse` if any arrives, rather than leaving the command waiting for
 * input that never comes; an empty stdin (`</dev/null`, an empty pipe) is fine.
 */
function refusePipedInput(refuse: () => void): () => void {
  const stdin = process.stdin;
  if (stdin.isTTY) return () => undefined;
  const onData = (chunk: Buffer): void => {
    if (chunk.length > 0) refuse();
  };
  stdin.on('data', onData);
  stdin.on('error', () => undefined);
  return () => {
    stdin.off('data', onData);
    stdin.pause();
  };
}

/** The policy's refusal of raw input (`capabilities.canWriteRawInput`), which piped stdin needs. */
function refusesRawInput(error: Error): boolean {
  const rule = isOrchflowError(error) ? (error.data as { rule?: unknown } | undefined)?.rule : undefined;
  return typeof rule === 'string' && rule.endsWith('capabilities.canWriteRawInput');
}

/**
 * Runs `orchflow exec`; resolves with the command's exit status, or reports why it could not run
 * and resolves with {@link EXEC_DENIED_EXIT_CODE} or {@link EXEC_FAILED_EXIT_CODE}.
 */
export async function exec(words: string[], flags: ExecFlags): Promise<number> {
  try {
    return await run(words, flags);
  } catch (error) {
    reportError(error);
    return isOrchflowError(error) && error.code === ErrorCode.PolicyDenied
      ? EXEC_DENIED_EXIT_CODE
      : EXEC_FAILED_EXIT_CODE;
  }
}

async function run(words: string[], flags: ExecFlags): Promise<number> {
  const { client, done } = await open(flags);
  const timeoutMs = flags.timeout === 0 ? undefined : (flags.timeout ?? DEFAULT_EXEC_TIMEOUT_MS);
  try {
    const mode = execMode(flags.pty, client.capabilities.executionModes);
    const terminal = await client.spawnTerminal(flags.agent, { cwd: flags.cwd, mode });
    const abort = new AbortController();
    let input: StdinForward | undefined;
    let refused: Error | undefined;
    const unwatch =
      mode === 'scripted'
        ? () => undefined
        : refusePipedInput(() => {
            refused ??= new Error(
              'the command runs in a PTY (--pty, or a server without pipes), where piped input is not forwarded; run it without --pty on a server with pipes, or pass the input as a file',
            );
            abort.abort();
          });
    try {
      const result = await terminal
        .execute(commandLine(words), {
          timeoutMs,
          signal: abort.signal,
          // Only into a scripted command's own stdin: on a PTY, input the command leaves unread
          // (or an EOF) would reach the shell after it — and a ^D at its prompt ends it.
          onStart: () => {
            if (mode !== 'scripted') return;
            const forward = forwardStdin(process.stdin, (data) => terminal.write(data));
            input = forward;
            forward.done.catch((error: Error) => {
              // Only an EOF (empty or terminal stdin) refused: the command may not read stdin at
              // all (`make test` from a script), so it runs on. Input that was piped on purpose
              // and cannot be delivered fails the run instead of leaving it waiting.
              if (!forward.hadInput) return;
              refused = error;
              abort.abort();
            });
          },
        })
        .catch((error: unknown) => {
          // Cancelled because its input was refused: say why, not "cancelled", and what a person at
          // the shell can do about it (the policy's own text speaks to API callers).
          if (refused && refusesRawInput(refused)) {
            throw new Error(
              "piped stdin cannot reach the command: the server's policy refuses raw input. Run it without piped input (</dev/null), pass the input as a file, or start the server with --policy trusted",
            );
          }
          if (refused) throw new Error(`stdin could not be forwarded to the command: ${refused.message}`);
          throw error;
        })
        .finally(unwatch);
      input?.stop();
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      if (result.truncated) process.stderr.write('orchflow: output was truncated (head and tail kept)\n');
      if (result.timedOut) {
        process.stderr.write(
          `orchflow: timed out after ${timeoutMs} ms (--timeout MS to change, 0 for none)\n`,
        );
      }
      return exitStatus(result);
    } finally {
      input?.stop();
      // The connection may be gone (that is often why execute failed); the server then kills it.
      await terminal.kill().catch(() => undefined);
    }
  } finally {
    await done();
  }
}
