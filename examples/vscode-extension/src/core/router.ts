// Command routing: the editor registers every id listed here and forwards invocations; the core
// decides what each does. Unknown ids fail with a typed error instead of silently doing nothing.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** The command ids the extension contributes (package.json `contributes.commands`). */
export const COMMANDS = {
  runTests: 'orchflow.runTests',
  restartSidecar: 'orchflow.restartSidecar',
} as const;

/** One of {@link COMMANDS}. */
export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

/** What a command does; its result goes back to the editor (e.g. to `executeCommand` callers). */
export type CommandHandler = (...args: unknown[]) => Promise<unknown>;

/** Maps command ids to handlers. */
export class CommandRouter {
  private readonly handlers = new Map<string, CommandHandler>();

  /** Registers `handler` for `id`; an id is registered once. */
  register(id: CommandId, handler: CommandHandler): this {
    if (this.handlers.has(id)) {
      throw new OrchflowError(ErrorCode.InvalidState, `Command '${id}' is already registered.`);
    }
    this.handlers.set(id, handler);
    return this;
  }

  /** The registered ids, for the editor to bind. */
  ids(): string[] {
    return [...this.handlers.keys()];
  }

  /** Runs the handler of `id`. */
  dispatch(id: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(id);
    if (!handler) {
      const known = this.ids().join(', ');
      return Promise.reject(
        new OrchflowError(ErrorCode.MethodNotFound, `Unknown orchflow command '${id}'; known: ${known}.`),
      );
    }
    return handler(...args);
  }
}
