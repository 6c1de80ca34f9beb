// Commands of a recording: listed from the `m` markers, or from the sidecar index plus the markers
// after its last entry; a malformed or mismatching index is ignored with a warning; one command's
// events are read from its start marker to its end marker.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listRecordedCommands,
  openRecordedCommand,
  parseEndMarker,
  readRecording,
} from '../src/recording/reader-commands';
import { readRecordingIndex } from '../src/recording/reader-index';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/asciicast');
const fixture = (name: string) => join(FIXTURES, name);
const OUTPUT = 'echo héllo wörld\r\n\u001b[32mhéllo\u001b[0m wörld 世界 🎉\r\n';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchflow-cast-commands-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const EXPECTED = [
  { n: 1, command: 'echo héllo wörld', exitCode: 0, durationMs: 30, cwd: '/home/agent', ended: true },
  { n: 2, command: 'false', exitCode: 1, durationMs: 1250, cwd: '/home/agent/src', ended: true },
];

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isOrchflowError(error)) throw new Error(`expected an OrchflowError, got ${String(error)}`);
  return error;
}

/** A copy of the v2 fixture with `index` as its sidecar (raw text, or an object as JSON). */
async function withIndex(name: string, index: unknown): Promise<string> {
  const path = join(dir, name);
  await copyFile(fixture('v2-session.cast'), path);
  await writeFile(`${path}.index.json`, typeof index === 'string' ? index : JSON.stringify(index));
  return path;
}

/** A v2 index entry for the fixture's first command. */
async function firstEntry(overrides: Record<string, unknown> = {}) {
  const { commands } = await listRecordedCommands(fixture('v2-session.cast'));
  const first = commands[0];
  return {
    n: 1,
    command: first?.command,
    cwd: '/home/agent',
    exitCode: 0,
    durationMs: 31.5,
    startedAt: '2025-12-02T12:00:00.500Z',
    time: first?.time,
    byteOffset: first?.byteOffset,
    ...overrides,
  };
}

describe('commands from markers', () => {
  it('lists v2 and v3 commands with exit codes, durations and cwd', async () => {
    for (const name of ['v2-session.cast', 'v3-session.cast']) {
      const list = await listRecordedCommands(fixture(name));
      expect(list.source, name).toBe('markers');
      expect(list.commands, name).toMatchObject(EXPECTED);
      expect(list.commands[1]?.time, name).toBeCloseTo(2.0, 6);
      expect(list.warnings).toEqual([]);
    }
  });

  it('lists a command cut off by a crash as not ended', async () => {
    const list = await listRecordedCommands(fixture('v2-truncated.cast'));
    expect(list.commands).toMatchObject([{ n: 1, command: 'sleep 100', exitCode: null, ended: false }]);
    expect(list.commands[0]?.durationMs).toBeUndefined();
    expect(list.truncated).toMatchObject({ line: 4 });
  });

  it('summarises a whole recording in one pass', async () => {
    const v3 = await readRecording(fixture('v3-session.cast'));
    expect(v3).toMatchObject({ events: 12, exitStatus: '0', commands: EXPECTED });
    expect(v3.durationSec).toBeCloseTo(2.76, 6);
    const v2 = await readRecording(fixture('v2-session.cast'));
    expect(v2.exitStatus).toBeUndefined();
    expect(v2.durationSec).toBe(2.26);
  });

  it('parses the end marker labels the recorder writes', () => {
    expect(parseEndMarker('exit 0 · 850ms · /a · b')).toEqual({
      exitCode: 0,
      durationMs: 850,
      cwd: '/a · b',
    });
    expect(parseEndMarker('exit 2 · 1.25s')).toEqual({ exitCode: 2, durationMs: 1250 });
    expect(parseEndMarker('exit signal · 2m03s · /')).toEqual({
      exitCode: null,
      durationMs: 123_000,
      cwd: '/',
    });
    expect(parseEndMarker('exiting')).toBeUndefined();
    expect(parseEndMarker('$ exit 1')).toBeUndefined();
  });
});

