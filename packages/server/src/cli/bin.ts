// Entry point of the `orchflow` executable (built to dist/cli.mjs with a node shebang).
import { runCli } from './program';

const code = await runCli(process.argv);
// Exit only once stdout has flushed: piped output is written asynchronously.
process.stdout.write('', () => process.exit(code));
