// `pnpm --filter @orchflow/example-discord-bot discord`: the same bot on Discord.
import { DiscordAdapter } from './adapters/discord';
import { CodeBot } from './bot';
import { SandboxRunner } from './runner';

const token = process.env.DISCORD_TOKEN;
if (!token) {
  console.error('Set DISCORD_TOKEN to your bot token (see examples/discord-bot/README.md).');
  process.exit(2);
}
const runner = SandboxRunner.create();
const adapter = new DiscordAdapter({ token });
await adapter.start(new CodeBot(runner).handle);
console.log(`logged in as ${adapter.client.user?.tag}; try !help in a channel the bot can read`);
const stop = async () => {
  await adapter.stop();
  await runner.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