describe('the sidecar index', () => {
  it('is used, with the markers after its last entry', async () => {
    const path = await withIndex('indexed.cast', {
      version: 1,
      format: 'asciicast-v2',
      terminalId: 't-1',
      agentId: 'agent-1',
      commands: [await firstEntry()],
    });
    const list = await listRecordedCommands(path);
    expect(list).toMatchObject({ source: 'index', agentId: 'agent-1', terminalId: 't-1', warnings: [] });
    // 31.5 ms and startedAt come from the index; command 2 (not indexed yet) from its markers.
    expect(list.commands).toMatchObject([
      { ...EXPECTED[0], durationMs: 31.5, startedAt: '2025-12-02T12:00:00.500Z' },
      EXPECTED[1],
    ]);
  });

  it('is ignored with a warning when malformed, of another format or pointing elsewhere', async () => {
    const base = { version: 1, format: 'asciicast-v2', terminalId: 't', agentId: 'a' };
    const cases: [string, unknown, RegExp][] = [
      ['not JSON', '{"version": 1,', /is not valid JSON/],
      ['wrong version', { ...base, version: 9, commands: [] }, /not a version 1 recording index/],
      ['a bad entry', { ...base, commands: [{ n: 'one' }] }, /command #1 is malformed/],
      [
        'v3 index',
        { ...base, format: 'asciicast-v3', commands: [await firstEntry()] },
        /is for asciicast-v3/,
      ],
      ['wrong offset', { ...base, commands: [await firstEntry({ byteOffset: 3 })] }, /does not match/],
    ];
    for (const [what, index, warning] of cases) {
      const list = await listRecordedCommands(
        await withIndex(`bad-${what.replaceAll(' ', '-')}.cast`, index),
      );
      expect(list.source, what).toBe('markers');
      expect(list.commands, what).toMatchObject(EXPECTED);
      expect(list.warnings.join('\n'), what).toMatch(warning);
    }
  });

  it('fails readRecordingIndex with InvalidParams when malformed; none is undefined', async () => {
    const path = await withIndex('unordered.cast', {
      version: 1,
      format: 'asciicast-v2',
      terminalId: 't',
      agentId: 'a',
      commands: [await firstEntry({ n: 2 }), await firstEntry({ n: 1 })],
    });
    const error = await failure(readRecordingIndex(path));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toMatch(/command #2 is out of order/);
    expect(await readRecordingIndex(fixture('v2-session.cast'))).toBeUndefined();
  });
});

describe('one command’s events', () => {
  async function collect(path: string, n: number) {
    const opened = await openRecordedCommand(path, n);
    const events = [];
    for await (const event of opened.events()) events.push(event);
    return { command: opened.command, events };
  }

  it('run from its start marker to its end marker, bytes intact', async () => {
    for (const name of ['v2-session.cast', 'v3-session.cast']) {
      const { command, events } = await collect(fixture(name), 1);
      expect(command).toMatchObject(EXPECTED[0] ?? {});
      expect(events.map((e) => e.code).join('')).toBe('moom');
      expect(
        events
          .filter((e) => e.code === 'o')
          .map((e) => e.data)
          .join(''),
      ).toBe(OUTPUT);
      expect(events.at(-1)?.data).toBe('exit 0 · 30ms · /home/agent');
    }
  });

  it('of a command found through the index keep their times (v3 intervals)', async () => {
    const path = join(dir, 'v3-indexed.cast');
    await copyFile(fixture('v3-session.cast'), path);
    const second = (await listRecordedCommands(path)).commands[1];
    const index = { version: 1, format: 'asciicast-v3', terminalId: 't', agentId: 'a', commands: [second] };
    await writeFile(`${path}.index.json`, JSON.stringify(index));
    const { events } = await collect(path, 2);
    expect(events.map((e) => [e.code, e.data])).toEqual([
      ['m', '$ false'],
      ['o', 'false\r\n'],
      ['m', 'exit 1 · 1.25s · /home/agent/src'],
    ]);
    expect(events.map((e) => Math.round(e.time * 1000))).toEqual([2000, 2010, 2250]);
  });

  it('fall back to the markers when the index points elsewhere', async () => {
    const entry = await firstEntry();
    const bytes = await readFile(fixture('v2-session.cast'));
    // Command 1's offset moved to the `r` event: a stale index.
    const resize = bytes.indexOf('[1.2, "r"');
    const path = await withIndex('stale.cast', {
      version: 1,
      format: 'asciicast-v2',
      terminalId: 't',
      agentId: 'a',
      commands: [
        { ...entry, byteOffset: resize },
        { ...entry, n: 2, command: 'false', byteOffset: resize + 1 },
      ],
    });
    const { events } = await collect(path, 1);
    expect(events.map((e) => e.code).join('')).toBe('moom');
  });

  it('run to the end of the file for a command that never ended', async () => {
    const { events } = await collect(fixture('v2-truncated.cast'), 1);
    expect(events.map((e) => e.data)).toEqual(['$ sleep 100', 'partial output\r\n']);
  });

  it('fail with InvalidParams for a number that is not a command', async () => {
    const path = fixture('v2-session.cast');
    const missing = await failure(openRecordedCommand(path, 3));
    expect(missing.code).toBe(ErrorCode.InvalidParams);
    expect(missing.message).toMatch(/has no command 3; it has commands 1–2/);
    for (const n of [0, -1, 1.5, Number.NaN]) {
      expect((await failure(openRecordedCommand(path, n))).message).toMatch(/whole number ≥ 1/);
    }
  });
});
