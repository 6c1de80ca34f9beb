// Spawning, executing and the terminal registry: handles, agent ownership, lookups, raw I/O,
// exited-terminal retention, builder validation.
import { ErrorCode } from '@orchflow/protocol';
import { SecurityPresets } from '@orchflow/security';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { alive, expectCode, rejection, waitFor } from './helpers';

let orch: Orchestrator;
afterEach(async () => {
  await orch?.shutdown();
});

describe('Orchestrator terminals', () => {
  it('spawns a terminal for an agent and executes commands in it', async () => {
    orch = Orchestrator.builder().withMaxTerminals(4).build();
    const term = await orch.spawnTerminal('worker-1');
    expect(term.agentId).toBe('worker-1');
    const out = await term.execute('echo hello');
    expect(out).toMatchObject({ stdout: 'hello\n', stderr: '', exitCode: 0, timedOut: false });
    expect((await orch.execute(term.id, 'exit_code() { return 7; }; exit_code')).exitCode).toBe(7);
    const info = term.info();
    expect(info).toMatchObject({
      id: term.id,
      agentId: 'worker-1',
      backend: 'direct',
      state: 'running',
      mode: 'interactive',
    });
    expect(alive(info.pid)).toBe(true);
  });

  it('lists terminals with their owning agent and filters by agent and state', async () => {
    orch = new Orchestrator();
    const a1 = await orch.spawnTerminal('a');
    const b1 = await orch.spawnTerminal('b');
    const a2 = await orch.spawnTerminal('a');
    expect(orch.listTerminals().map((t) => [t.id, t.agentId])).toEqual([
      [a1.id, 'a'],
      [b1.id, 'b'],
      [a2.id, 'a'],
    ]);
    expect(orch.listTerminals({ agentId: 'a' }).map((t) => t.id)).toEqual([a1.id, a2.id]);
    expect(orch.listTerminals({ agentId: 'b', state: 'running' }).map((t) => t.id)).toEqual([b1.id]);
    expect(orch.listTerminals({ state: 'exited' })).toEqual([]);
    expect(orch.getTerminal(b1.id)).toBe(b1);
  });

  it('fails with TerminalNotFound for an unknown id', async () => {
    orch = new Orchestrator();
    expectCode(await rejection(orch.execute('nope', 'echo')), ErrorCode.TerminalNotFound);
    expect(() => orch.getTerminal('nope')).toThrow(/No terminal 'nope'/);
    expectCode(await rejection(orch.kill('nope')), ErrorCode.TerminalNotFound);
  });

  it('validates the agent id and config', async () => {
    orch = new Orchestrator();
    expectCode(await rejection(orch.spawnTerminal('')), ErrorCode.InvalidParams);
    expectCode(await rejection(orch.spawnTerminal('a', { cols: 0 })), ErrorCode.InvalidParams);
    expectCode(await rejection(orch.spawnTerminal('a', { shell: '/no/such/shell' })), ErrorCode.SpawnFailed);
    expect(orch.listTerminals()).toEqual([]);
  });

  it('writes raw input, reads output by offset, resizes and snapshots', async () => {
    orch = new Orchestrator();
    const term = await orch.spawnTerminal('io', { cols: 100, rows: 30 });
    const chunks: string[] = [];
    term.onOutput((c) => chunks.push(c.data));
    term.write('echo raw-$((40+2))\n');
    await waitFor(() => chunks.join('').includes('raw-42'), 'raw output');
    expect(term.read({ fromOffset: 0 }).data).toContain('raw-42');
    expect(term.resize(120, 40)).toEqual({ cols: 120, rows: 40 });
    const snap = await term.snapshot();
    expect(snap).toMatchObject({ cols: 120, rows: 40 });
    expect(snap.lines.join('\n')).toContain('raw-42');
  });

  it('uses the builder execution mode for terminals that name none', async () => {
    orch = Orchestrator.builder().withExecutionMode('scripted').build();
    const term = await orch.spawnTerminal('s');
    expect(term.info().mode).toBe('scripted');
    expect(await term.execute('echo out; echo err >&2')).toMatchObject({ stdout: 'out\n', stderr: 'err\n' });
  });

  it('applies the default timeout to commands that set none', async () => {
    orch = Orchestrator.builder().withDefaultTimeoutMs(300).build();
    const term = await orch.spawnTerminal('t');
    const r = await term.execute('sleep 30');
    expect(r.timedOut).toBe(true);
    expect((await term.execute('echo still-usable')).stdout).toBe('still-usable\n');
  });

  it('keeps a terminal that exited on its own listed as exited until it is killed', async () => {
    orch = new Orchestrator();
    const term = await orch.spawnTerminal('x');
    term.write('exit 4\n');
    await term.exited;
    expect(orch.listTerminals()).toMatchObject([{ id: term.id, state: 'exited', exitCode: 4 }]);
    expect(term.read({ fromOffset: 0 }).endOffset).toBeGreaterThan(0);
    expectCode(await rejection(term.execute('echo')), ErrorCode.TerminalExited);
    expect(await term.kill()).toEqual({ exitCode: 4, signal: null });
    expect(orch.listTerminals()).toEqual([]);
  });

  it('says a write to an exited terminal failed because it exited, also under a policy without raw input', async () => {
    orch = Orchestrator.builder().withSecurityPolicy(SecurityPresets.standard).build();
    const term = await orch.spawnTerminal('x');
    await term.execute('exit 4').catch(() => undefined);
    await term.exited;
    // The policy refuses raw input, but the terminal being gone is what the caller must hear.
    expectCode(await rejection(Promise.resolve().then(() => term.write('ls\n'))), ErrorCode.TerminalExited);
  });

  it('removes exited terminals after the retention time', async () => {
    orch = Orchestrator.builder().withOptions({ exitedRetentionMs: 50 }).build();
    const term = await orch.spawnTerminal('x');
    term.write('exit\n');
    await term.exited;
    await waitFor(() => orch.listTerminals().length === 0, 'removal after retention');
  });

  it('kill removes a live terminal and ends its process', async () => {
    orch = new Orchestrator();
    const term = await orch.spawnTerminal('k');
    const pid = term.info().pid;
    const info = await orch.kill(term.id);
    expect(info.exitCode === null || info.signal !== null || info.exitCode !== 0).toBe(true);
    expect(alive(pid)).toBe(false);
    expect(() => orch.terminalInfo(term.id)).toThrow(/No terminal/);
    // The handle answers what the terminal was last, as a remote handle does.
    expect(term.info()).toMatchObject({ id: term.id, state: 'exited', pid });
  });

  it('rejects invalid limits', () => {
    expect(() => Orchestrator.builder().withMaxTerminals(0).build()).toThrow(
      /maxTerminals must be a positive integer/,
    );
    expect(() => new Orchestrator({ maxTerminalsPerAgent: 1.5 })).toThrow(/maxTerminalsPerAgent/);
  });
});
