// `orchflow serve --stdio --record DIR` from source in a real child process: every terminal is
// recorded, and a server killed with SIGKILL mid-session leaves files whose every line is JSON,
// with a valid header and the commands' markers written before the kill.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchflowClient } from '@orchflow/client';
import { ContentLengthCodec } from '@orchflow/protocol';
import { StreamChannel } from '@orchflow/protocol/node';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './cli-run';

let dir: string;

/** Commands in a recording's index (0 before the first ends). */
function indexed(castPath: string): number {
  try {
    return JSON.parse(readFileSync(`${castPath}.index.json`, 'utf8')).commands.length;
  } catch {
    return 0;
  }
}

/** Polls `check` every 20 ms (the server writes on its own schedule); fails after 30 s. */
async function waitUntil(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the recording');
    await new Promise((r) => setTimeout(r, 20));
  }
}
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('orchflow serve --record', { timeout: 90_000 }, () => {
  it('leaves a valid recording when the server is killed with SIGKILL', async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchflow-rec-cli-'));
    const child = spawnCli(['serve', '--stdio', '--record', dir, '--log-format', 'json']);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
    const channel = new StreamChannel(
      { readable: child.stdout as never, writable: child.stdin as never },
      { codec: new ContentLengthCodec() },
    );
    const client = await OrchflowClient.fromChannel(channel);
    const terminal = await client.spawnTerminal('crash-agent');
    expect((await terminal.execute('echo before-kill')).stdout).toBe('before-kill\n');
    expect((await terminal.execute('(exit 7)')).exitCode).toBe(7);
    // The index lists a command once the output before its end marker was written.
    const castPath = join(dir, 'crash-agent', `${terminal.id}.cast`);
    await waitUntil(() => indexed(castPath) === 2);
    // Output still arriving when the kill comes: the file must stay valid up to its last whole line.
    void terminal.execute('for i in $(seq 1 20000); do echo "line $i ünïcødé"; done').catch(() => undefined);
    await waitUntil(() => readFileSync(castPath, 'utf8').includes('line 1 ünïcødé'));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await client.close().catch(() => undefined);
    expect(stderr).toContain(dir);

    const agentDir = join(dir, 'crash-agent');
    const files = readdirSync(agentDir).filter((f) => f.endsWith('.cast'));
    expect(files).toEqual([`${terminal.id}.cast`]);
    const text = readFileSync(join(agentDir, files[0] as string), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    const [header, ...events] = lines as [Record<string, unknown>, ...[number, string, string][]];
    expect(header).toMatchObject({ version: 2, width: 80, height: 24, title: 'crash-agent' });
    for (const event of events) {
      expect(event).toHaveLength(3);
      expect(typeof event[0]).toBe('number');
      expect(['o', 'i', 'r', 'm']).toContain(event[1]);
      expect(typeof event[2]).toBe('string');
    }
    const markers = events.filter((e) => e[1] === 'm').map((e) => e[2]);
    expect(markers.slice(0, 4)).toEqual([
      '$ echo before-kill',
      expect.stringMatching(/^exit 0 · /),
      '$ (exit 7)',
      expect.stringMatching(/^exit 7 · /),
    ]);
    // The index was rewritten after each command end, atomically: it parses and points at them.
    const index = JSON.parse(readFileSync(join(agentDir, `${files[0]}.index.json`), 'utf8'));
    expect(index.commands.map((c: { exitCode: number }) => c.exitCode)).toEqual([0, 7]);
  });

  it('shows the recording flags in --help and refuses --record-format without --record', async () => {
    const help = await runCli(['serve', '--help']);
    expect(help.stdout).toContain('--record <dir>');
    expect(help.stdout).toContain('--record-format <format>');
    expect(help.stdout).toContain('--record-input');
    const bad = await runCli(['serve', '--stdio', '--record-format', 'v3']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--record-format and --record-input set how --record DIR records');
  });
});
