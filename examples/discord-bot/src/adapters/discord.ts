// The Discord side: discord.js delivers `messageCreate` events, `toIncoming` maps a message to
// the bot's platform-free form, and the reply goes back as a Discord reply in the same channel.
// Needs a bot token (DISCORD_TOKEN) and the privileged Message Content intent; see README.

import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import {
  Client,
  Events,
  GatewayIntentBits,
  type Message,
  type MessageReplyOptions,
  Partials,
} from 'discord.js';
import { type ChatAdapter, DISCORD_MESSAGE_LIMIT, type IncomingMessage, type MessageHandler } from '../chat';

/** The parts of a discord.js `Message` the bot reads and calls (a real Message satisfies it). */
export type DiscordMessageLike = Pick<Message, 'author' | 'channelId' | 'content'> & {
  reply(options: MessageReplyOptions): Promise<unknown>;
};

/** Maps a Discord message to the bot's form; undefined for messages from bots (ours included). */
export function toIncoming(
  message: Pick<Message, 'author' | 'channelId' | 'content'>,
): IncomingMessage | undefined {
  if (message.author.bot) return undefined;
  return {
    userId: message.author.id,
    userName: message.author.globalName ?? message.author.username,
    channelId: message.channelId,
    text: message.content,
  };
}

/**
 * The reply as Discord receives it: no pings from whatever the output contains (`@everyone` in a
 * user's print stays text), and never longer than Discord accepts.
 */
export function toReplyOptions(text: string): MessageReplyOptions {
  if (text.length > DISCORD_MESSAGE_LIMIT) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `A reply of ${text.length} characters exceeds Discord's ${DISCORD_MESSAGE_LIMIT}; format it with fencedReply().`,
    );
  }
  return { content: text, allowedMentions: { parse: [], repliedUser: false } };
}

/** Handles one Discord message: maps it, asks the bot, and replies. Resolves with the reply sent. */
export async function handleDiscordMessage(
  message: DiscordMessageLike,
  handler: MessageHandler,
): Promise<string | undefined> {
  const incoming = toIncoming(message);
  if (!incoming) return undefined;
  const reply = await handler(incoming);
  if (reply !== undefined) await message.reply(toReplyOptions(reply));
  return reply;
}

/** Options of {@link DiscordAdapter}. */
export interface DiscordAdapterOptions {
  /** The bot token from the Discord developer portal (Bot → Reset Token). */
  token: string;
  /** Called with errors of single messages (a reply Discord refused, say); default console.error. */
  onError?: (error: unknown) => void;
}

/** Chat adapter for Discord through discord.js v14. */
export class DiscordAdapter implements ChatAdapter {
  /** The discord.js client (logged in by `start`). */
  readonly client = new Client({
    // MessageContent is privileged: enable it under Bot → Privileged Gateway Intents, or every
    // guild message arrives with empty content.
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
      GatewayIntentBits.DirectMessages,
    ],
    // DM channels are not cached before their first message; without this, DMs never arrive.
    partials: [Partials.Channel],
  });

  constructor(private readonly options: DiscordAdapterOptions) {
    if (options.token.trim() === '') {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        'DISCORD_TOKEN is empty: set it to your bot token (see README).',
      );
    }
  }

  /** Logs in and resolves once the gateway connection is ready. */
  async start(handler: MessageHandler): Promise<void> {
    const onError = this.options.onError ?? ((error: unknown) => console.error('discord:', error));
    this.client.on(Events.MessageCreate, (message) => {
      handleDiscordMessage(message, handler).catch(onError);
    });
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    await this.client.login(this.options.token);
    await ready;
  }

  /** Closes the gateway connection. */
  async stop(): Promise<void> {
    await this.client.destroy();
  }
}
