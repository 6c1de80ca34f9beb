// Raw input under a policy that restricts commands: off by default (a denied command cannot just
// be typed), and where a policy turns it on, every line typed at the shell's prompt is judged like
// a command while keys for a program the shell started pass through unjudged.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchflowClient } from '@orchflow/client';
import { DirectChannel, ErrorCode, type Principal } from '@orchflow/protocol';
import {
  type AuditEntry,
  type SecurityPolicyInput,
  SecurityPresets,
  verifyAuditLog,
} from '@orchflow/security';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { ConnectionPolicy } from '../src/connection-policy';
import { Orchestrator, type SecurityAlertEvent, type TerminalHandle } from '../src/index';
import { MAX_RAW_LINE_BYTES } from '../src/raw-input';
import { serveChannel } from '../src/rpc/serve-channel';
import { expectCode, rejection, waitFor } from './helpers';

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'orchflow-raw-'));
}

// `standard` as shipped, minus maxProcesses: as root that needs a pids cgroup, tested elsewhere.
const STANDARD: SecurityPolicyInput = {
  ...SecurityPresets.standard,
  resourceLimits: { ...SecurityPresets.standard.resourceLimits, maxProcesses: undefined },
};
const STANDARD_WITH_RAW: SecurityPolicyInput = { ...STANDARD, capabilities: { canWriteRawInput: true } };

function workspace(): { ws: string; victim: string } {
  const ws = dir();
  const victim = join(ws, 'x');
  writeFileSync(victim, 'keep me');
  return { ws, victim };
}

function build(policy: SecurityPolicyInput, auditLog?: string): Orchestrator {
  const builder = Orchestrator.builder().withSecurityPolicy(policy);
  if (auditLog) builder.withAuditLog(auditLog);
  orch = builder.build();
  return orch;
}

/** The kernel's foreground process group of the terminal `pid` is attached to. */
function foreground(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[8 - 3]);
}

/** Resolves once the terminal's output (from `offset`) contains `text`. */
async function output(o: Orchestrator, term: TerminalHandle, text: string, offset = 0): Promise<void> {
  await waitFor(() => o.read(term.id, { fromOffset: offset }).data.includes(text), `output '${text}'`);
}

async function denied(promise: Promise<unknown>, rule: RegExp): Promise<void> {
  const e = expectCode(await rejection(promise), ErrorCode.PolicyDenied);
  expect(e.data).toMatchObject({ rule: expect.stringMatching(rule) });
}

