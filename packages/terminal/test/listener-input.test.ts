// Output listeners hear a command's last output before its result; they are the caller's code,
// and what they type then (a ^C on seeing an error) must be known to the prompt gate, so the next
// queued command is not typed into a line the ^C throws away. Real bash, real PTY.
import { afterEach, expect, test } from 'vitest';
import { Terminal } from '../src/terminal';

let t: Terminal | undefined;
afterEach(async () => {
  await t?.kill();
  t = undefined;
});

test("a ^C a listener types on a command's last output does not swallow the next queued command", async () => {
  t = await Terminal.spawn({ shell: 'bash' });
  const terminal = t;
  // Each round races the ^C against the next command's typing; a few rounds make a miss likely.
  for (let round = 1; round <= 4; round++) {
    let interrupted = false;
    const listening = terminal.onData((chunk) => {
      if (!interrupted && chunk.data.includes(`FATAL-${round}`)) {
        interrupted = true;
        terminal.write('\x03');
      }
    });
    const first = terminal.execute(`printf 'FATAL-%s\\n' ${round}`);
    const next = terminal.execute(`echo next-ran-${round}`, { timeoutMs: 5_000 });
    expect((await first).exitCode).toBe(0);
    const result = await next;
    listening.dispose();
    expect(interrupted).toBe(true);
    expect(result).toMatchObject({ stdout: `next-ran-${round}\n`, exitCode: 0, timedOut: false });
  }
});
