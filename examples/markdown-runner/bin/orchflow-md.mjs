#!/usr/bin/env node
// orchflow-md's executable: loads the TypeScript sources through tsx (this is an example, not a
// published build) and exits with main's status.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
