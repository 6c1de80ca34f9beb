#!/usr/bin/env node
// orchflow-par's executable: loads the TypeScript sources through tsx (this is an example, not a
// published build), wires Ctrl-C to abort every job, and exits with main's status.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts += 1;
  // The first Ctrl-C interrupts the jobs and waits for them to end; a second one gives up waiting.
  if (interrupts > 1) process.exit(130);
  process.stderr.write('\norchflow-par: interrupting all jobs (Ctrl-C again to quit at once)\n');
  controller.abort();
});

const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  color,
  cwd: process.cwd(),
  signal: controller.signal,
});
