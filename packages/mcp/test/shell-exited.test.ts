// A command that ends its shell (`exit`, `exec`): the report says so (`shell_exited`), in the
// structured result and in the text, because the agent's next run lands in a fresh shell whose
// cwd, env and functions are reset; before, it read like any other exit.
import type { Client } from '@modelcontextprotocol/client';
import type { Orchestrator } from '@orchflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { linkedClient, orchestrator, structured, tempDir, textOf } from './helpers';

describe('terminal_run of a command that ends its shell', { timeout: 60_000 }, () => {
  let orch: Orchestrator;
  let client: Client;
  let close: () => Promise<void>;
  beforeAll(async () => {
    orch = await orchestrator();
    ({ client, close } = await linkedClient(orch));
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await orch?.shutdown();
  }, 60_000);

  it('reports shell_exited, and the next run starts a fresh shell', async () => {
    const dir = tempDir();
    const first = await client.callTool({
      name: 'terminal_run',
      arguments: { command: `cd ${dir}; export KEEP=1; echo bye; exit 3` },
    });
    const report = structured<CommandReport>('terminal_run', first);
    expect(report).toMatchObject({ status: 'exited', exit_code: 3, shell_exited: true });
    expect(report.output).toContain('bye');
    expect(textOf(first)).toMatch(/ended the shell.*fresh shell/);
    const next = structured<CommandReport>(
      'terminal_run',
      await client.callTool({ name: 'terminal_run', arguments: { command: 'echo "[$KEEP]"; pwd' } }),
    );
    expect(next.terminal_id).not.toBe(report.terminal_id);
    expect(next.output).toContain('[]');
    expect(next.cwd).not.toBe(dir);
    // An ordinary exit does not carry the flag.
    expect(next.shell_exited).toBeUndefined();
  });
});
