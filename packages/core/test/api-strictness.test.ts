// What the public API does with arguments it does not understand: an emergency control's agent
// filter as a string or `{ agentId }` (never "every terminal" by mistake), unknown option keys
// refused with the key they probably meant, a per-command `env` refused, preset names as policies,
// and a shell that `exit`s reported exited by the time its result arrives.
import { ErrorCode } from '@orchflow/protocol';
import { SecurityPresets } from '@orchflow/security';
import { afterEach, describe, expect, it } from 'vitest';
import { type CommandStartEvent, Orchestrator } from '../src/index';
import { alive, expectCode, rejection } from './helpers';

let orch: Orchestrator;
afterEach(async () => {
  await orch?.shutdown();
});

/** The error `run` throws (synchronously or as a rejection). */
async function failure(run: () => unknown): Promise<unknown> {
  return rejection(Promise.resolve().then(run));
}

describe('emergency controls take an agent id or { agentId }', () => {
  it("killAll('victim') kills only victim's terminals", async () => {
    orch = new Orchestrator();
    const keep = await orch.spawnTerminal('keep');
    const victim = await orch.spawnTerminal('victim');
    const victimPid = victim.info().pid;
    expect(await orch.killAll('victim')).toBe(1);
    expect(orch.listTerminals().map((t) => t.agentId)).toEqual(['keep']);
    expect(alive(victimPid)).toBe(false);
    expect(alive(keep.info().pid)).toBe(true);
    expect(await orch.killAll({ agentId: 'keep' })).toBe(1);
    expect(orch.listTerminals()).toEqual([]);
  });

  it('pauseAll / resumeAll take a string agent id too', async () => {
    orch = new Orchestrator();
    await orch.spawnTerminal('a');
    const b = await orch.spawnTerminal('b');
    expect(orch.pauseAll('a')).toBe(1);
    expect(orch.listTerminals().map((t) => [t.agentId, t.state])).toEqual([
      ['a', 'paused'],
      ['b', 'running'],
    ]);
    expect(orch.resumeAll('b')).toBe(0);
    expect(orch.resumeAll('a')).toBe(1);
    expect(orch.listTerminals().map((t) => t.state)).toEqual(['running', 'running']);
    expect((await b.execute('echo ok')).stdout).toBe('ok\n');
  });

  it('refuses every other filter with InvalidParams and touches no terminal', async () => {
    orch = new Orchestrator();
    await orch.spawnTerminal('a');
    await orch.spawnTerminal('b');
    const bad: unknown[] = ['', 42, null, ['a'], { agent: 'a' }, { agentId: 7 }, { agentId: 'a', extra: 1 }];
    for (const filter of bad) {
      const call = (method: 'killAll' | 'pauseAll' | 'resumeAll') => () =>
        (orch[method] as (f: unknown) => unknown)(filter);
      for (const method of ['killAll', 'pauseAll', 'resumeAll'] as const) {
        const e = expectCode(await failure(call(method)), ErrorCode.InvalidParams);
        expect(e.message, `${method}(${JSON.stringify(filter)})`).toContain(method);
      }
    }
    // A misspelt key names the right one.
    const e = expectCode(await failure(() => orch.killAll({ agent: 'a' } as never)), ErrorCode.InvalidParams);
    expect(e.message).toContain("'agent'");
    expect(e.data).toMatchObject({ unknownKeys: ['agent'], suggestion: 'agentId' });
    expect(orch.listTerminals().map((t) => [t.agentId, t.state])).toEqual([
      ['a', 'running'],
      ['b', 'running'],
    ]);
  });
});

