// Recording retention by age (`retentionMs`, `serve --record-retention`): finished recordings
// last written longer ago than the period are deleted with their index when the recorder starts
// and by a periodic sweep, on real bash PTYs and real files; a recording still being written is
// never deleted, however old its file looks.
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Orchestrator, RecordingPlugin } from '../src/index';
import { retentionSweepMs } from '../src/recording/directory';
import { expectCode, waitFor } from './helpers';

const DAY_MS = 86_400_000;
let dir: string;
let orch: Orchestrator | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-rec-retention-'));
});
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A finished-looking recording with its index, last written `ageMs` ago. */
function recordingAged(agent: string, name: string, ageMs: number): string {
  mkdirSync(join(dir, agent), { recursive: true });
  const path = join(dir, agent, `${name}.cast`);
  writeFileSync(path, '{"version":2,"width":80,"height":24}\n[0.1,"o","hi\\r\\n"]\n');
  writeFileSync(`${path}.index.json`, '{"version":1,"commands":[]}');
  age(path, ageMs);
  return path;
}

/** Sets the modification time of a recording and its index to `ageMs` ago. */
function age(path: string, ageMs: number): void {
  const when = new Date(Date.now() - ageMs);
  for (const file of [path, `${path}.index.json`]) if (existsSync(file)) utimesSync(file, when, when);
}

describe('recording retention', { timeout: 90_000 }, () => {
  test('deletes recordings older than the period at start, with their index, and keeps newer ones', async () => {
    const old = recordingAged('old-agent', 't-old', 2 * DAY_MS);
    const recent = recordingAged('new-agent', 't-new', DAY_MS / 2);
    const plugin = new RecordingPlugin({ dir, all: true, retentionMs: DAY_MS });
    orch = Orchestrator.builder().withPlugin(plugin).build();
    await orch.ready();
    expect(existsSync(old)).toBe(false);
    expect(existsSync(`${old}.index.json`)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(`${recent}.index.json`)).toBe(true);
    expect(plugin.stats().deleted).toBe(1);
  });

  test('a periodic sweep deletes a recording once it is old, never one being written', async () => {
    // 10 s of retention: swept every second.
    const plugin = new RecordingPlugin({ dir, all: true, retentionMs: 10_000 });
    orch = Orchestrator.builder().withPlugin(plugin).build();
    const done = await orch.spawnTerminal('done');
    const live = await orch.spawnTerminal('live');
    await done.execute('echo finished');
    await live.execute('echo still-recording');
    const donePath = join(dir, 'done', `${done.id}.cast`);
    const livePath = join(dir, 'live', `${live.id}.cast`);
    await done.kill();
    await waitFor(() => plugin.stats().finished === 1, 'the finished recording');
    expect(existsSync(donePath)).toBe(true);
    // Both files now look an hour old; only the finished one is the sweep's to delete.
    age(donePath, 3_600_000);
    age(livePath, 3_600_000);
    await waitFor(() => !existsSync(donePath), 'the sweep', 30_000);
    expect(existsSync(`${donePath}.index.json`)).toBe(false);
    expect(existsSync(livePath)).toBe(true);
    expect(plugin.recordingOf(live.id)).toBe(livePath);
    expect((await live.execute('echo after-sweep')).stdout).toBe('after-sweep\n');
    expect(plugin.stats()).toMatchObject({ deleted: 1, active: 1 });
  });

  test('sweeps a tenth of the period apart, from 1 s to 1 h, and refuses a period under 1 s', () => {
    expect(retentionSweepMs(10_000)).toBe(1000);
    expect(retentionSweepMs(60_000)).toBe(6000);
    expect(retentionSweepMs(7 * DAY_MS)).toBe(3_600_000);
    for (const retentionMs of [999, 1.5e3 + 0.5, -1, '7d']) {
      const error = expectCode(
        (() => {
          try {
            new RecordingPlugin({ dir, retentionMs: retentionMs as number });
          } catch (e) {
            return e;
          }
        })(),
        ErrorCode.InvalidParams,
      );
      expect(error.message).toContain('retentionMs: must be an integer of at least 1000 ms');
    }
  });
});
