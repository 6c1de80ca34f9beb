// Recording terminals as asciicast files, on real bash PTYs: header, output, one marker per
// command (executed and typed), resize, input only when asked, the sidecar index pointing at the
// failing command's marker, v3 intervals and exit event, policy and option errors.
import { isUtf8 } from 'node:buffer';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ConnectionPolicy, listRecordedCommands, Orchestrator, RecordingPlugin } from '../src/index';
import { expectCode, rejection } from './helpers';

let dir: string;
let orch: Orchestrator | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-rec-'));
});
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
  rmSync(dir, { recursive: true, force: true });
});

type Event = [number, string, string];

/** The header and events of a recording; every line must be JSON. */
function readCast(path: string): { header: Record<string, unknown>; events: Event[]; lines: string[] } {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  const [first, ...rest] = lines.map((line) => JSON.parse(line) as unknown);
  return { header: first as Record<string, unknown>, events: rest as Event[], lines };
}

const markers = (events: Event[]): string[] => events.filter((e) => e[1] === 'm').map((e) => e[2]);
const output = (events: Event[]): string =>
  events
    .filter((e) => e[1] === 'o')
    .map((e) => e[2])
    .join('');

describe('a recorded terminal', { timeout: 60_000 }, () => {
  test('has the header, output, a marker pair per command, resizes, and an index pointing at the failing command', async () => {
    orch = Orchestrator.builder().withRecording({ dir }).build();
    const t = await orch.spawnTerminal('agent-1', { cwd: dir, recording: true });
    await t.execute('echo héllo-€-😀');
    await t.execute('printf "%s\\n" fails >&2; (exit 3)');
    orch.resize(t.id, 100, 30);
    const typed = new Promise<void>((resolve) =>
      orch?.on('terminal.command', (e) => e.type === 'end' && e.record.source === 'typed' && resolve()),
    );
    await orch.write(t.id, 'echo typed-by-hand\r');
    await typed;
    const path = join(dir, 'agent-1', `${t.id}.cast`);
    await t.kill();

    const { header, events, lines } = readCast(path);
    expect(header).toMatchObject({ version: 2, width: 80, height: 24, title: 'agent-1' });
    expect(typeof header.timestamp).toBe('number');
    expect(Object.keys(header.env as object).sort()).toEqual(['SHELL', 'TERM']);
    expect(output(events)).toContain('héllo-€-😀');
    expect(markers(events)).toEqual([
      '$ echo héllo-€-😀',
      expect.stringMatching(new RegExp(`^exit 0 · \\d+(ms|(\\.\\d+)?s) · ${dir}$`)),
      '$ printf "%s\\n" fails >&2; (exit 3)',
      expect.stringMatching(/^exit 3 · /),
      '$ echo typed-by-hand',
      expect.stringMatching(/^exit 0 · /),
    ]);
    expect(events.filter((e) => e[1] === 'r').map((e) => e[2])).toEqual(['100x30']);
    // Times never go backwards; input is not recorded by default.
    const times = events.map((e) => e[0]);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events.some((e) => e[1] === 'i')).toBe(false);
    // The marker sits between the command's echo and its output: output after the start marker
    // and before the end marker holds what it printed.
    const start = events.findIndex((e) => e[2] === '$ echo héllo-€-😀');
    const end = events.findIndex((e, i) => i > start && e[1] === 'm');
    expect(output(events.slice(start, end))).toContain('héllo-€-😀');

    const index = JSON.parse(readFileSync(`${path}.index.json`, 'utf8'));
    expect(index).toMatchObject({ version: 1, format: 'asciicast-v2', terminalId: t.id, agentId: 'agent-1' });
    expect(index.commands.map((c: { n: number; exitCode: number }) => [c.n, c.exitCode])).toEqual([
      [1, 0],
      [2, 3],
      [3, 0],
    ]);
    const failing = index.commands.find((c: { exitCode: number }) => c.exitCode !== 0);
    expect(failing).toMatchObject({ command: 'printf "%s\\n" fails >&2; (exit 3)', cwd: dir });
    // byteOffset is the start of that command's `m` line in the file.
    const bytes = readFileSync(path);
    const lineAt = bytes.subarray(failing.byteOffset, bytes.indexOf(10, failing.byteOffset)).toString('utf8');
    expect(JSON.parse(lineAt)).toEqual([failing.time, 'm', '$ printf "%s\\n" fails >&2; (exit 3)']);
    expect(lines).toContain(lineAt);
  });

  test('a command longer than a marker label still matches its index entry', async () => {
    orch = Orchestrator.builder().withRecording({ dir }).build();
    const t = await orch.spawnTerminal('agent-1', { cwd: dir, recording: true });
    const long = `echo ${'x'.repeat(1500)} > /dev/null`;
    await t.execute('true');
    await t.execute(long);
    const path = join(dir, 'agent-1', `${t.id}.cast`);
    await t.kill();
    const { events } = readCast(path);
    expect(markers(events)[2]).toMatch(/^\$ echo x+…$/);
    const list = await listRecordedCommands(path);
    expect(list.warnings).toEqual([]);
    expect(list.commands.map((c) => c.command)).toEqual(['true', long]);
  });

  test('records input only when asked, and v3 writes intervals and an exit event', async () => {
    orch = new Orchestrator({ recording: { dir, format: 'v3' } });
    const t = await orch.spawnTerminal('agent-2', { recording: { input: true } });
    const typed = new Promise<void>((resolve) =>
      orch?.on('terminal.command', (e) => e.type === 'end' && resolve()),
    );
    await orch.write(t.id, 'echo in-put\r');
    await typed;
    await t.kill();
    const { header, events } = readCast(join(dir, 'agent-2', `${t.id}.cast`));
    expect(header).toMatchObject({
      version: 3,
      term: { cols: 80, rows: 24, type: 'xterm-256color' },
      title: 'agent-2',
    });
    expect(events.filter((e) => e[1] === 'i').map((e) => e[2])).toEqual(['echo in-put\r']);
    expect(events.at(-1)?.[1]).toBe('x');
    for (const e of events) expect(e[0]).toBeGreaterThanOrEqual(0);
    expect(markers(events)).toEqual(['$ echo in-put', expect.stringMatching(/^exit 0 · /)]);
  });

  test('records every terminal with `all`, except one that opts out; unrecorded terminals get no file', async () => {
    const plugin = new RecordingPlugin({ dir, all: true });
    orch = Orchestrator.builder().withPlugin(plugin).build();
    const a = await orch.spawnTerminal('all-a');
    const b = await orch.spawnTerminal('all-b', { recording: false });
    expect(plugin.recordingOf(a.id)).toBe(join(dir, 'all-a', `${a.id}.cast`));
    expect(plugin.recordingOf(b.id)).toBeUndefined();
    expect(plugin.stats()).toMatchObject({ active: 1, failed: 0 });
    await a.kill();
    expect(plugin.stats()).toMatchObject({ active: 0, finished: 1 });
  });

  test("a policy with recording: 'none' refuses a spawn that asks to be recorded; 'all' refuses an opt-out", async () => {
    orch = Orchestrator.builder()
      .withRecording({ dir, all: true })
      .withSecurityPolicy({ recording: 'none' })
      .build();
    const refused = expectCode(
      await rejection(orch.spawnTerminal('p', { recording: true })),
      ErrorCode.PolicyDenied,
    );
    expect(refused.message).toMatch(/Recording is forbidden by the security policy/);
    expect(refused.data).toMatchObject({ rule: 'recording' });
    // `all` of the recorder does not override the policy.
    const quiet = await orch.spawnTerminal('p');
    await quiet.kill();
    await orch.shutdown();
    orch = Orchestrator.builder().withRecording({ dir }).withSecurityPolicy({ recording: 'all' }).build();
    expectCode(await rejection(orch.spawnTerminal('q', { recording: false })), ErrorCode.PolicyDenied);
    const recorded = await orch.spawnTerminal('q');
    await recorded.kill();
    expect(readCast(join(dir, 'q', `${recorded.id}.cast`)).header.version).toBe(2);
    expect(() => readFileSync(join(dir, 'p', `${quiet.id}.cast`))).toThrow(/ENOENT/);
  });

  test("a caller's ConnectionPolicy decides too: 'all' records its terminals, 'none' refuses", async () => {
    orch = Orchestrator.builder().withRecording({ dir }).build();
    const agent = { kind: 'agent', name: 'bot', agentIdPrefix: 'bot-' } as const;
    const recordAll = { principal: new ConnectionPolicy({ recording: 'all' }).bind(agent) };
    const recordNone = { principal: new ConnectionPolicy({ recording: 'none' }).bind(agent) };
    const recorded = await orch.spawnTerminal('bot-1', {}, recordAll);
    expectCode(
      await rejection(orch.spawnTerminal('bot-2', { recording: true }, recordNone)),
      ErrorCode.PolicyDenied,
    );
    await recorded.kill();
    expect(readCast(join(dir, 'bot-1', `${recorded.id}.cast`)).header.title).toBe('bot-1');
  });

  test('bad options are InvalidParams naming each field', () => {
    const error = expectCode(
      rejectionSync(
        () =>
          new RecordingPlugin({
            dir: '',
            format: 'v9' as 'v2',
            maxBytesPerRecording: 10,
            rotate: 'y' as never,
          }),
      ),
      ErrorCode.InvalidParams,
    );
    expect(error.message).toMatch(/dir: must name a directory/);
    expect(error.message).toMatch(/format: must be 'v2' or 'v3'/);
    expect(error.message).toMatch(/maxBytesPerRecording: must be an integer of at least 4096/);
    expect(error.message).toMatch(/rotate: must be true or false/);
    expectCode(
      rejectionSync(() => Orchestrator.builder().withRecording({ dir, rotate: true }).build()),
      ErrorCode.InvalidParams,
    );
  });

  test('an agent id that is not a safe file name cannot leave the directory', async () => {
    orch = Orchestrator.builder().withRecording({ dir, all: true }).build();
    const t = await orch.spawnTerminal('../../escape');
    await t.kill();
    const path = join(dir, '%2E.%2F..%2Fescape', `${t.id}.cast`);
    expect(readCast(path).header.title).toBe('../../escape');
  });

  test('multi-byte characters stay whole across PTY reads, chunks and markers', async () => {
    orch = Orchestrator.builder().withRecording({ dir, all: true }).build();
    const t = await orch.spawnTerminal('utf8');
    // 45 KB of 2-, 3- and 4-byte characters: PTY reads and batches end inside some of them.
    await t.execute("printf '€😀é%.0s' $(seq 1 5000); echo");
    await t.kill();
    const text = output(readCast(join(dir, 'utf8', `${t.id}.cast`)).events);
    expect(text).toContain('€😀é'.repeat(5000));
    expect(text).not.toContain('\uFFFD');
  });

  test('control bytes, quotes, backslashes and invalid UTF-8 are recorded as the terminal decodes them', async () => {
    orch = Orchestrator.builder().withRecording({ dir, all: true }).build();
    const t = await orch.spawnTerminal('bytes');
    // Valid chunks are written from their bytes, a chunk with invalid UTF-8 through the decoder
    // (the pauses put each printf in an output batch of its own).
    await t.execute(
      String.raw`printf 'a\001b"c\\d\033[1me\tf'; sleep 0.1; printf '\377\376g€'; sleep 0.1; printf 'h\037i\n'`,
    );
    const scrollback = orch.read(t.id, { fromOffset: 0 }).data;
    await t.kill();
    const path = join(dir, 'bytes', `${t.id}.cast`);
    // The file itself is UTF-8 (read back as UTF-8, raw invalid bytes would pass as U+FFFD too).
    expect(isUtf8(readFileSync(path))).toBe(true);
    const text = output(readCast(path).events);
    expect(scrollback).toContain('a\u0001b"c\\d\u001b[1me\tf\uFFFD\uFFFDg€h\u001fi');
    expect(text.startsWith(scrollback)).toBe(true);
  });

  test('holds exactly the output of the terminal, including what it printed before it was announced', async () => {
    orch = Orchestrator.builder().withRecording({ dir, all: true }).build();
    // A "bash" that prints a banner well before its first prompt: the banner is flushed to
    // listeners before the terminal is registered, so only the scrollback still has it.
    const shell = join(dir, 'bin', 'bash');
    mkdirSync(join(dir, 'bin'));
    writeFileSync(shell, '#!/bin/sh\necho EARLY-BANNER\nsleep 0.2\nexec /bin/bash "$@"\n', { mode: 0o755 });
    const t = await orch.spawnTerminal('prompt', { shell });
    await t.execute('echo one; echo two');
    const scrollback = orch.read(t.id, { fromOffset: 0 }).data;
    await t.kill();
    const text = output(readCast(join(dir, 'prompt', `${t.id}.cast`)).events);
    expect(scrollback).toContain('EARLY-BANNER');
    expect(text.startsWith(scrollback)).toBe(true);
  });
});

function rejectionSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