describe('unknown option keys are refused, not dropped', () => {
  it("execute({ timeout }) is refused before it runs, suggesting 'timeoutMs'", async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('a');
    const started: string[] = [];
    orch.on('command.start', (e) => started.push(e.command));
    for (const run of [
      () => t.execute('sleep 4', { timeout: 500 } as never),
      () => orch.execute(t.id, 'sleep 4', { timeout: 500 } as never),
    ]) {
      const e = expectCode(await failure(run), ErrorCode.InvalidParams);
      expect(e.message).toContain("Unknown key 'timeout' in execute options (did you mean 'timeoutMs'?)");
      expect(e.data).toMatchObject({ unknownKeys: ['timeout'], suggestion: 'timeoutMs' });
    }
    expect(started).toEqual([]);
    expect(t.history()).toEqual([]);
    // `progress`, a field of the wire's params, passes only as the RPC layer hands it on: undefined.
    const e = expectCode(
      await failure(() => orch.execute(t.id, 'true', { progress: () => undefined } as never)),
      ErrorCode.InvalidParams,
    );
    expect(e.data).toMatchObject({ unknownKeys: ['progress'], suggestion: 'onOutput' });
    expect(e.data).not.toMatchObject({ knownKeys: expect.arrayContaining(['progress']) });
    expect((await orch.execute(t.id, 'true', { progress: undefined } as never)).exitCode).toBe(0);
    // The known keys still work, undefined ones included.
    const r = await t.execute('sleep 4', { timeoutMs: 300, idleTimeoutMs: undefined });
    expect(r.timedOut).toBe(true);
  });

  it('refuses unknown orchestrator and builder options, naming the near miss', () => {
    let e = expectCode(
      (() => {
        try {
          new Orchestrator({ maxTerminal: 1 } as never);
        } catch (error) {
          return error;
        }
      })(),
      ErrorCode.InvalidParams,
    );
    expect(e.message).toContain(
      "Unknown key 'maxTerminal' in orchestrator options (did you mean 'maxTerminals'?)",
    );
    const builder = Orchestrator.builder();
    e = expectCode(
      (() => {
        try {
          builder.withOptions({ exitedRetention: 50 } as never);
        } catch (error) {
          return error;
        }
      })(),
      ErrorCode.InvalidParams,
    );
    expect(e.data).toMatchObject({ unknownKeys: ['exitedRetention'], suggestion: 'exitedRetentionMs' });
    // A key the builder has its own method for.
    expect(() => builder.withOptions({ plugins: [] } as never)).toThrow(/Unknown key 'plugins'/);
  });

  it('refuses unknown keys of a spawn config, a batch and a transaction', async () => {
    orch = new Orchestrator();
    let e = expectCode(
      await rejection(orch.spawnTerminal('a', { col: 100 } as never)),
      ErrorCode.InvalidParams,
    );
    expect(e.message).toContain("Unknown key 'col' in terminal config (did you mean 'cols'?)");
    expect(orch.listTerminals()).toEqual([]);
    const t = await orch.spawnTerminal('a');
    e = expectCode(
      await rejection(
        orch.batchExecute([
          { terminalId: t.id, command: 'echo one' },
          { terminalId: t.id, command: 'sleep 4', timeout: 500 } as never,
        ]),
      ),
      ErrorCode.InvalidParams,
    );
    expect(e.message).toContain(
      "Unknown key 'timeout' in batch command #2 (commands[1]) (did you mean 'timeoutMs'?)",
    );
    e = expectCode(
      await rejection(
        orch.batchExecute([{ terminalId: t.id, command: 'true' }], { stopOnErrors: true } as never),
      ),
      ErrorCode.InvalidParams,
    );
    expect(e.data).toMatchObject({ suggestion: 'stopOnError' });
    const tx = orch.transaction();
    tx.add(t.id, 'echo tx', { maxOutput: 10 } as never);
    e = expectCode(await rejection(tx.commit()), ErrorCode.InvalidParams);
    expect(e.data).toMatchObject({ unknownKeys: ['maxOutput'], suggestion: 'maxOutputBytes' });
    expect(t.history()).toEqual([]);
    expect(() => orch.listTerminals({ agent: 'a' } as never)).toThrow(/Unknown key 'agent'/);
    expect(() => orch.listTerminals('a' as never)).toThrow(/pass \{ agentId: "a" \}/);
    expect(() => orch.read(t.id, { offset: 0 } as never)).toThrow(/Unknown key 'offset'/);
  });
});

describe("a command's options", () => {
  it('refuses env with InvalidParams and runs nothing', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('a');
    for (const run of [
      () => t.execute('echo FOO=$FOO', { env: { FOO: 'bar' } } as never),
      () => orch.execute(t.id, 'echo FOO=$FOO', { env: { FOO: 'bar' } } as never),
      () => orch.batchExecute([{ terminalId: t.id, command: 'echo x', env: { FOO: 'bar' } } as never]),
    ]) {
      const e = expectCode(await failure(run), ErrorCode.InvalidParams);
      expect(e.message).toContain("'env' is not supported");
      expect(e.data).toMatchObject({ unsupportedKey: 'env' });
    }
    expect(t.history()).toEqual([]);
  });

  it("a handle's onStart gets the command.start event it is called with", async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('a');
    const seen: CommandStartEvent[] = [];
    await t.execute('echo x', { onStart: (event) => seen.push(event) });
    expect(seen).toEqual([
      { commandId: expect.any(String), terminalId: t.id, agentId: 'a', command: 'echo x' },
    ]);
  });
});

describe('security policy presets by name', () => {
  it("withSecurityPolicy('standard') enforces the preset", async () => {
    orch = Orchestrator.builder().withSecurityPolicy('standard').build();
    expect(orch.securityPolicy).toEqual(SecurityPresets.standard);
    const t = await orch.spawnTerminal('a');
    expectCode(await rejection(t.execute('sudo true')), ErrorCode.PolicyDenied);
    expect((await t.execute('echo ok')).stdout).toBe('ok\n');
  });

  it('takes every preset name, and refuses an unknown one naming them', () => {
    for (const name of Object.keys(SecurityPresets) as (keyof typeof SecurityPresets)[]) {
      const o = new Orchestrator({ securityPolicy: name });
      expect(o.securityPolicy).toEqual(SecurityPresets[name]);
      void o.shutdown();
    }
    let e = expectCode(
      (() => {
        try {
          Orchestrator.builder()
            .withSecurityPolicy('Standard' as never)
            .build();
        } catch (error) {
          return error;
        }
      })(),
      ErrorCode.InvalidParams,
    );
    expect(e.message).toContain("(did you mean 'standard'?)");
    e = expectCode(
      (() => {
        try {
          new Orchestrator({ securityPolicy: 'paranoid' as never });
        } catch (error) {
          return error;
        }
      })(),
      ErrorCode.InvalidParams,
    );
    expect(e.message).toBe(
      'Unknown security policy preset "paranoid"; use one of trusted, standard, locked, aiSafe or a policy object',
    );
  });
});

describe('a command that ends the shell', () => {
  it('resolves once the terminal is exited everywhere', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('a');
    const exits: number[] = [];
    orch.on('terminal.exit', (e) => exits.push(e.exitCode ?? -1));
    const r = await t.execute('exit 3');
    expect(r).toMatchObject({ shellExited: true, exitCode: 3 });
    // No wait: the state is exited the moment the result is.
    expect(t.info()).toMatchObject({ state: 'exited', exitCode: 3 });
    expect(orch.listTerminals().map((i) => i.state)).toEqual(['exited']);
    expect(orch.activity(t.id).activity).toBe('exited');
    expect(exits).toEqual([3]);
    expectCode(await rejection(t.execute('echo')), ErrorCode.TerminalExited);
  });
});
