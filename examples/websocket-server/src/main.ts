// `pnpm start`: the orchflow WebSocket service with two agent tokens, and the page that drives it.
// Open the printed URL; Ctrl-C stops everything (terminals included).
import { startExample } from './server';

const example = await startExample({
  pagePort: Number(process.env.PAGE_PORT ?? 0),
  websocketPort: Number(process.env.ORCHFLOW_WS_PORT ?? 0),
});
console.log(`orchflow WebSocket server: ${example.websocketUrl} (tokens file ${example.tokensFile})`);
console.log('  alice: agent ids alice-*, policy "standard"');
console.log('  bob:   agent ids bob-*, policy: allowlist echo/printf/pwd/ls/date/cat, 10 s timeout');
console.log(
  `\nOpen the example page (both agents' tokens are in the URL fragment):\n\n  ${example.pageUrl}\n`,
);
console.log('Ctrl-C to stop.');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping: closing connections, killing terminals');
    example.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
