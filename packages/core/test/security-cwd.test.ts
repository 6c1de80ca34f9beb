// Admission against the live working directory: a terminal's commands are admitted one at a time
// once the earlier ones have finished, a transaction's commands are judged together per terminal,
// and each transaction command is re-checked right before it runs.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { expectCode, rejection } from './helpers';

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'orchflow-cwd-'));
}

/** A directory holding a forbidden file `hostname` (the directory itself may be entered). */
function secretDir(): { dir: string; file: string } {
  const d = dir();
  const file = join(d, 'hostname');
  writeFileSync(file, 'SECRET-HOSTNAME');
  return { dir: d, file };
}

function build(forbidden: string, admitted?: () => void): Orchestrator {
  const builder = Orchestrator.builder().withSecurityPolicy({ forbiddenPaths: [forbidden] });
  if (admitted) {
    builder.withPlugin({
      metadata: { name: 'counter', version: '1' },
      onCommandExecute: () => {
        admitted();
        return true;
      },
    });
  }
  orch = builder.build();
  return orch;
}

describe('admission against the live cwd', () => {
  it('admits concurrent executes on one terminal in the directory the earlier ones left', async () => {
    const secret = secretDir();
    const o = build(secret.file);
    const term = await o.spawnTerminal('agent', { cwd: dir() });
    const cd = o.execute(term.id, `cd ${secret.dir}`);
    const cat = o.execute(term.id, 'cat hostname');
    expect((await cd).exitCode).toBe(0);
    const e = expectCode(await rejection(cat), ErrorCode.PolicyDenied);
    expect(e.message).toMatch(/forbidden/i);
    expect(e.data).toMatchObject({ cwd: secret.dir });
    // Batches go through the same lanes.
    const results = await o.batchExecute(
      [
        { terminalId: term.id, command: 'cd /' },
        { terminalId: term.id, command: `cd ${secret.dir}` },
        { terminalId: term.id, command: 'cat hostname' },
      ],
      { mode: 'parallel' },
    );
    expect(results[2]).toMatchObject({ ok: false, error: { code: ErrorCode.PolicyDenied } });
  });

  it('judges a transaction’s commands on one terminal together: `cd` then a forbidden read runs nothing', async () => {
    const secret = secretDir();
    const o = build(secret.file);
    const ws = dir();
    const term = await o.spawnTerminal('agent', { cwd: ws });
    const tx = o.beginTransaction();
    const e = expectCode(
      await rejection(
        o.commitTransaction(tx, [
          { terminalId: term.id, command: 'touch ran' },
          { terminalId: term.id, command: `cd ${secret.dir}` },
          { terminalId: term.id, command: 'cat hostname' },
        ]),
      ),
      ErrorCode.PolicyDenied,
    );
    expect(e.message).toMatch(/command #3/);
    expect(existsSync(join(ws, 'ran'))).toBe(false);
  });

  it('re-checks each transaction command right before it runs; a denied one stops the rest', async () => {
    const secret = secretDir();
    const ws = dir();
    let admissions = 0;
    const o = build(secret.file, () => {
      // The blocker, then the transaction's three commands: all admitted while the cwd is `ws`.
      if (++admissions === 4) writeFileSync(join(ws, 'go'), '');
    });
    const term = await o.spawnTerminal('agent', { cwd: ws });
    // Moves the terminal into the secret directory only after the transaction was admitted.
    const blocker = o.execute(term.id, `while [ ! -e go ]; do sleep 0.05; done; cd ${secret.dir}`);
    const tx = o.beginTransaction();
    const committed = await o.commitTransaction(
      tx,
      [
        { terminalId: term.id, command: 'echo one' },
        { terminalId: term.id, command: 'cat hostname' },
        { terminalId: term.id, command: `echo three > ${join(ws, 'three')}` },
      ],
      { stopOnError: false },
    );
    expect((await blocker).exitCode).toBe(0);
    const [one, cat, three] = committed.results;
    expect(one).toMatchObject({ ok: true, result: { stdout: 'one\n' } });
    expect(cat).toMatchObject({ ok: false, error: { code: ErrorCode.PolicyDenied } });
    expect(JSON.stringify(cat)).toMatch(/re-checked right before it ran/);
    expect(three).toMatchObject({ ok: false, error: { code: ErrorCode.Cancelled } });
    expect(existsSync(join(ws, 'three'))).toBe(false);
  });
});
