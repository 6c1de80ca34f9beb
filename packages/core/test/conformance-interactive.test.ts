// `OrchflowClient.runInteractive` against a real orchestrator: the program is admitted like any
// command (a plugin can refuse it), input reaches it, its end is the session's `exited`.
import { OrchflowClient } from '@orchflow/client';
import { ErrorCode } from '@orchflow/protocol';
import { foregroundProcessGroup } from '@orchflow/terminal';
import { expect, it, onTestFinished } from 'vitest';
import type { OrchestratorOptions } from '../src/options';
import { Orchestrator } from '../src/orchestrator';
import { expectCode, rejection, waitFor } from './helpers';

async function setup(options: OrchestratorOptions = {}) {
  const orch = new Orchestrator(options);
  const client = await OrchflowClient.direct(orch);
  onTestFinished(async () => {
    await client.close();
    await orch.shutdown();
  });
  return { orch, client };
}

/** Waits until the program started in `terminalId` is the terminal's foreground job. */
async function inForeground(orch: Orchestrator, terminalId: string): Promise<void> {
  const shell = orch.terminalInfo(terminalId).pid;
  await waitFor(() => {
    const group = foregroundProcessGroup(shell);
    return group !== undefined && group !== shell;
  }, 'the program in the foreground');
}

it('refuses a program a plugin blocks with PolicyDenied, and kills the terminal it spawned', async () => {
  const seen: string[] = [];
  const { client } = await setup({
    plugins: [
      {
        metadata: { name: 'no-rm', version: '1.0.0' },
        onCommandExecute: ({ command }) => {
          seen.push(command);
          return command.startsWith('rm') ? { allow: false, reason: 'rm is not allowed' } : true;
        },
      },
    ],
  });
  const error = expectCode(
    await rejection(client.runInteractive('rm -i /tmp/orchflow-not-there')),
    ErrorCode.PolicyDenied,
  );
  expect(error.message).toContain('rm is not allowed');
  expect(seen).toEqual(['rm -i /tmp/orchflow-not-there']);
  expect(await client.listTerminals({ state: 'running' })).toEqual([]);
});

it('sends input to an interactive cat, sees its output, and resolves exited when it ends', async () => {
  const { orch, client } = await setup();
  const session = await client.runInteractive('cat');
  onTestFinished(async () => void (await session.close().catch(() => undefined)));
  // Type-ahead sent before cat holds the terminal is read by bash's readline, as it would be from
  // a person typing that fast: wait until cat is the terminal's foreground job.
  await inForeground(orch, session.terminal.id);
  await session.write('ping-1\n');
  // The PTY echoes the line, then cat prints it back.
  await session.waitFor(/ping-1\r?\n[\s\S]*ping-1/);
  await session.write('\x04');
  const result = await session.exited;
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain('ping-1');
});

it('runs a REPL (bc) round trip and kills it on close', async () => {
  const { orch, client } = await setup();
  const session = await client.runInteractive('bc -q');
  await inForeground(orch, session.terminal.id);
  await session.write('6*7\r');
  await session.waitFor('42');
  const snapshot = await session.snapshot();
  expect(snapshot.lines.join('\n')).toContain('42');
  await session.close();
  // Killed before it ended on its own: exited still settles, with the signal that ended it.
  expect(await session.exited).toMatchObject({ exitCode: null, signal: 'SIGHUP', shellExited: true });
});
