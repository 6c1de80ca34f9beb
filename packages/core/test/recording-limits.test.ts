// Recording limits on real bash PTYs and a real full disk: a recording cut at its size ends with
// the truncation marker, rotation continues in `<id>.1.cast`, the directory budget deletes the
// oldest finished recordings (never one being written), and a disk that fills up (a 64 KiB tmpfs)
// stops that recording only — reported once, counted — while the terminal keeps working.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Orchestrator, type RecordingError, RecordingPlugin } from '../src/index';
import { waitFor } from './helpers';

let dir: string;
let orch: Orchestrator | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-rec-limits-'));
});
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Every line of a recording parses; returns the events. */
function events(path: string): [number, string, string][] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const [header, ...rest] = text
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(header.version).toBe(2);
  return rest;
}

/** Commands in a recording's index (0 before the first ends). */
function indexed(castPath: string): number {
  try {
    return JSON.parse(readFileSync(`${castPath}.index.json`, 'utf8')).commands.length;
  } catch {
    return 0;
  }
}

const BIG = 'for i in $(seq 1 3000); do echo "line $i of some output"; done';

describe('recording limits', { timeout: 90_000 }, () => {
  test('a recording at maxBytesPerRecording ends with the truncation marker; the terminal goes on', async () => {
    const plugin = new RecordingPlugin({ dir, all: true, maxBytesPerRecording: 8192 });
    orch = Orchestrator.builder().withPlugin(plugin).build();
    const t = await orch.spawnTerminal('cut');
    await t.execute(BIG);
    expect((await t.execute('echo still-here')).stdout).toBe('still-here\n');
    const path = join(dir, 'cut', `${t.id}.cast`);
    expect(statSync(path).size).toBeLessThanOrEqual(8192);
    expect(events(path).at(-1)).toEqual([expect.any(Number), 'm', 'recording truncated at limit']);
    expect(plugin.stats()).toMatchObject({ active: 0, truncated: 1, failed: 0 });
  });

  test('with rotate, a full recording continues in <id>.1.cast, each file standing alone', async () => {
    orch = Orchestrator.builder()
      .withRecording({ dir, all: true, maxBytesPerRecording: 8192, rotate: true })
      .build();
    const t = await orch.spawnTerminal('rot');
    await t.execute(BIG);
    await t.kill();
    const files = readdirSync(join(dir, 'rot')).filter((f) => f.endsWith('.cast'));
    expect(files.length).toBeGreaterThan(3);
    expect(files).toContain(`${t.id}.1.cast`);
    let text = '';
    for (let n = 0; n < files.length; n++) {
      const path = join(dir, 'rot', n === 0 ? `${t.id}.cast` : `${t.id}.${n}.cast`);
      expect(statSync(path).size).toBeLessThanOrEqual(8192);
      const evs = events(path);
      if (n > 0) expect(evs[0]).toEqual([0, 'm', `$ ${BIG}`]);
      text += evs
        .filter((e) => e[1] === 'o')
        .map((e) => e[2])
        .join('');
    }
    // Nothing lost across the files.
    for (const i of [1, 1500, 3000]) expect(text).toContain(`line ${i} of some output`);
  });

  test('the directory budget deletes the oldest finished recordings, never one being written', async () => {
    // An old recording left by an earlier run (14 KB), and a 16 KiB budget: the first recording
    // (~1 KB) still fits beside it, the second (300 lines: 6-13 KB however the output is chunked)
    // does not, but fits alone.
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', 'earlier.cast'), `${'x'.repeat(14_000)}\n`);
    writeFileSync(join(dir, 'old', 'earlier.cast.index.json'), '{}');
    const plugin = new RecordingPlugin({ dir, all: true, maxBytesPerDirectory: 16_384 });
    orch = Orchestrator.builder().withPlugin(plugin).build();
    const first = await orch.spawnTerminal('dir');
    await first.execute('echo first');
    await first.kill();
    const live = await orch.spawnTerminal('dir');
    await live.execute('for i in $(seq 1 300); do echo "filler line $i"; done');
    await live.execute('true');
    // Output reaches listeners up to 16 ms after its command ends; the index lists a command only
    // once the output before its end marker was written.
    const livePath = join(dir, 'dir', `${live.id}.cast`);
    await waitFor(() => indexed(livePath) === 2, 'the second command in the index');
    const names = (agent: string): string[] => readdirSync(join(dir, agent)).sort();
    expect(names('old')).toEqual([]);
    expect(names('dir')).toContain(`${live.id}.cast`);
    expect(plugin.stats().deleted).toBeGreaterThanOrEqual(1);
    // The live recording alone past the budget: it is cut, not deleted.
    await live.execute(BIG);
    expect(events(livePath).at(-1)?.[2]).toBe('recording truncated at limit');
    const total = readdirSync(dir).flatMap((a) =>
      readdirSync(join(dir, a)).map((f) => statSync(join(dir, a, f)).size),
    );
    expect(total.reduce((s, n) => s + n, 0)).toBeLessThanOrEqual(16_384 + 256);
  });

  test('a full disk stops that recording only: reported once, counted, the file valid, the terminal working', async () => {
    const mount = join(dir, 'tiny');
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
    try {
      const failures: RecordingError[] = [];
      const pluginErrors: string[] = [];
      const plugin = new RecordingPlugin({ dir: mount, all: true, onError: (f) => failures.push(f) });
      orch = Orchestrator.builder().withPlugin(plugin).build();
      orch.on('plugin.error', (e) => pluginErrors.push(`${e.plugin}/${e.hook}: ${e.message}`));
      const t = await orch.spawnTerminal('full');
      await t.execute('for i in $(seq 1 6000); do echo "filling the disk, line $i"; done');
      expect((await t.execute('echo alive')).stdout).toBe('alive\n');
      expect(failures).toHaveLength(1);
      expect(failures[0]?.error.message).toMatch(/ENOSPC/);
      expect(failures[0]?.terminalId).toBe(t.id);
      expect(pluginErrors).toEqual([expect.stringMatching(/^recording\/recording: .*ENOSPC/)]);
      expect(plugin.stats()).toMatchObject({ active: 0, failed: 1 });
      events(join(mount, 'full', `${t.id}.cast`));
      await orch.shutdown();
    } finally {
      execFileSync('umount', [mount]);
    }
  });
});
