// Check (not a timed benchmark): does the end of a large output survive the shell exiting right
// after it? `head -c N /dev/zero | tr '\0' Z; exit` in an orchflow terminal and in the raw
// node-pty baseline; counts the `Z` bytes that reached a subscriber (orchflow) or onData (raw).
// The shell is the PTY's session leader, so its exit hangs the PTY up; without a drain, Linux
// discards what the reader has not read yet. Prints one line per run and writes
// bench/results/exit-tail.json. Flags: --bytes N (default 32 MiB), --runs N (default 5).
import { Terminal } from '@orchflow/terminal';
import { LINE_EDITING, RawBash } from './lib/raw-bash.mjs';
import { arg, quick, writeResults } from './lib/stats.mjs';

const BYTES = Number(arg('bytes', quick ? 8 * 2 ** 20 : 32 * 2 ** 20));
const RUNS = Number(arg('runs', quick ? 2 : 5));
// The byte is written as an octal escape so that the echo of the typed line holds no `Z`.
const line = `head -c ${BYTES} /dev/zero | tr '\\0' '\\132'; exit`;

const countZ = (text) => {
  let n = 0;
  for (let i = text.indexOf('Z'); i >= 0; i = text.indexOf('Z', i + 1)) n++;
  return n;
};

async function orchflow() {
  const terminal = await Terminal.spawn({ shell: 'bash', lineEditing: LINE_EDITING });
  let received = 0;
  const ended = new Promise((resolve) => {
    // Acknowledged like a real consumer, so flow control is in play as it would be in use.
    const sub = terminal.subscribe({ manualAck: true }, (event) => {
      if (event.type === 'data') {
        received += countZ(event.data);
        sub.ack(event.nextOffset);
      } else if (event.type === 'gap') throw new Error(`gap ${event.from}–${event.to}`);
      else if (event.type === 'end') {
        sub.dispose();
        resolve();
      }
    });
  });
  const result = await terminal.execute(line);
  await ended;
  return { received, shellExited: result.shellExited === true };
}

async function raw() {
  const shell = await RawBash.spawn();
  let received = 0;
  shell.pty.onData((data) => {
    received += countZ(data);
  });
  shell.pty.write(`${line}\r`);
  await shell.exited;
  return { received, shellExited: true };
}

const runs = { raw: [], orchflow: [] };
for (let i = 0; i < RUNS; i++) {
  for (const side of i % 2 === 0 ? ['raw', 'orchflow'] : ['orchflow', 'raw']) {
    const run = side === 'raw' ? await raw() : await orchflow();
    runs[side].push(BYTES - run.received);
    console.log(`${side}: received ${run.received} of ${BYTES} bytes (lost ${BYTES - run.received})`);
  }
}
const lossless = (list) => list.every((lost) => lost === 0);
console.log(`orchflow lossless in ${runs.orchflow.filter((l) => l === 0).length}/${RUNS} runs`);
writeResults('exit-tail', {
  params: { bytes: BYTES, runs: RUNS, command: line },
  lostBytes: runs,
  pass: { orchflow: lossless(runs.orchflow), raw: lossless(runs.raw) },
});
