// `orchflow replay`, `orchflow record list` and `orchflow record show` on hand-written asciicast
// v2/v3 files: tables and JSON, byte-exact output, timing flags, and usage errors (missing file,
// bad command number, not asciicast, bad flags) exiting 2. Most cases run the CLI program in this
// process (each real process costs seconds of a shared CPU); the last block runs the real binary.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openRecording, type RecordingEvent } from '@orchflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCommands } from '../src/cli/record';
import { play, playbackClock } from '../src/cli/replay';
import { runCli } from './cli-capture';
import { runCli as runProcess, SERVER_ROOT } from './cli-run';

/** The hand-written recordings of core's reader tests. */
const FIXTURES = join(SERVER_ROOT, '../core/test/fixtures/asciicast');
const V2 = join(FIXTURES, 'v2-session.cast');
const V3 = join(FIXTURES, 'v3-session.cast');
const COMMAND_1 = 'echo héllo wörld\r\n\u001b[32mhéllo\u001b[0m wörld 世界 🎉\r\n';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchflow-cli-replay-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs each argument list in turn (one at a time: they share the captured stdout). */
type Run = Awaited<ReturnType<typeof runCli>>;

async function runEach<const T extends readonly string[][]>(argsList: T): Promise<{ [K in keyof T]: Run }> {
  const results: Run[] = [];
  for (const args of argsList) results.push(await runCli([...args]));
  return results as { [K in keyof T]: Run };
}

/** Every `o` event's data of `path`, concatenated: what a player prints. */
async function outputText(path: string): Promise<string> {
  let text = '';
  for await (const event of (await openRecording(path)).events()) if (event.code === 'o') text += event.data;
  return text;
}

describe('record list', () => {
  it('prints a recording’s commands as a table, v2 and v3 alike', async () => {
    const [v2, v3] = await runEach([
      ['record', 'list', V2],
      ['record', 'list', V3],
    ]);
    for (const run of [v2, v3]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trimEnd().split('\n')).toEqual([
        'N  EXIT  DURATION  CWD              COMMAND',
        '1  0     30ms      /home/agent      echo héllo wörld',
        '2  1     1.25s     /home/agent/src  false',
      ]);
    }
  });

  it('shows control characters in a recorded command instead of sending them to the reader', () => {
    const table = formatCommands([
      {
        n: 1,
        command: 'echo ok\x1b[1A\x1b[2K\x1b]52;c;cHduZWQ=\x07',
        cwd: '/tmp',
        exitCode: 1,
        durationMs: 5,
        ended: true,
      } as never,
    ]);
    expect(table).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(table).toContain('echo ok^[[1A^[[2K^[]52;c;cHduZWQ=^G');
  });

  it('prints JSON with --json, and a directory’s recordings with agent, terminal and failures', async () => {
    const rec = join(dir, 'rec');
    await mkdir(join(rec, 'agent-1'), { recursive: true });
    await mkdir(join(rec, 'agent-2'), { recursive: true });
    await copyFile(V2, join(rec, 'agent-1', 'term-a.cast'));
    await copyFile(join(FIXTURES, 'v2-truncated.cast'), join(rec, 'agent-2', 'term-b.cast'));
    await writeFile(join(rec, 'agent-2', 'junk.cast'), 'not a recording\n');
    const [file, table, json] = await runEach([
      ['record', 'list', V3, '--json'],
      ['record', 'list', rec],
      ['record', 'list', rec, '--json'],
    ]);
    expect(JSON.parse(file.stdout)).toMatchObject({
      format: 'asciicast-v3',
      source: 'markers',
      commands: [
        { n: 1, exitCode: 0, cwd: '/home/agent', command: 'echo héllo wörld' },
        { n: 2, exitCode: 1, durationMs: 1250 },
      ],
    });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.trimEnd().split('\n')).toEqual([
      'AGENT    TERMINAL  COMMANDS  FAILED  FORMAT        FILE',
      'agent-1  term-a    2         1       asciicast-v2  agent-1/term-a.cast',
      'agent-2  term-b    1         0       asciicast-v2  agent-2/term-b.cast',
    ]);
    expect(table.stderr).toMatch(/skipped: .*junk\.cast: line 1 \(header\) is not valid JSON/);
    const listed = JSON.parse(json.stdout) as { recordings: unknown[]; skipped: unknown[] };
    expect(listed.recordings).toMatchObject([
      { agentId: 'agent-1', terminalId: 'term-a', failures: 1 },
      { agentId: 'agent-2', terminalId: 'term-b', failures: 0, commands: [{ ended: false }] },
    ]);
    expect(listed.skipped).toHaveLength(1);
  });
});

