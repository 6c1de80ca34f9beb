// A local chat: each input line is `user: text`, every reply is printed. A message whose text
// opens a ``` fence continues on the following lines until the fence closes, so code blocks can
// be pasted as they would be in Discord. Runs from a TTY, a pipe, or a scripted list of lines.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { ChatAdapter, IncomingMessage, MessageHandler } from '../chat';

/** Where the console adapter reads and writes. */
export interface ConsoleAdapterOptions {
  /** Lines to read (default: process.stdin); ignored when `script` is given. */
  input?: Readable;
  /** Where replies go (default: process.stdout). */
  output?: Writable;
  /** A scripted conversation: lines in the same `user: text` form, handled in order. */
  script?: readonly string[];
  /** The channel id messages carry (default `console`). */
  channelId?: string;
}

const LINE = /^\s*([A-Za-z0-9_.-]{1,64})\s*:\s?(.*)$/;

/** Whether `text` leaves a ``` fence open (an odd number of fences). */
function fenceOpen(text: string): boolean {
  return ((text.match(/```/g) ?? []).length & 1) === 1;
}

/** Turns `user: text` lines into messages, joining the lines of an open code fence. */
export class ConsoleMessageReader {
  private pending: IncomingMessage | undefined;

  constructor(private readonly channelId = 'console') {}

  /** Feeds one line; returns a complete message, or undefined while a fence is still open. */
  push(line: string): IncomingMessage | undefined {
    if (this.pending) {
      this.pending.text += `\n${line}`;
      if (fenceOpen(this.pending.text)) return undefined;
      const done = this.pending;
      this.pending = undefined;
      return done;
    }
    if (line.trim() === '' || line.trimStart().startsWith('#')) return undefined;
    const match = LINE.exec(line);
    if (!match) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Cannot read '${line.slice(0, 80)}': write lines as 'user: text', e.g. 'alice: !run python3 print(1 + 1)'.`,
      );
    }
    const message = {
      userId: match[1] as string,
      userName: match[1],
      channelId: this.channelId,
      text: match[2] ?? '',
    };
    if (fenceOpen(message.text)) {
      this.pending = message;
      return undefined;
    }
    return message;
  }
}

/** The console chat. `finished` resolves when the input (or script) ends and every reply is out. */
export class ConsoleAdapter implements ChatAdapter {
  private closing = false;
  private done!: () => void;
  /** Resolves once every line was handled and answered. */
  readonly finished = new Promise<void>((resolve) => {
    this.done = resolve;
  });

  constructor(private readonly options: ConsoleAdapterOptions = {}) {}

  /** Reads lines and answers them one at a time, in order. */
  async start(handler: MessageHandler): Promise<void> {
    const out = this.options.output ?? process.stdout;
    const reader = new ConsoleMessageReader(this.options.channelId);
    const answer = async (line: string) => {
      let message: IncomingMessage | undefined;
      try {
        message = reader.push(line);
      } catch (error) {
        out.write(`! ${(error as Error).message}\n`);
        return;
      }
      if (!message) return;
      let reply: string | undefined;
      try {
        reply = await handler(message);
      } catch (error) {
        reply = `! ${(error as Error).message}`;
      }
      if (reply !== undefined) out.write(`\n[bot → ${message.userName ?? message.userId}]\n${reply}\n\n`);
    };
    const run = async () => {
      if (this.options.script) {
        for (const line of this.options.script) {
          if (this.closing) break;
          out.write(`${line}\n`);
          await answer(line);
        }
      } else {
        const lines = createInterface({
          input: this.options.input ?? process.stdin,
          crlfDelay: Number.POSITIVE_INFINITY,
        });
        for await (const line of lines) {
          if (this.closing) break;
          await answer(line);
        }
      }
    };
    void run()
      .catch((error: unknown) => out.write(`! console adapter stopped: ${(error as Error).message}\n`))
      .finally(() => this.done());
  }

  /** Stops after the line being handled. */
  async stop(): Promise<void> {
    this.closing = true;
  }
}
