// Entry point of the `orchflow` executable (built to dist/cli.mjs, whose first lines exec node
// with CLI_NODE_FLAGS: see tsup.config.ts and node-flags.ts).
import { runCli } from './program';

const code = await runCli(process.argv);
// Exit only once stdout has flushed: piped output is written asynchronously.
process.stdout.write('', () => process.exit(code));