describe('raw input under a policy that restricts commands', () => {
  it('is refused by default under standard, in process and over RPC, so nothing typed runs', async () => {
    const o = build(STANDARD);
    const { ws, victim } = workspace();
    const term = await o.spawnTerminal('agent', { cwd: ws });
    const e = expectCode(
      (() => {
        try {
          void term.write('shred -u x\r');
        } catch (error) {
          return error;
        }
      })(),
      ErrorCode.Forbidden,
    );
    expect(e.data).toMatchObject({ rule: 'capabilities.canWriteRawInput' });
    const client = await OrchflowClient.direct(o);
    onTestFinished(() => client.close());
    const remote = await client.spawnTerminal('agent', { cwd: ws });
    expectCode(await rejection(remote.write('shred -u x\r')), ErrorCode.Forbidden);
    // Anything that had reached a shell would have run before these commands.
    await term.execute('true');
    await remote.execute('true');
    expect(existsSync(victim)).toBe(true);
  });

  it('judges each line typed at the prompt like a command when the policy allows raw input', async () => {
    const audit = join(dir(), 'audit.jsonl');
    const o = build(STANDARD_WITH_RAW, audit);
    const alerts: SecurityAlertEvent[] = [];
    o.on('security.alert', (a) => alerts.push(a));
    const { ws, victim } = workspace();
    const term = await o.spawnTerminal('agent', { cwd: ws });

    await denied(term.write('shred -u x\r'), /^deniedCommands\[\d+\]: shred$/);
    await denied(term.write('chown -R nobody x\r'), /^deniedCommands\[\d+\]: chown -R$/);
    expect(alerts.map((a) => a.command)).toEqual(['shred -u x', 'chown -R nobody x']);
    // A line arrives in pieces; it is judged and typed once complete.
    await term.write('echo typed-');
    await term.write('$((6*7))\r');
    await output(o, term, 'typed-42');
    await term.execute('true');
    expect(existsSync(victim)).toBe(true);

    await o.shutdown();
    const raw = readFileSync(audit, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry)
      .filter((entry) => entry.kind !== 'tool' && entry.source === 'raw-input');
    expect(
      raw.map((e) => `${e.kind === 'decision' && e.decision}:${e.kind !== 'tool' && e.command}`),
    ).toEqual(['deny:shred -u x', 'deny:chown -R nobody x', 'allow:echo typed-$((6*7))']);
    expect(await verifyAuditLog(audit)).toMatchObject({ ok: true });
  });

  it('refuses keys and lines that would make the shell run something other than the judged line', async () => {
    const o = build(STANDARD_WITH_RAW);
    const { ws, victim } = workspace();
    const term = await o.spawnTerminal('agent', { cwd: ws });
    await denied(term.write('\x1b[A\r'), /^raw-input:control-key$/); // history recall (Up)
    await denied(term.write('shr\t'), /^raw-input:control-key$/); // completion
    await denied(term.write('echo ok; ls \\\r'), /^raw-input:incomplete-line$/);
    await denied(term.write("echo 'open\r"), /^raw-input:incomplete-line$/);
    await denied(term.write(`echo ${'a'.repeat(5000)}`), /^raw-input:line-too-long$/);
    // The longest line allowed runs whole: the tty of a shell without a line editor keeps 4095
    // bytes of a line, and would run a longer one cut short.
    const whole = `echo ${'a'.repeat(MAX_RAW_LINE_BYTES - 16)} tail-whole`;
    expect(Buffer.byteLength(whole)).toBe(MAX_RAW_LINE_BYTES);
    await denied(term.write(`${whole}x\r`), /^raw-input:line-too-long$/);
    await term.write(`${whole}\r`);
    await output(o, term, 'a tail-whole\r\n');
    // A refusal drops the partial line: what follows starts a fresh one.
    await term.write('shred');
    await term.write('\x7f\x7f\x7f\x7f\x7fecho edited\r');
    await output(o, term, 'edited\r\n');
    await term.write('shred -u x\x15echo cleared\r');
    await output(o, term, 'cleared\r\n');
    await term.execute('true');
    expect(existsSync(victim)).toBe(true);
  });

  it('is off by default under a bare denylist at isolation none, and judged where it is allowed', async () => {
    const { ws, victim } = workspace();
    const sync = (write: () => Promise<void>) => {
      try {
        void write();
      } catch (error) {
        return error;
      }
    };
    let o = build({ deniedCommands: ['shred'] });
    let term = await o.spawnTerminal('agent', { cwd: ws });
    const off = expectCode(
      sync(() => term.write('shred -u x\r')),
      ErrorCode.Forbidden,
    );
    expect(off.data).toMatchObject({ rule: 'capabilities.canWriteRawInput' });
    await o.shutdown();

    o = build({ deniedCommands: ['shred'], capabilities: { canWriteRawInput: true } });
    term = await o.spawnTerminal('agent', { cwd: ws });
    await denied(term.write('shred -u x\r'), /^deniedCommands\[0\]: shred$/);
    await denied(term.write('\x1b[A\r'), /^raw-input:control-key$/);
    await term.execute('true');
    expect(existsSync(victim)).toBe(true);
    await o.shutdown();

    // `trusted` (protectShellIntegration off) and no policy: keys go straight in, Escape included.
    for (const policy of [SecurityPresets.trusted, undefined]) {
      orch = policy ? Orchestrator.builder().withSecurityPolicy(policy).build() : new Orchestrator();
      const own = await orch.spawnTerminal('agent', { cwd: ws });
      await own.write('\x1b[A\x15echo direct-$((2+3))\r');
      await output(orch, own, 'direct-5');
      await orch.shutdown();
    }
  });

  it('runs a typed line with "!" as written: history expansion is off and stays off', async () => {
    const o = build(STANDARD_WITH_RAW);
    const term = await o.spawnTerminal('agent', { cwd: dir() });
    await term.write('echo "hi!"\r');
    await output(o, term, 'hi!\r\n');
    // `!!` is not the previous line, `!x` not an earlier event: both are plain text.
    await term.write('echo "again" !! !x\r');
    await output(o, term, 'again !! !x\r\n');
    // Turning it back on is a command the shell-integration rule denies.
    await denied(term.write('set -o histexpand\r'), /^shell-integration$/);
  });

  it('passes keys unjudged to a program the shell started, also inside a sandbox', async () => {
    for (const isolationLevel of ['process', 'sandbox'] as const) {
      const o = build({ ...STANDARD_WITH_RAW, isolationLevel });
      const { ws, victim } = workspace();
      const term = await o.spawnTerminal('agent', { cwd: ws });
      const shellGroup = foreground(term.info().pid);
      const answered = term.execute('head -n 2');
      await waitFor(() => foreground(term.info().pid) !== shellGroup, 'head in the foreground');
      // Text that would be denied as a command is just data for head.
      await term.write('y\n');
      // The kernel writes head's `y` and its line end separately; an echo typed in between lands
      // inside head's line. Wait for the whole line before typing the next one.
      await output(o, term, 'y\r\ny\r\n');
      await term.write('shred -u x\n');
      const result = await answered;
      // The PTY echoes what was typed; head prints both lines back.
      expect(result.stdout.match(/shred -u x/g)).toHaveLength(2);
      expect(result.stdout.match(/^y$/gm)).toHaveLength(2);
      // Back at the prompt, the same text is a command again.
      await denied(term.write('shred -u x\r'), /shred/);
      expect(existsSync(victim)).toBe(true);
      await o.shutdown();
    }
  });

  it('judges input while the shell itself reads it (the read builtin), failing closed', async () => {
    const o = build(STANDARD_WITH_RAW);
    const term = await o.spawnTerminal('agent', { cwd: dir() });
    const read = term.execute('read -r answer; echo "got:$answer"');
    // The shell holds the terminal: what it reads could as well be its next command line.
    await denied(term.write('shred -u x\n'), /shred/);
    await term.write('yes\n');
    expect((await read).stdout).toContain('got:yes\n');
  });

  it("judges raw input of a caller held to its own restrictive policy, by both policies' rules", async () => {
    orch = new Orchestrator();
    const { ws, victim } = workspace();
    const agent: Principal = { kind: 'agent', name: 'bot' };
    const policy = new ConnectionPolicy({
      deniedCommands: ['shred'],
      isolationLevel: 'process',
      capabilities: { canWriteRawInput: true },
    });
    const [clientEnd, serverEnd] = DirectChannel.pair();
    serveChannel(orch, serverEnd, { principal: agent, policy });
    const client = await OrchflowClient.fromChannel(clientEnd);
    onTestFinished(() => client.close());
    const term = await client.spawnTerminal('bot', { cwd: ws });
    await denied(term.write('shred -u x\r'), /^connection:deniedCommands\[0\]: shred$/);
    await term.write('echo via-$((1+1))\r');
    await term.execute('true');
    expect((await term.read()).data).toContain('via-2');
    expect(existsSync(victim)).toBe(true);
    // A bare denylist at isolation none still judges the caller's raw input.
    const [clientEnd2, serverEnd2] = DirectChannel.pair();
    serveChannel(orch, serverEnd2, {
      principal: agent,
      policy: new ConnectionPolicy({ deniedCommands: ['shred'], capabilities: { canWriteRawInput: true } }),
    });
    const client2 = await OrchflowClient.fromChannel(clientEnd2);
    onTestFinished(() => client2.close());
    const term2 = await client2.spawnTerminal('bot', { cwd: ws });
    await denied(term2.write('shred -u x\r'), /^connection:deniedCommands\[0\]: shred$/);
    await term2.execute('true');
    expect(existsSync(victim)).toBe(true);
    // The same orchestrator, called without that principal, has no policy: input goes straight in.
    const own = await orch.spawnTerminal('admin-agent', { cwd: ws });
    await own.write('\x1b[A');
  });
});
