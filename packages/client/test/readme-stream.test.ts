// The README's stream example, run as written against a real terminal. Its output arrives in
// whatever chunks the transport makes; here every line is a chunk of its own, so a stop condition
// that also matches the echoed command line (`echo streamed\r\n` contains `streamed\r\n`) stops
// before the command's output and fails.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Orchestrator } from '@orchflow/core';
import { expect, it, onTestFinished } from 'vitest';
import { OrchflowClient, type OutputEvent, type RemoteTerminal } from '../src/index';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8');

/** The README's lines from `const from =` through the end of the `for await` loop after it. */
function streamSnippet(): string {
  const lines = readme.split('\n');
  const start = lines.findIndex((line) => line.startsWith('const from = '));
  const end = lines.findIndex((line, index) => index > start && line === '}');
  expect(start, 'the README has a stream example').toBeGreaterThanOrEqual(0);
  return lines.slice(start, end + 1).join('\n');
}

/** `terminal` with a stream() that yields every line of output as a chunk of its own. */
function lineByLine(terminal: RemoteTerminal): RemoteTerminal {
  const stream = async function* (options?: { fromOffset?: number }): AsyncIterable<OutputEvent> {
    for await (const event of terminal.stream(options)) {
      if (event.type !== 'data') {
        yield event;
        continue;
      }
      let offset = event.offset;
      for (const line of event.data.split(/(?<=\n)/)) {
        const nextOffset = offset + Buffer.byteLength(line);
        yield { type: 'data', data: line, offset, nextOffset };
        offset = nextOffset;
      }
    }
  };
  return new Proxy(terminal, {
    get: (target, key) => (key === 'stream' ? stream : Reflect.get(target, key, target)),
  });
}

it("the README's stream example stops at the command's output, not at its echoed command line", async () => {
  const orch = Orchestrator.builder().build();
  const client = await OrchflowClient.direct(orch);
  onTestFinished(async () => {
    await client.close();
    await orch.shutdown();
  });
  const terminal = await client.spawnTerminal('readme');
  const snippet = streamSnippet();
  const command = /terminal\.execute\((['"])(.*?)\1\)/.exec(snippet)?.[2];
  expect(command, 'the example runs a command').toBeDefined();
  let written = '';
  const fakeProcess = { stdout: { write: (text: string) => (written += text) } };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
  await new AsyncFunction('terminal', 'process', snippet)(lineByLine(terminal), fakeProcess);
  // The echoed command line was streamed, and the loop went on to the output after it.
  expect(written).toContain(`${command}\r\n`);
  const lastLine = written.trimEnd().split('\r\n').at(-1);
  expect(lastLine).not.toContain(command);
  const expected = (await client.runScript(command as string)).stdout.trim();
  expect(lastLine).toBe(expected);
});
