// The asciicast reader on hand-written v2 and v3 files (test/fixtures/asciicast): headers and
// events normalised across versions, a truncated last line tolerated and reported, and every other
// malformed input failing with InvalidParams that names the line and the problem.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecording, type RecordingEvent } from '../src/recording/reader';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/asciicast');
const fixture = (name: string) => join(FIXTURES, name);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchflow-cast-reader-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function all(path: string): Promise<{ events: RecordingEvent[]; truncated: unknown }> {
  const stream = await openRecording(path);
  const events: RecordingEvent[] = [];
  for await (const event of stream.events()) events.push(event);
  return { events, truncated: stream.truncated };
}

/** The error `promise` rejects with (the test fails if it resolves). */
async function failure(promise: Promise<unknown>): Promise<{ code: number; message: string; data: unknown }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isOrchflowError(error)) throw new Error(`expected an OrchflowError, got ${String(error)}`);
  return error;
}

async function cast(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const OUTPUT = 'echo héllo wörld\r\n\u001b[32mhéllo\u001b[0m wörld 世界 🎉\r\n';

describe('valid recordings', () => {
  it('reads a v2 header and its events with absolute times, lines and byte offsets', async () => {
    const path = fixture('v2-session.cast');
    const stream = await openRecording(path);
    expect(stream.header).toMatchObject({
      version: 2,
      cols: 80,
      rows: 24,
      timestamp: 1764676800,
      title: 'agent-1',
      command: '/bin/bash',
      env: { SHELL: '/bin/bash', TERM: 'xterm-256color' },
    });
    const { events, truncated } = await all(path);
    expect(truncated).toBeUndefined();
    expect(events.map((e) => e.code).join('')).toBe('omoomormomo');
    expect(events[6]).toMatchObject({ time: 1.2, code: 'r', data: '100x30', line: 8 });
    expect(
      events
        .filter((e) => e.time >= 0.5 && e.time < 0.53 && e.code === 'o')
        .map((e) => e.data)
        .join(''),
    ).toBe(OUTPUT);
    // Each byte offset is where the event's line starts in the file.
    const bytes = await readFile(path);
    for (const event of events) {
      const line = bytes.subarray(event.byteOffset, bytes.indexOf(0x0a, event.byteOffset)).toString('utf8');
      expect(JSON.parse(line)[2]).toBe(event.data);
    }
  });

  it('reads v3: intervals summed to times, comment lines skipped, the exit event kept', async () => {
    const path = fixture('v3-session.cast');
    const stream = await openRecording(path);
    expect(stream.header).toMatchObject({ version: 3, cols: 80, rows: 24, title: 'agent-1' });
    const v3 = (await all(path)).events;
    const v2 = (await all(fixture('v2-session.cast'))).events;
    // The same session as the v2 fixture, written with intervals.
    expect(v3.slice(0, -1).map((e) => [e.code, e.data])).toEqual(v2.map((e) => [e.code, e.data]));
    for (const [i, event] of v2.entries()) expect(v3[i]?.time).toBeCloseTo(event.time, 6);
    expect(v3.at(-1)).toMatchObject({ code: 'x', data: '0', line: 14 });
    expect(v3.at(-1)?.time).toBeCloseTo(2.76, 6);
  });

  it('starts at a byte offset with the absolute time given for v3', async () => {
    const path = fixture('v3-session.cast');
    const { events } = await all(path);
    const marker = events.find((e) => e.data === '$ false');
    if (!marker) throw new Error('fixture has no "$ false" marker');
    const stream = await openRecording(path, { fromByte: marker.byteOffset, timeAtFromByte: marker.time });
    const tail: RecordingEvent[] = [];
    for await (const event of stream.events()) tail.push(event);
    expect(tail[0]).toMatchObject({ code: 'm', data: '$ false', line: undefined });
    expect(tail.map((e) => e.time)).toEqual(events.slice(-tail.length).map((e) => e.time));
  });

  it('skips empty lines', async () => {
    const path = await cast('blank.cast', '{"version": 2, "width": 10, "height": 5}\n\n[0.1, "o", "x"]\n\n');
    expect((await all(path)).events).toEqual([{ time: 0.1, code: 'o', data: 'x', line: 3, byteOffset: 42 }]);
  });
});

describe('a truncated last line (the writer died mid-line)', () => {
  it('is reported for v2, with every complete event before it', async () => {
    const { events, truncated } = await all(fixture('v2-truncated.cast'));
    expect(events.map((e) => e.data)).toEqual(['$ sleep 100', 'partial output\r\n']);
    expect(truncated).toEqual({ line: 4, byteOffset: 101, bytes: 26 });
  });

  it('is reported for v3, even when it cuts a \\u escape', async () => {
    const { events, truncated } = await all(fixture('v3-truncated.cast'));
    expect(events.map((e) => e.data)).toEqual(['ok\r\n']);
    expect(truncated).toMatchObject({ line: 3 });
  });

  it('also when the cut splits a multi-byte UTF-8 character', async () => {
    const whole = Buffer.from(
      '{"version": 2, "width": 10, "height": 5}\n[0.1, "o", "ok"]\n[0.2, "o", "世界"]\n',
    );
    const path = join(dir, 'cut-utf8.cast');
    await writeFile(path, whole.subarray(0, whole.length - 5)); // inside 界
    const { events, truncated } = await all(path);
    expect(events.map((e) => e.data)).toEqual(['ok']);
    expect(truncated).toMatchObject({ line: 3 });
  });

  it('is not tolerated when the line has its newline (garbage, not a crash)', async () => {
    const path = await cast(
      'ended.cast',
      '{"version": 2, "width": 10, "height": 5}\n[0.1, "o", "x"]\n[0.2, "o\n',
    );
    const error = await failure(all(path));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toContain('line 3 is not valid JSON');
  });
});

describe('invalid files fail with InvalidParams naming the line', () => {
  const header = '{"version": 2, "width": 10, "height": 5}\n';
  const cases: [string, string, RegExp][] = [
    ['garbage in the middle', `${header}[0.1, "o", "ok"]\nnot json\n`, /line 3 is not valid JSON/],
    ['an object event', `${header}{"t": 1}\n`, /line 2 is not an event/],
    ['a two-element event', `${header}[0.1, "o"]\n`, /line 2 is not an event/],
    ['a negative time', `${header}[-1, "o", "x"]\n`, /line 2 has no valid time/],
    ['a string time', `${header}["1", "o", "x"]\n`, /line 2 has no valid time/],
    ['an empty code', `${header}[1, "", "x"]\n`, /line 2 has no event code/],
    ['non-string data', `${header}[1, "o", 42]\n`, /line 2 has non-string event data/],
    ['a bad resize', `${header}[1, "r", "wide"]\n`, /line 2 has a resize event with data 'wide'/],
    ['a comment in v2', `${header}# note\n`, /line 2 is not valid JSON/],
    ['a header that is not JSON', 'hello world\n[0.1, "o", "x"]\n', /line 1 \(header\) is not valid JSON/],
    ['a header without version', '{"width": 10, "height": 5}\n', /line 1 \(header\) has no "version"/],
    ['asciicast v1', '{"version": 1, "width": 10, "height": 5, "stdout": []}\n', /only asciicast v2 and v3/],
    ['a v2 header without width', '{"version": 2, "height": 5}\n', /no valid "width"/],
    ['a v3 header without term', '{"version": 3}\n', /no valid "term.cols"/],
    ['a header that is an array', '[0.1, "o", "x"]\n', /line 1 \(header\) is not a JSON object/],
  ];
  for (const [what, text, message] of cases) {
    it(`rejects ${what}`, async () => {
      const path = await cast(`bad-${what.replaceAll(' ', '-')}.cast`, text);
      const error = await failure(all(path));
      expect(error.code).toBe(ErrorCode.InvalidParams);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(path);
    });
  }

  it('rejects the fixture with a garbage line, after the events before it', async () => {
    const stream = await openRecording(fixture('v2-garbage.cast'));
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const event of stream.events()) seen.push(event.data);
      })(),
    );
    expect(seen).toEqual(['ok\r\n']);
    expect(error.data).toMatchObject({ line: 3, reason: 'is not valid JSON' });
  });

  it('rejects invalid UTF-8 in a complete line', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${header}[0.1, "o", "`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"]\n'),
    ]);
    const path = join(dir, 'latin1.cast');
    await writeFile(path, bytes);
    expect((await failure(all(path))).message).toMatch(/line 2 is not valid UTF-8/);
  });

  it('rejects an empty file and a line over the bound', async () => {
    expect((await failure(all(await cast('empty.cast', '')))).message).toMatch(
      /is empty; not an asciicast file/,
    );
    const long = await cast('long.cast', `${header}[0.1, "o", "${'x'.repeat(5000)}"]\n`);
    const stream = await openRecording(long, { maxLineBytes: 1024 });
    const error = await failure((async () => stream.events().next())());
    expect(error.message).toMatch(/longer than 1024 bytes/);
  });

  it('rejects bad options', async () => {
    const path = fixture('v2-session.cast');
    expect((await failure(openRecording(path, { maxLineBytes: 0 }))).code).toBe(ErrorCode.InvalidParams);
    expect((await failure(openRecording(path, { fromByte: -1 }))).code).toBe(ErrorCode.InvalidParams);
  });

  it('fails with ENOENT for a missing file', async () => {
    await expect(openRecording(join(dir, 'nope.cast'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
