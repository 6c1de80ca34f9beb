// The command history of one PTY shell, fed by its ShellSession: an execute() is recorded from
// the moment its line is typed until it settles; a line typed at the prompt by someone else
// (`Terminal.write`) from its line end until the shell's next done marker, whose status is its
// exit code. Lines typed while a command runs are that command's input, not commands; lines
// typed ahead of the prompt in the same write cannot be told from such input and are not recorded.
import { CommandHistory, type RunningCommand } from './command-history';
import { TypedLines } from './typed-lines';

/** Records the commands of one shell session. */
export class ShellHistory {
  /** The records. */
  readonly commands: CommandHistory;
  private readonly lines = new TypedLines();
  private handTyped: RunningCommand | undefined;
  private executed: RunningCommand | undefined;

  /** A history whose records' command texts pass through `redact` (secrets), if given. */
  constructor(redact?: (text: string) => string) {
    this.commands = new CommandHistory(undefined, redact);
  }

  /** Input typed into the terminal; `atPrompt` when the shell waits at its prompt with nothing in flight. */
  typed(data: string | Uint8Array, atPrompt: boolean, cwd: string): void {
    const lines = this.lines.feed(data);
    if (!atPrompt || this.handTyped) return;
    const line = lines.find((l) => l.trim() !== '');
    if (line !== undefined) this.handTyped = this.commands.start(line, 'typed', cwd);
  }

  /** A verified done marker not belonging to an execute(): the hand-typed command (if any) ended. */
  promptReturned(status: number | null): void {
    this.handTyped?.end(status);
    this.handTyped = undefined;
  }

  /** An execute()'s line is typed now: it starts. */
  executeTyped(command: string, cwd: string): void {
    // Whatever a person left half-typed is cleared by the host's Ctrl-U or joins this line.
    this.lines.reset();
    this.executed = this.commands.start(command, 'execute', cwd);
  }

  /** The execute() in flight settled (not called for one that was never typed). */
  executeEnded(exitCode: number | null): void {
    this.executed?.end(exitCode);
    this.executed = undefined;
  }
}
