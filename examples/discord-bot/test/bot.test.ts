// The bot for real: sandboxed orchflow terminals (bubblewrap, no network, 512 MiB) running real
// python3 and node, driven through the console adapter's message form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleAdapter } from '../src/adapters/console';
import { CodeBot } from '../src/bot';
import { SandboxRunner } from '../src/runner';

let runner: SandboxRunner;
let bot: CodeBot;
const say = (user: string, text: string) => bot.handle({ userId: user, channelId: 'test', text });

beforeAll(() => {
  // A short timeout so the timeout case is quick; everything else is the plan's policy.
  runner = SandboxRunner.create({ timeoutMs: 3_000 });
  bot = new CodeBot(runner);
});
afterAll(() => runner?.close());

describe('code bot', () => {
  it('gives each user a terminal of their own: one user’s state is invisible to another', async () => {
    const write = await say('alice', "!run python3 open('note.txt', 'w').write('secret=42'); print('saved')");
    expect(write).toContain('✅ exit 0');
    expect(write).toContain('saved');
    // The state persists for alice…
    expect(await say('alice', "!run python3 print(open('note.txt').read())")).toContain('secret=42');
    // …but bob's terminal has its own workspace, and the sandbox hides alice's even by full path.
    const bobRelative = await say('bob', "!run python3 print(open('note.txt').read())");
    expect(bobRelative).toContain('❌ exit 1');
    expect(bobRelative).toContain('FileNotFoundError');
    const alicePath = `${runner.workspaceOf('alice')}/note.txt`;
    const bobAbsolute = await say('bob', `!run python3 print(open(${JSON.stringify(alicePath)}).read())`);
    expect(bobAbsolute).toContain('FileNotFoundError');
    const terminals = runner.orchestrator.listTerminals();
    expect(terminals.map((t) => t.agentId).sort()).toEqual(['chat-alice', 'chat-bob']);
    expect(new Set(terminals.map((t) => t.id)).size).toBe(2);
  });

  it('runs node too, without the --jitless warning leaking into the reply', async () => {
    expect(await say('carol', '!run node console.log(6 * 7)')).toMatch(
      /^\*\*carol\*\* ✅ exit 0 · [\d.]+ s\n```\n42\n```$/,
    );
  });

  it('answers a denied command with the policy’s rule and explanation', async () => {
    const curl = await say('alice', '!run curl https://example.com');
    expect(curl).toContain('🚫 refused by the security policy (`allowedCommands: no match`)');
    expect(curl).toContain(
      "'curl https://example.com' in 'curl https://example.com' is not in allowedCommands",
    );
    const rm = await say('alice', '!run rm -rf /');
    expect(rm).toContain('refused by the security policy');
    expect(rm).toMatch(/'rm -rf \/'.*is not in allowedCommands/);
  });

  it('stops code at the timeout and keeps the terminal usable', async () => {
    const started = Date.now();
    const slow = await say('dave', '!run python3 import time; print("start", flush=True); time.sleep(60)');
    expect(slow).toContain('⏱️ timed out after');
    expect(slow).toContain('start');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await say('dave', '!run python3 print("still here")')).toContain('still here');
  });

  it('trims long output to 2000 characters and says how many bytes were left out', async () => {
    const reply = (await say('erin', '!run python3 for i in range(5000): print(i)')) ?? '';
    expect(reply.length).toBeLessThanOrEqual(2000);
    const kept = /```\n([\s\S]*)\n```/.exec(reply)?.[1] ?? '';
    const dropped = Number(/… \(truncated, (\d+) more bytes\)$/.exec(reply)?.[1]);
    const total = Array.from({ length: 5000 }, (_, i) => `${i}\n`).join('').length - 1; // trailing newline trimmed
    expect(kept.startsWith('0\n1\n2\n')).toBe(true);
    expect(kept.length + dropped).toBe(total);
  });

  it('enforces no network and the memory limit inside the sandbox', async () => {
    const net = await say(
      'frank',
      "!run python3 import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)",
    );
    expect(net).toContain('Network is unreachable');
    const mem = await say('frank', '!run python3 x = bytearray(600 * 1024 * 1024)');
    expect(mem).toContain('MemoryError');
  });

  it('!reset kills the terminal and deletes the files', async () => {
    await say('gina', "!run python3 open('f.txt', 'w').write('x')");
    expect(await say('gina', '!reset')).toContain('your terminal and files are gone');
    expect(runner.orchestrator.listTerminals({ agentId: 'chat-gina' })).toHaveLength(0);
    expect(await say('gina', "!run python3 import os; print(os.listdir('.'))")).toContain("['main.py']");
  });

  it('plays a scripted conversation through the console adapter', async () => {
    let printed = '';
    const output = new (await import('node:stream')).Writable({
      write(chunk, _encoding, done) {
        printed += String(chunk);
        done();
      },
    });
    const chat = new ConsoleAdapter({
      output,
      script: ['hana: ```python', 'print(sum(range(10)))', '```', 'hana: hi all'],
    });
    await chat.start(bot.handle);
    await chat.finished;
    expect(printed).toContain('[bot → hana]');
    expect(printed).toMatch(/```\n45\n```/);
    expect(printed.match(/\[bot →/g)).toHaveLength(1);
  });
});
