// The seam between chat platforms and the bot: an adapter turns a platform's message into an
// `IncomingMessage` and sends the bot's answer back. The bot never imports discord.js, so the
// same logic runs behind the console adapter here and behind Discord in production.
import { z } from 'zod';

/** A chat message as the bot sees it, whatever platform it came from. */
export const IncomingMessageSchema = z.object({
  /** Stable id of the author on the platform (one terminal per author). */
  userId: z.string().min(1).max(128),
  /** Display name, for logs only. */
  userName: z.string().max(128).optional(),
  /** Where the message was posted (a Discord channel id, `console`, …). */
  channelId: z.string().min(1).max(128),
  /** The message text as typed. */
  text: z.string().max(8_000),
});
/** A chat message as the bot sees it (see {@link IncomingMessageSchema}). */
export type IncomingMessage = z.infer<typeof IncomingMessageSchema>;

/** What the bot does with a message: answers with one reply, or ignores it (`undefined`). */
export type MessageHandler = (message: IncomingMessage) => Promise<string | undefined>;

/** A chat platform: delivers messages to the handler and posts its replies where they came from. */
export interface ChatAdapter {
  /** Starts delivering messages; resolves once the adapter is listening. */
  start(handler: MessageHandler): Promise<void>;
  /** Stops listening and releases the connection. */
  stop(): Promise<void>;
}

/** Discord refuses messages longer than this many characters. */
export const DISCORD_MESSAGE_LIMIT = 2_000;
