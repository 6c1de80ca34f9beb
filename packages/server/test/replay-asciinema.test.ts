// Recordings play unchanged in Debian's asciinema 2.2 (installed by scripts/setup.sh): `asciinema
// cat` and `asciinema play` print exactly the output text orchflow's reader and `orchflow replay`
// see — for hand-written v2 files and for a real session recorded by RecordingPlugin, whose
// markers `orchflow record list` lists with the right exit codes. asciinema 2.2 cannot open
// asciicast v3 (it says "only asciicast v1 and v2 formats can be opened"), so only v2 is played here.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Orchestrator, openRecording } from '@orchflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-capture';
import { SERVER_ROOT } from './cli-run';

const FIXTURES = join(SERVER_ROOT, '../core/test/fixtures/asciicast');
const hasAsciinema = (process.env.PATH ?? '').split(delimiter).some((d) => existsSync(join(d, 'asciinema')));
const inCi = Boolean(process.env.CI);
// Generous: python starts slowly on a loaded 2-core machine; a hang still fails the test.
const TOOL_TIMEOUT_MS = 60_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchflow-asciinema-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs a command with stdin closed; resolves with its exit code and stdout bytes. */
function run(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: TOOL_TIMEOUT_MS,
    env: { ...process.env, PYTHONIOENCODING: 'utf-8', LC_ALL: 'C.UTF-8' },
  });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * `asciinema cat FILE`'s output bytes. It opens /dev/tty (and fails without one), so it runs under
 * a fresh PTY from util-linux `script`, with its stdout redirected to a file (bytes untouched by
 * the PTY's line discipline).
 */
async function asciinemaCat(file: string): Promise<Buffer> {
  const out = `${file}.cat-output`;
  const result = await run('setsid', [
    '-w',
    'script',
    '-qec',
    `asciinema cat ${quote(file)} > ${quote(out)}`,
    '/dev/null',
  ]);
  expect(result.code, result.stderr).toBe(0);
  return readFile(out);
}

/** `asciinema play -s 100 FILE`'s output: without a controlling terminal (setsid) it plays unattended. */
async function asciinemaPlay(file: string): Promise<Buffer> {
  const result = await run('setsid', ['-w', 'asciinema', 'play', '-s', '100', '-i', '0.2', file]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** The output text of a recording as orchflow reads it: every `o` event's data. */
async function outputText(path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const event of (await openRecording(path)).events()) {
    if (event.code === 'o') parts.push(Buffer.from(event.data, 'utf8'));
  }
  return Buffer.concat(parts);
}

describe.runIf(inCi)('asciinema prerequisite in CI', () => {
  it('has asciinema installed (scripts/setup.sh installs it)', () => {
    expect(hasAsciinema, "asciinema was not found: install it ('apt-get install asciinema')").toBe(true);
  });
});

describe.skipIf(!hasAsciinema && !inCi)(
  'asciinema 2.2 plays orchflow recordings',
  { timeout: 120_000 },
  () => {
    it('cat and play print the output text of hand-written v2 files, as orchflow replay does', async () => {
      const file = join(FIXTURES, 'v2-session.cast');
      const expected = await outputText(file);
      expect(expected.toString('utf8')).toContain('wörld 世界 🎉');
      expect(await asciinemaCat(file)).toEqual(expected);
      expect(await asciinemaPlay(file)).toEqual(expected);
      const replayed = await runCli(['replay', file, '--speed', '1000']);
      expect(Buffer.from(replayed.stdout, 'utf8')).toEqual(expected);
    });

    it('a real recorded session round-trips: asciinema cat reproduces it, record list has its exit codes', async () => {
      const recordings = join(dir, 'rec');
      const orch = Orchestrator.builder().withRecording({ dir: recordings }).build();
      let path: string;
      try {
        const t = await orch.spawnTerminal('agent-e2e', { cwd: dir, recording: true });
        path = join(recordings, 'agent-e2e', `${t.id}.cast`);
        expect((await t.execute('echo héllo-世界-🎉')).exitCode).toBe(0);
        expect((await t.execute('ls /nonexistent-orchflow-path')).exitCode).toBe(2);
        orch.resize(t.id, 100, 30);
        expect((await t.execute("printf 'wide %s\\n' ═══")).exitCode).toBe(0);
        await t.kill();
      } finally {
        await orch.shutdown();
      }

      const expected = await outputText(path);
      const text = expected.toString('utf8');
      expect(text).toContain('héllo-世界-🎉');
      expect(text).toContain('wide ═══');
      expect(await asciinemaCat(path)).toEqual(expected);
      expect(await asciinemaPlay(path)).toEqual(expected);

      const listed = await runCli(['record', 'list', path, '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      const list = JSON.parse(listed.stdout) as {
        source: string;
        commands: { command: string; exitCode: number }[];
      };
      expect(list.source).toBe('index');
      expect(list.commands.map((c) => [c.command, c.exitCode])).toEqual([
        ['echo héllo-世界-🎉', 0],
        ['ls /nonexistent-orchflow-path', 2],
        ["printf 'wide %s\\n' ═══", 0],
      ]);
      // The same from the markers alone (no index), and the failing command's own output.
      await rm(`${path}.index.json`);
      const fromMarkers = JSON.parse(
        (await runCli(['record', 'list', path, '--json'])).stdout,
      ) as typeof list;
      expect(fromMarkers.source).toBe('markers');
      expect(fromMarkers.commands.map((c) => c.exitCode)).toEqual([0, 2, 0]);
      const shown = await runCli(['record', 'show', path, '--command', '2']);
      expect(shown.stdout).toMatch(/No such file or directory/);
      expect(shown.stdout).not.toContain('héllo');
    });
  },
);