describe('record show and replay', () => {
  it('print a command’s output and a whole recording byte for byte', async () => {
    const [show, whole, one] = await runEach([
      ['record', 'show', V3, '--command', '1'],
      ['replay', V2, '--speed', '1000'],
      ['replay', V3, '--command', '2', '--speed', '1000'],
    ]);
    expect(show).toMatchObject({ code: 0, stdout: COMMAND_1 });
    expect(whole).toMatchObject({ code: 0, stdout: await outputText(V2) });
    expect(one).toMatchObject({ code: 0, stdout: 'false\r\n' });
  });

  it('replays a truncated recording up to its last complete event and says so', async () => {
    const run = await runCli(['replay', join(FIXTURES, 'v2-truncated.cast'), '--max-idle', '0.01']);
    expect(run).toMatchObject({ code: 0, stdout: 'partial output\r\n' });
    expect(run.stderr).toMatch(/last line is incomplete/);
  });

  it('keeps the recording’s pauses, divided by --speed and capped by --max-idle', async () => {
    const path = join(dir, 'pauses.cast');
    const header = '{"version": 2, "width": 80, "height": 24}';
    await writeFile(path, `${header}\n[0.0, "o", "a"]\n[1.0, "o", "b"]\n[1000.0, "o", "c"]\n`);
    const started = performance.now();
    const run = await runCli(['replay', path, '--speed', '2', '--max-idle', '1']);
    const elapsed = performance.now() - started;
    expect(run).toMatchObject({ code: 0, stdout: 'abc' });
    // 1 s + 999 s capped at 1 s, at double speed: 1 s. A lower bound only (a loaded machine is slower).
    expect(elapsed).toBeGreaterThanOrEqual(1000);
  });

  it('joins a surrogate pair split across events, and stops when the reader goes away', async () => {
    const output = (data: string, time = 0): RecordingEvent => ({ time, code: 'o', data, byteOffset: 0 });
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    async function* split() {
      yield output('a\ud83d');
      yield { ...output('skipped'), code: 'm' };
      yield output('\ude00b');
    }
    await play(split(), sink, { speed: 1, start: 0 });
    expect(Buffer.concat(chunks).toString('utf8')).toBe('a😀b');

    let pulled = 0;
    async function* large() {
      for (let i = 0; i < 5; i++) {
        pulled++;
        yield output('x'.repeat(100_000));
      }
    }
    const gone = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    await play(large(), gone, { speed: 1, start: 0 });
    expect(pulled).toBe(1);
  });

  it('computes the playback clock', () => {
    const clock = playbackClock({ speed: 2, maxIdle: 3, start: 10 });
    expect([11, 12, 20, 20, 19, 21].map(clock)).toEqual([0.5, 1, 2.5, 2.5, 2.5, 3]);
    const plain = playbackClock({ speed: 1, start: 0 });
    expect([0.5, 100].map(plain)).toEqual([0.5, 100]);
  });
});

describe('usage errors exit 2 and say what is wrong', () => {
  it('for files, command numbers and flags', async () => {
    const notCast = join(dir, 'notes.txt');
    await writeFile(notCast, 'hello\n');
    const cases: [string[], RegExp][] = [
      [['replay', join(dir, 'missing.cast')], /missing\.cast does not exist/],
      [['replay', dir], /is a directory/],
      [['replay', notCast], /notes\.txt: line 1 \(header\) is not valid JSON: not an asciicast file/],
      [['replay', V2, '--command', '3'], /has no command 3; it has commands 1–2/],
      [['replay', V2, '--command', 'x'], /--command must be a command number .* not 'x'/],
      [['replay', V2, '--speed', '0'], /--speed must be a number > 0, not '0'/],
      [['replay', V2, '--speed', 'fast'], /--speed must be a number > 0, not 'fast'/],
      [['replay', V2, '--max-idle', '-1'], /--max-idle must be a number > 0, not '-1'/],
      [['record', 'show', V2], /needs --command N/],
      [['record', 'show', V2, '--command', '0'], /--command must be a command number/],
      [['record', 'list', join(dir, 'missing')], /missing does not exist/],
      [['record', 'list', notCast], /not an asciicast file/],
    ];
    const runs = await runEach(cases.map(([args]) => args));
    for (const [i, run] of runs.entries()) {
      const [args, message] = cases[i] ?? [[], /./];
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stdout, args.join(' ')).toBe('');
    }
  });

  // Two real processes: generous timeout for a loaded 2-core machine.
  it('as a real process too: replay prints the bytes, a bad file exits 2', { timeout: 60_000 }, async () => {
    const [played, bad] = await Promise.all([
      runProcess(['replay', V2, '--speed', '1000']),
      runProcess(['record', 'list', join(dir, 'missing.cast')]),
    ]);
    expect(played).toMatchObject({ code: 0, stdout: await outputText(V2), stderr: '' });
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toMatch(/missing\.cast does not exist/);
  });

  it('--help documents replay and record', async () => {
    const runs = await runEach([
      ['replay', '--help'],
      ['record', 'list', '--help'],
      ['record', 'show', '--help'],
      ['--help'],
    ]);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(runs[0]?.stdout).toMatch(/Usage: orchflow replay \[options\] <file>[\s\S]*--max-idle <s>/);
    expect(runs[1]?.stdout).toContain('Usage: orchflow record list [options] <path>');
    expect(runs[2]?.stdout).toContain('--command <n>');
    expect(runs[3]?.stdout).toMatch(/replay[\s\S]*record/);
  });
});
