// `pnpm start`: the bot behind the console adapter. A short demo conversation plays first
// (skip it with `-- --no-demo`), then every `user: text` line on stdin — typed or piped — is a
// chat message, until stdin ends.
import { ConsoleAdapter } from './adapters/console';
import { CodeBot } from './bot';
import { SandboxRunner } from './runner';

const DEMO = [
  'alice: !help',
  'alice: !run python3 import sys; print(f"hello from python {sys.version_info.major}.{sys.version_info.minor}")',
  'bob: !run node console.log([1, 2, 3].map((n) => n * n))',
  "alice: !run python3 open('note.txt', 'w').write('alice was here')",
  "bob: !run python3 print(open('note.txt').read())",
  'bob: !run curl https://example.com',
  "alice: !run python3 import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)",
  'alice: ```python',
  'for i in range(3000):',
  '    print(i, "squared is", i * i)',
  '```',
  'bob: !reset',
];

const runner = SandboxRunner.create();
const bot = new CodeBot(runner);
try {
  if (!process.argv.includes('--no-demo')) {
    const demo = new ConsoleAdapter({ script: DEMO });
    await demo.start(bot.handle);
    await demo.finished;
  }
  if (process.stdin.isTTY)
    console.log('— your turn: type `name: !run python3 print(1 + 1)` (Ctrl-D to quit) —');
  const chat = new ConsoleAdapter();
  await chat.start(bot.handle);
  await chat.finished;
} finally {
  await runner.close();
}
