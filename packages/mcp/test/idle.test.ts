// Idle session expiry: a client's session that goes unused is closed (its terminals killed) and
// the next call opens a fresh one; a command still running keeps the session open, and the period
// counts from the end of a command too.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import type { Orchestrator } from '@orchflow/core';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandReport, createMcpServer, DEFAULT_MCP_SESSION_IDLE_MS, directConnector } from '../src';
import { linkedClient, orchestrator, structured, tempDir } from './helpers';

const IDLE_MS = 300;
/** Longer for the expiry test, so the check that the terminal is alive right after the call holds under load. */
const EXPIRY_IDLE_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MCP session idle expiry', { timeout: 60_000 }, () => {
  let orch: Orchestrator;
  beforeAll(async () => {
    orch = await orchestrator();
  }, 60_000);
  afterAll(async () => {
    await orch?.shutdown();
  }, 60_000);

  const alive = (id: string) => orch.listTerminals().some((t) => t.id === id && t.state !== 'exited');

  /** Starts `command` and hands back its report, `running` after 100 ms. */
  const start = async (client: Client, command: string) =>
    structured<CommandReport>(
      'terminal_run',
      await client.callTool({ name: 'terminal_run', arguments: { command, yield_ms: 100 } }),
    );
  /** Waits for terminal `id`'s command to exit and returns the report. */
  const waitExit = async (client: Client, id: string) =>
    structured<CommandReport>(
      'terminal_wait',
      await client.callTool({
        name: 'terminal_wait',
        arguments: { terminal_id: id, until: 'exit', timeout_ms: 30_000 },
      }),
    );

  it('closes an idle session, kills its terminals, and opens a fresh one on the next call', async () => {
    const { client, close } = await linkedClient(orch, { name: 'idle-a', sessionIdleMs: EXPIRY_IDLE_MS });
    try {
      const first = structured<CommandReport>(
        'terminal_run',
        await client.callTool({ name: 'terminal_run', arguments: { command: 'echo one' } }),
      );
      expect(alive(first.terminal_id)).toBe(true);
      // Expiry is due after IDLE_MS; the kill is asynchronous, so allow it generous time. A killed
      // terminal shows as exited a moment before its kill completes and removes it (the process
      // tree's last check), so wait for the removal: that is what the listing below reflects.
      const registered = (id: string) => orch.listTerminals().some((t) => t.id === id);
      const deadline = Date.now() + 20_000;
      while (registered(first.terminal_id) && Date.now() < deadline) await sleep(50);
      expect(registered(first.terminal_id)).toBe(false);
      const listed = structured<{ terminals: { terminal_id: string }[] }>(
        'terminal_list',
        await client.callTool({ name: 'terminal_list', arguments: {} }),
      );
      expect(listed.terminals.map((t) => t.terminal_id)).not.toContain(first.terminal_id);
      const second = structured<CommandReport>(
        'terminal_run',
        await client.callTool({ name: 'terminal_run', arguments: { command: 'echo two' } }),
      );
      expect(second).toMatchObject({ status: 'exited', exit_code: 0 });
      expect(second.terminal_id).not.toBe(first.terminal_id);
    } finally {
      await close();
    }
  });

  it('keeps a session whose command is still running, then picks the command up', async () => {
    const { client, close } = await linkedClient(orch, { name: 'idle-b', sessionIdleMs: IDLE_MS });
    try {
      const started = await start(client, 'sleep 3; echo done-b');
      expect(started.status).toBe('running');
      // Several idle periods pass with no call while the command runs.
      await sleep(IDLE_MS * 5);
      expect(alive(started.terminal_id)).toBe(true);
      const waited = await waitExit(client, started.terminal_id);
      expect(waited).toMatchObject({ status: 'exited', exit_code: 0 });
      expect(waited.output).toContain('done-b');
    } finally {
      await close();
    }
  });

  it('counts the idle period from the end of a long command too: its result can still be collected', async () => {
    const idleMs = 2000;
    const { client, close } = await linkedClient(orch, { name: 'idle-c', sessionIdleMs: idleMs });
    const marker = join(tempDir(), 'ended');
    try {
      const started = await start(client, `sleep 3; echo done-c; touch ${marker}`);
      expect(started.status).toBe('running');
      // No call meanwhile: the last one was more than an idle period before the command ends.
      const deadline = Date.now() + 30_000;
      while (!existsSync(marker) && Date.now() < deadline) await sleep(25);
      await sleep(idleMs * 0.6);
      const waited = await waitExit(client, started.terminal_id);
      expect(waited).toMatchObject({ status: 'exited', exit_code: 0 });
      expect(waited.output).toContain('done-c');
    } finally {
      await close();
    }
  });

  it('rejects a bad sessionIdleMs with InvalidParams and defaults to 30 minutes', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      let error: unknown;
      try {
        createMcpServer({ connect: directConnector(orch), sessionIdleMs: bad });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(OrchflowError);
      expect((error as OrchflowError).code).toBe(ErrorCode.InvalidParams);
    }
    expect(DEFAULT_MCP_SESSION_IDLE_MS).toBe(30 * 60 * 1000);
    expect(() => createMcpServer({ connect: directConnector(orch), sessionIdleMs: 0 })).not.toThrow();
  });
});
