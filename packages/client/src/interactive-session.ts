// `InteractiveSession`: a long-running interactive program (a REPL, a TUI) started in a fresh
// terminal by `OrchflowClient.runInteractive`. It keeps a bounded tail of the output so callers
// can wait for a prompt instead of sleeping.
import { ErrorCode, type ExitInfo, OrchflowError, type OutputChunk, type Snapshot } from '@orchflow/protocol';
import type { Disposable, RemoteTerminal } from './remote-terminal';

/** Characters of recent output kept for {@link InteractiveSession.waitFor}: 64 Ki. */
export const INTERACTIVE_TAIL_CHARS = 64 * 1024;

/** Default time {@link InteractiveSession.waitFor} waits: 10 s. */
export const DEFAULT_WAIT_FOR_TIMEOUT_MS = 10_000;

/** A running interactive program and the terminal it runs in. */
export class InteractiveSession {
  private tail = '';
  private readonly waiters = new Set<() => void>();
  private tap: Disposable | undefined;

  private constructor(
    /** The terminal the program runs in. */
    readonly terminal: RemoteTerminal,
  ) {}

  /** Starts collecting `terminal`'s output, then types `program` and Enter into it. */
  static async start(terminal: RemoteTerminal, program: string): Promise<InteractiveSession> {
    const session = new InteractiveSession(terminal);
    session.tap = await terminal.onOutput((chunk) => session.append(chunk.data));
    await terminal.write(`${program}\r`);
    return session;
  }

  /** Output seen so far (the last {@link INTERACTIVE_TAIL_CHARS} characters). */
  get output(): string {
    return this.tail;
  }

  /** Sends input as if typed; end a line with `\r`. */
  write(data: string): Promise<void> {
    return this.terminal.write(data);
  }

  /** Calls `listener` with the program's live output. */
  onOutput(listener: (chunk: OutputChunk) => void): Promise<Disposable> {
    return this.terminal.onOutput(listener);
  }

  /** The visible screen (useful for full-screen programs). */
  snapshot(): Promise<Snapshot> {
    return this.terminal.snapshot();
  }

  /** Resolves once the recent output matches `pattern`; rejects with Timeout after `timeoutMs`. */
  waitFor(pattern: string | RegExp, options: { timeoutMs?: number } = {}): Promise<void> {
    const matches = (): boolean =>
      typeof pattern === 'string' ? this.tail.includes(pattern) : pattern.test(this.tail);
    if (matches()) return Promise.resolve();
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_FOR_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!matches()) return;
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
    this.tap?.dispose();
    return this.terminal.kill();
  }

  private append(data: string): void {
    this.tail = (this.tail + data).slice(-INTERACTIVE_TAIL_CHARS);
    for (const check of [...this.waiters]) check();
  }
}
