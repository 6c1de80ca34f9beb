// `InteractiveSession`: a long-running interactive program (a REPL, a TUI) started in a fresh
// terminal by `OrchflowClient.runInteractive`. The program runs as the terminal's in-flight
// `terminal.execute`, so it passes admission (plugins, policy) like any command and its end is
// the command's result; input goes to it as raw writes. A bounded tail of the output lets callers
// wait for a prompt instead of sleeping.
import {
  type Disposer,
  ErrorCode,
  type ExecResult,
  type ExitInfo,
  OrchflowError,
  type OutputChunk,
  type Snapshot,
} from '@orchflow/protocol/runtime';
import type { RemoteTerminal } from './remote-terminal';

/** Characters of recent output kept for {@link InteractiveSession.waitFor}: 64 Ki. */
export const INTERACTIVE_TAIL_CHARS = 64 * 1024;

/** Default time {@link InteractiveSession.waitFor} waits: 10 s. */
export const DEFAULT_WAIT_FOR_TIMEOUT_MS = 10_000;

/** Options of {@link InteractiveSession.start}. */
export interface InteractiveStartOptions {
  /**
   * Resolve only once the server admitted the program (needs a server with the `executeStarted`
   * feature). Without it, a denied program surfaces as the rejection of `exited`. Default true.
   */
  awaitAdmission?: boolean;
}

/** A running interactive program and the terminal it runs in. */
export class InteractiveSession {
  private tail = '';
  private readonly waiters = new Set<() => void>();

  private constructor(
    /** The terminal the program runs in. */
    readonly terminal: RemoteTerminal,
    private readonly tap: Disposer,
    /**
     * Resolves with the program's result once it ends, also when {@link close} killed it (then
     * with the signal and `shellExited`); rejects when it was refused or the connection was lost.
     */
    readonly exited: Promise<ExecResult>,
  ) {
    // Callers that only close() the session need not observe how the program ended.
    exited.catch(() => undefined);
  }

  /**
   * Starts collecting `terminal`'s output, then runs `program` as a command without a timeout.
   * Rejects (e.g. PolicyDenied) when the server refuses the program.
   */
  static async start(
    terminal: RemoteTerminal,
    program: string,
    options: InteractiveStartOptions = {},
  ): Promise<InteractiveSession> {
    let session: InteractiveSession | undefined;
    const early: string[] = [];
    const tap = await terminal.onOutput((chunk) => {
      if (session) session.append(chunk.data);
      else early.push(chunk.data);
    });
    let admitted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      admitted = resolve;
    });
    const exited = terminal.execute(program, { onStart: () => admitted() });
    session = new InteractiveSession(terminal, tap, exited);
    session.append(early.join(''));
    if (options.awaitAdmission ?? true) {
      try {
        // A program that ends at once (or is refused) settles `exited` without a start notice.
        await Promise.race([started, exited]);
      } catch (error) {
        tap.dispose();
        throw error;
      }
    }
    return session;
  }

  /** Output seen so far (the last {@link INTERACTIVE_TAIL_CHARS} characters). */
  get output(): string {
    return this.tail;
  }

  /**
   * Sends input to the program as if typed. Input sent before the program holds the terminal
   * is type-ahead and may be read by the shell's line editor instead, as when a person types that
   * fast; wait for the program's prompt (`waitFor`) before the first input when it has one.
   */
  write(data: string): Promise<void> {
    return this.terminal.write(data);
  }

  /** Calls `listener` with the program's live output. */
  onOutput(listener: (chunk: OutputChunk) => void): Promise<Disposer> {
    return this.terminal.onOutput(listener);
  }

  /** The visible screen (useful for full-screen programs). */
  snapshot(): Promise<Snapshot> {
    return this.terminal.snapshot();
  }

  /** Resolves once the recent output matches `pattern`; rejects with Timeout after `timeoutMs`. */
  waitFor(pattern: string | RegExp, options: { timeoutMs?: number } = {}): Promise<void> {
    const matches = matcher(pattern);
    if (matches(this.tail)) return Promise.resolve();
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_FOR_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!matches(this.tail)) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new OrchflowError(
            ErrorCode.Timeout,
            `Output did not match ${String(pattern)} within ${timeoutMs} ms; the last output was: ${JSON.stringify(this.tail.slice(-200))}`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  /** Kills the program and its terminal. */
  async close(): Promise<ExitInfo> {
    this.tap.dispose();
    return this.terminal.kill();
  }

  private append(data: string): void {
    if (!data) return;
    this.tail = (this.tail + data).slice(-INTERACTIVE_TAIL_CHARS);
    for (const check of [...this.waiters]) check();
  }
}

/**
 * A stateless test for `pattern`. `RegExp.test` on a `g` or `y` pattern starts at `lastIndex`
 * and moves it, so the same output could match once and then not; a copy without those flags
 * always searches the whole tail.
 */
function matcher(pattern: string | RegExp): (text: string) => boolean {
  if (typeof pattern === 'string') return (text) => text.includes(pattern);
  const regex = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  return (text) => regex.test(text);
}
