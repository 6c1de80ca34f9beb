// `pnpm start`: the orchflow WebSocket service with two agent tokens, and the page that drives it.
// Open the printed URL; Ctrl-C stops everything (terminals included).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startExample } from './server';

const example = await startExample({
  pagePort: Number(process.env.PAGE_PORT ?? 0),
  websocketPort: Number(process.env.ORCHFLOW_WS_PORT ?? 0),
});
console.log(`orchflow WebSocket server: ${example.websocketUrl} (tokens file ${example.tokensFile})`);
console.log('  alice: agent ids alice-*, policy "standard"');
console.log('  bob:   agent ids bob-*, restricted: echo/pwd/date, no file reads or writes, 10 s timeout');
// The page URL carries both tokens. It goes next to the tokens file (owner-only, in the directory
// every terminal is forbidden to name), and to the console only when that is a TTY: redirected
// to a log file, it would sit where a terminal's commands could read it.
const urlFile = join(example.secretsDir, 'page-url.txt');
await writeFile(urlFile, `${example.pageUrl}\n`, { mode: 0o600 });
if (process.stdout.isTTY) {
  console.log(
    `\nOpen the example page (both agents' tokens are in the URL fragment):\n\n  ${example.pageUrl}\n`,
  );
} else {
  console.log(`\nThe example page's URL (with both agents' tokens) is in ${urlFile}\n`);
}
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
