// MCP results carry no secret (issue 16): redaction happens at the terminal's source, so the
// output of terminal_run and terminal_read is already redacted when the MCP server reads it.
import { SecurityPresets } from '@orchflow/security';
import { describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { linkedClient, orchestrator, structured } from './helpers';

const DEPLOY = 'dpl-XYZ-2026-secret';

describe('MCP results', { timeout: 60_000 }, () => {
  it('show a policy secret as [REDACTED:<name>] in terminal_run and terminal_read', async () => {
    const orch = await orchestrator({
      ...SecurityPresets.standard,
      secrets: [{ name: 'deploy', value: DEPLOY }],
    });
    const { client, close } = await linkedClient(orch);
    try {
      const ran = structured<CommandReport>(
        'terminal_run',
        await client.callTool({ name: 'terminal_run', arguments: { command: `echo ${DEPLOY}` } }),
      );
      expect(ran.output).toBe('[REDACTED:deploy]\n');
      const read = structured<{ data: string }>(
        'terminal_read',
        await client.callTool({
          name: 'terminal_read',
          arguments: { terminal_id: ran.terminal_id, from_offset: 0 },
        }),
      );
      expect(read.data).toContain('[REDACTED:deploy]');
      expect(JSON.stringify(read)).not.toContain(DEPLOY);
    } finally {
      await close();
      await orch.shutdown();
    }
  });

  it('never join a secret that colour codes or a bare \\r kept apart in the bytes', async () => {
    const orch = await orchestrator({
      ...SecurityPresets.standard,
      secrets: [{ name: 'deploy', value: DEPLOY }],
    });
    const { client, close } = await linkedClient(orch);
    try {
      // As `grep --color` prints a match, and a progress line that overwrote nothing of it.
      const command =
        "printf 'dpl-XYZ-\\033[01;31m2026\\033[m-secret\\n'; printf 'dpl-XYZ-2026\\r-secret\\n'";
      const ran = structured<CommandReport>(
        'terminal_run',
        await client.callTool({ name: 'terminal_run', arguments: { command } }),
      );
      const id = ran.terminal_id;
      const call = async (name: string, args: Record<string, unknown>) =>
        JSON.stringify(await client.callTool({ name, arguments: { terminal_id: id, ...args } }));
      const texts = [
        JSON.stringify(ran),
        await call('terminal_read', { from_offset: 0 }),
        await call('terminal_snapshot', {}),
        JSON.stringify(await client.readResource({ uri: `orchflow://terminals/${id}/output` })),
      ];
      for (const text of texts) expect(text).not.toContain(DEPLOY);
      expect(texts[1]).toContain('[REDACTED:deploy]');
    } finally {
      await close();
      await orch.shutdown();
    }
  });
});
