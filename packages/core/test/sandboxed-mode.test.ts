// `mode: 'sandboxed'` is a sandbox, not a label: the shell runs under bubblewrap in its own PID
// namespace whatever the policy's own isolation level is (none, process). Where bubblewrap is
// missing the spawn fails with SpawnFailed (requireTool, tested in @orchflow/security) instead of
// running unsandboxed; a backend given a wrapper that does not sandbox refuses the mode (mux tests).
import { mkdtempSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import type { AuditEntry, SecurityPolicyInput } from '@orchflow/security';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { expectCode, rejection } from './helpers';

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'orchflow-sandboxed-'));
}

const HOST_INIT = readFileSync('/proc/1/cmdline', 'utf8');

/** What a terminal sees of the host's processes: how many pids, and what pid 1 is. */
async function processView(term: { execute(c: string): Promise<{ stdout: string }> }) {
  const listed = await term.execute("ls /proc | grep -c '^[0-9]'");
  const count = Number.parseInt(listed.stdout, 10);
  expect(Number.isInteger(count), JSON.stringify(listed)).toBe(true);
  const init =
    (await term.execute("tr '\\0' ' ' < /proc/1/cmdline; echo")).stdout.split('\n')[0]?.trim() ?? '';
  return { count, init };
}

describe("mode: 'sandboxed'", () => {
  it('runs the shell in a bubblewrap sandbox without any policy', async () => {
    const audit = join(dir(), 'audit.jsonl');
    orch = Orchestrator.builder().withAuditLog(audit).build();
    const term = await orch.spawnTerminal('agent', { cwd: dir(), mode: 'sandboxed' });
    expect(term.info()).toMatchObject({ mode: 'sandboxed' });
    const view = await processView(term);
    expect(view.count).toBeLessThan(10);
    expect(view.init).not.toBe(HOST_INIT.replaceAll('\0', ' ').trim());
    await orch.shutdown();
    const decision = readFileSync(audit, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry)
      .find((e) => e.kind === 'decision');
    expect(decision).toMatchObject({ isolation: 'sandbox' });
  });

  it("raises a weaker policy's isolation ('process', like standard's) to the sandbox", async () => {
    const policy = {
      deniedCommands: ['rm'],
      isolationLevel: 'process',
      resourceLimits: { maxOpenFiles: 333 },
    };
    orch = Orchestrator.builder()
      .withSecurityPolicy(policy as SecurityPolicyInput)
      .build();
    const plain = await orch.spawnTerminal('agent', { cwd: dir() });
    expect((await processView(plain)).count).toBeGreaterThan(10);
    const term = await orch.spawnTerminal('agent', { cwd: dir(), mode: 'sandboxed' });
    const view = await processView(term);
    expect(view.count).toBeLessThan(10);
    expect(view.init).not.toBe(HOST_INIT.replaceAll('\0', ' ').trim());
    // The policy's own limits still apply inside.
    expect((await term.execute('ulimit -n')).stdout).toBe('333\n');
  });

  it('is the default mode of an orchestrator built with it', async () => {
    orch = Orchestrator.builder().withExecutionMode('sandboxed').build();
    const term = await orch.spawnTerminal('agent', { cwd: dir() });
    expect(term.info().mode).toBe('sandboxed');
    expect((await processView(term)).count).toBeLessThan(10);
  });

  it('refuses a workspace the sandbox would bind writable when it holds the root or a home', async () => {
    orch = new Orchestrator();
    for (const cwd of ['/', homedir()]) {
      const e = expectCode(
        await rejection(orch.spawnTerminal('agent', { cwd, mode: 'sandboxed' })),
        ErrorCode.PolicyDenied,
      );
      expect(e.data).toMatchObject({ rule: 'spawn-cwd:too-wide' });
    }
    expect(orch.listTerminals()).toEqual([]);
  });

  it('is refused at build for a mode that does not exist (privileged was removed)', () => {
    const e = expectCode(
      (() => {
        try {
          Orchestrator.builder()
            .withExecutionMode('privileged' as never)
            .build();
        } catch (error) {
          return error;
        }
      })(),
      ErrorCode.InvalidParams,
    );
    expect(e.message).toMatch(/interactive, scripted, sandboxed/);
  });
});
