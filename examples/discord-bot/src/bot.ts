// The chat-platform-independent bot: a message in, at most one reply out.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { type IncomingMessage, IncomingMessageSchema, type MessageHandler } from './chat';
import { HELP_TEXT, parseCommand } from './commands';
import { fencedReply, formatBusy, formatDenied, formatRun } from './reply';
import type { RunOutcome, SandboxRunner } from './runner';

/** Answers chat messages by running users' code in their own orchflow terminals. */
export class CodeBot {
  /** @param runner where users' code runs (see {@link SandboxRunner.create}). */
  constructor(private readonly runner: SandboxRunner) {}

  /**
   * Handles one message; resolves with the reply, or undefined for messages that are not
   * commands. Throws InvalidParams for a malformed message (an adapter bug, not a user error).
   */
  readonly handle: MessageHandler = async (input: IncomingMessage) => {
    const checked = IncomingMessageSchema.safeParse(input);
    if (!checked.success) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Invalid chat message — ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}. An adapter must pass { userId, channelId, text }.`,
      );
    }
    const message = checked.data;
    const command = parseCommand(message.text);
    if (!command) return undefined;
    const who = message.userName ?? message.userId;
    try {
      switch (command.kind) {
        case 'help':
          return HELP_TEXT;
        case 'reset':
          return (await this.runner.reset(message.userId))
            ? `**${who}** 🧹 your terminal and files are gone; the next run starts fresh.`
            : `**${who}** nothing to reset.`;
        case 'code':
          return this.render(await this.runner.runCode(message.userId, command.language, command.code), who);
        case 'shell':
          return this.render(await this.runner.runLine(message.userId, command.line), who);
      }
    } catch (error) {
      // Not the user's fault (a spawn failure, shutdown): say so without a stack trace.
      const failure = OrchflowError.from(error);
      return fencedReply(`**${who}** ⚠️ could not run that (${failure.codeName})`, failure.message);
    }
  };

  private render(outcome: RunOutcome, who: string): string {
    switch (outcome.kind) {
      case 'denied':
        return formatDenied(outcome.denial, who);
      case 'busy':
        return formatBusy(outcome.pending, who);
      case 'result':
        return formatRun(outcome.result, who);
    }
  }
}
