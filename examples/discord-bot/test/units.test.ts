// The pure parts: command parsing, reply formatting, the console reader, and the Discord
// message → bot → reply mapping with real discord.js objects (no network, no token).
import { Client, Message } from 'discord.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleMessageReader } from '../src/adapters/console';
import { handleDiscordMessage, toIncoming, toReplyOptions } from '../src/adapters/discord';
import type { IncomingMessage } from '../src/chat';
import { parseCommand } from '../src/commands';
import { fencedReply } from '../src/reply';

describe('parseCommand', () => {
  it('reads every documented spelling', () => {
    expect(parseCommand('!run python3 print(1+1)')).toEqual({
      kind: 'code',
      language: 'python3',
      code: 'print(1+1)',
    });
    expect(parseCommand('!run js console.log(1)')).toEqual({
      kind: 'code',
      language: 'node',
      code: 'console.log(1)',
    });
    expect(parseCommand('!run\n```python\nx = 1\nprint(x)\n```')).toEqual({
      kind: 'code',
      language: 'python3',
      code: 'x = 1\nprint(x)',
    });
    expect(parseCommand('```js\nconsole.log(2)\n```')).toEqual({
      kind: 'code',
      language: 'node',
      code: 'console.log(2)',
    });
    expect(parseCommand('!run curl https://example.com')).toEqual({
      kind: 'shell',
      line: 'curl https://example.com',
    });
    expect(parseCommand('!reset')).toEqual({ kind: 'reset' });
    expect(parseCommand('!help')).toEqual({ kind: 'help' });
    expect(parseCommand('!run')).toEqual({ kind: 'help' });
    expect(parseCommand('hello everyone')).toBeUndefined();
  });
});

describe('fencedReply', () => {
  it('keeps short output whole and fenced', () => {
    expect(fencedReply('hdr', 'a\nb\n')).toBe('hdr\n```\na\nb\n```');
  });

  it('cuts long output to the limit and counts the bytes left out', () => {
    const output = 'é'.repeat(5000); // 2 bytes each in UTF-8
    const reply = fencedReply('hdr', output);
    expect(reply.length).toBeLessThanOrEqual(2000);
    const kept = /```\n(é*)\n```/.exec(reply)?.[1] ?? '';
    const dropped = Number(/… \(truncated, (\d+) more bytes\)$/.exec(reply)?.[1]);
    expect(kept.length).toBeGreaterThan(1500);
    expect(kept.length * 2 + dropped).toBe(10_000);
  });

  it('never lets output close the fence or split an emoji', () => {
    const reply = fencedReply('hdr', `${'```'.repeat(400)}${'😀'.repeat(1000)}`);
    expect(reply.length).toBeLessThanOrEqual(2000);
    expect(reply.match(/```/g)).toHaveLength(2);
    expect(reply).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('ConsoleMessageReader', () => {
  it('joins the lines of a code fence into one message', () => {
    const reader = new ConsoleMessageReader();
    expect(reader.push('alice: ```python')).toBeUndefined();
    expect(reader.push('print(1)')).toBeUndefined();
    expect(reader.push('```')).toEqual({
      userId: 'alice',
      userName: 'alice',
      channelId: 'console',
      text: '```python\nprint(1)\n```',
    });
    expect(() => reader.push('no colon here')).toThrow(/user: text/);
  });
});

describe('Discord adapter mapping', () => {
  const client = new Client({ intents: [] });
  afterAll(() => client.destroy());
  // A real discord.js Message built from gateway data, as the client would on messageCreate.
  const messageOf = (content: string, bot = false): Message =>
    Reflect.construct(Message, [
      client,
      {
        id: '1100000000000000001',
        channel_id: '1200000000000000002',
        content,
        author: {
          id: bot ? '99' : '1300000000000000003',
          username: 'alice',
          global_name: 'Alice',
          discriminator: '0',
          avatar: null,
          bot,
        },
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        pinned: false,
        type: 0,
      },
    ]) as Message;

  it('maps author, channel and content, and ignores bots', () => {
    expect(toIncoming(messageOf('!run python3 print(1)'))).toEqual({
      userId: '1300000000000000003',
      userName: 'Alice',
      channelId: '1200000000000000002',
      text: '!run python3 print(1)',
    });
    expect(toIncoming(messageOf('!help', true))).toBeUndefined();
  });

  it('replies in place without pinging anyone, and only to commands', async () => {
    const seen: IncomingMessage[] = [];
    const handler = async (m: IncomingMessage) => {
      seen.push(m);
      return m.text.startsWith('!') ? '@everyone 2' : undefined;
    };
    const sent: unknown[] = [];
    const message = Object.assign(messageOf('!run python3 print(1+1)'), {
      reply: async (options: unknown) => sent.push(options),
    });
    await handleDiscordMessage(message, handler);
    expect(sent).toEqual([{ content: '@everyone 2', allowedMentions: { parse: [], repliedUser: false } }]);
    await handleDiscordMessage(Object.assign(messageOf('just chatting'), { reply: message.reply }), handler);
    expect(sent).toHaveLength(1);
    expect(seen.map((m) => m.userId)).toEqual(['1300000000000000003', '1300000000000000003']);
    expect(() => toReplyOptions('x'.repeat(2001))).toThrow(/exceeds Discord's 2000/);
  });
});
