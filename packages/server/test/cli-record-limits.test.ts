// `orchflow serve --record DIR` with its limit flags, from source in real child processes: sizes
// (`8KiB`, `10MB`, bytes), rotation and retention by age reach the recorder — an old recording is
// deleted at start, a full one continues in `<id>.1.cast` — and bad values exit 2 with one line
// (the messages are checked on the parser; two runs check the exit status).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchflowClient } from '@orchflow/client';
import { ContentLengthCodec } from '@orchflow/protocol';
import { StreamChannel } from '@orchflow/protocol/node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseByteSize, parseRetention, type ServeUsageFlags, serveUsage } from '../src/cli/serve-usage';
import { runCli, spawnCli } from './cli-run';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-rec-limits-cli-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('orchflow serve --record limits', { timeout: 120_000 }, () => {
  it('documents the limit flags in --help', async () => {
    const help = await runCli(['serve', '--help']);
    for (const flag of [
      '--record-max-bytes <size>',
      '--record-dir-max-bytes <size>',
      '--record-rotate',
      '--record-retention <duration>',
    ]) {
      expect(help.stdout).toContain(flag);
    }
  });

  it('parses sizes with units and periods, and refuses what is not one', () => {
    expect(parseByteSize('--x', '4096')).toBe(4096);
    expect(parseByteSize('--x', '8KiB')).toBe(8192);
    expect(parseByteSize('--x', '10MB')).toBe(10_000_000);
    expect(parseByteSize('--x', '1.5 gib')).toBe(1.5 * 2 ** 30);
    expect(parseRetention('7d')).toBe(7 * 86_400_000);
    expect(parseRetention('90s')).toBe(90_000);
    expect(parseRetention('2w')).toBe(14 * 86_400_000);
    for (const bad of ['', '10XB', '-5', 'MB', '1e9']) expect(() => parseByteSize('--x', bad)).toThrow();
    for (const bad of ['7', '0s', '1.5d', 'd', '7 days']) expect(() => parseRetention(bad)).toThrow();
  });

  it('refuses a bad value, or a limit without what it limits, saying what is wrong', () => {
    const dir = '/tmp/recordings';
    const cases: [ServeUsageFlags, string][] = [
      [
        { record: dir, recordMaxBytes: '10XB' },
        "--record-max-bytes must be a size such as 1048576, 500KB, 10MB or 1GiB, not '10XB'",
      ],
      [
        { record: dir, recordDirMaxBytes: '100' },
        "--record-dir-max-bytes must be at least 4096 bytes, not '100'",
      ],
      [{ record: dir, recordRetention: '7' }, '--record-retention must be a period such as 7d'],
      [
        { record: dir, recordRotate: true },
        '--record-rotate continues a full recording in the next file: pass --record-max-bytes SIZE too',
      ],
      [{ record: dir, recordFormat: 'v4' }, "--record-format must be v2 or v3, not 'v4'"],
      [
        { record: dir, recordMaxBytes: '10MB', recordDirMaxBytes: '1MB' },
        '--record-dir-max-bytes (1MB) is smaller than --record-max-bytes (10MB)',
      ],
      [
        { recordRetention: '7d', recordInput: true },
        'pass --record DIR too (got --record-input, --record-retention)',
      ],
    ];
    for (const [flags, message] of cases) {
      expect(() => serveUsage(flags)).toThrow(message);
    }
    expect(
      serveUsage({
        record: dir,
        recordMaxBytes: '8KiB',
        recordRotate: true,
        recordDirMaxBytes: '1GB',
        recordRetention: '7d',
      }).recording,
    ).toEqual({
      maxBytesPerRecording: 8192,
      rotate: true,
      maxBytesPerDirectory: 1e9,
      retentionMs: 7 * 86_400_000,
    });
  });

  it('exits 2 with one line on such a usage error', async () => {
    for (const [flags, message] of [
      [['--record', tempDir(), '--record-max-bytes', '10XB'], '--record-max-bytes must be a size such as'],
      [['--record-retention', '7d'], 'pass --record DIR too (got --record-retention)'],
    ] as const) {
      const run = await runCli(['serve', '--stdio', ...flags]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('deletes recordings older than --record-retention at start and rotates at --record-max-bytes', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'old-agent'));
    const old = join(dir, 'old-agent', 't-old.cast');
    writeFileSync(old, '{"version":2,"width":80,"height":24}\n');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    const child = spawnCli([
      'serve',
      '--stdio',
      '--record',
      dir,
      '--record-max-bytes',
      '8KiB',
      '--record-rotate',
      '--record-dir-max-bytes',
      '10MB',
      '--record-retention',
      '1d',
      '--log-format',
      'json',
    ]);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const exited = new Promise((resolve) => child.once('close', resolve));
    onTestFinished(async () => {
      child.kill('SIGTERM');
      await exited;
    });
    const channel = new StreamChannel(
      { readable: child.stdout as never, writable: child.stdin as never },
      { codec: new ContentLengthCodec() },
    );
    const client = await OrchflowClient.fromChannel(channel);
    onTestFinished(() => client.close().catch(() => undefined));
    // The server listens only once the recorder started: the old recording is gone by now.
    expect(readdirSync(join(dir, 'old-agent'))).toEqual([]);
    const terminal = await client.spawnTerminal('busy');
    await terminal.execute('for i in $(seq 1 1500); do echo "line $i of some output"; done');
    await terminal.kill();
    const files = readdirSync(join(dir, 'busy')).filter((f) => f.endsWith('.cast'));
    expect(files).toContain(`${terminal.id}.1.cast`);
    for (const file of files) expect(statSync(join(dir, 'busy', file)).size).toBeLessThanOrEqual(8192);
    expect(stderr).toContain('at most 8KiB each, then the next file');
    expect(stderr).toContain('kept 1d');
  });
});
