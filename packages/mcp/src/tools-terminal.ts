// The terminal tools besides run/wait: read scrollback by offset, type text and keys, the
// rendered screen, spawn, list and kill. Writing is raw input: the orchestrator's policy decides
// whether this client may send it (the `write` capability), not this server.
import type { McpServer } from '@modelcontextprotocol/server';
import { ErrorCode, isOrchflowError, OrchflowError, type TerminalInfo } from '@orchflow/protocol';
import type * as z from 'zod';
import { interruptCommand } from './commands';
import { inputBytes, KEY_BYTES } from './keys';
import { DEFAULT_MAX_OUTPUT_BYTES } from './output';
import { guarded, ok } from './results';
import {
  KillInput,
  KillOutput,
  ListOutput,
  ReadInput,
  ReadOutput,
  SnapshotOutput,
  SpawnInput,
  TerminalIdInput,
  TerminalSummary,
  WriteInput,
  WriteOutput,
} from './schemas';
import type { ToolHost } from './tool-host';

const CTRL_C = KEY_BYTES['Ctrl-C'];

function summary(info: TerminalInfo): z.infer<typeof TerminalSummary> {
  return {
    terminal_id: info.id,
    agent_id: info.agentId,
    pid: info.pid,
    state: info.state,
    cols: info.cols,
    rows: info.rows,
    created_at: info.createdAt,
    ...(info.name === undefined ? {} : { name: info.name }),
    ...(info.cwd === undefined ? {} : { cwd: info.cwd }),
    ...(info.exitCode === undefined ? {} : { exit_code: info.exitCode }),
  };
}

/** Registers `terminal_read`. */
export function registerRead(server: McpServer, host: ToolHost): void {
  server.registerTool(
    'terminal_read',
    {
      title: 'Read terminal output',
      description:
        'Reads retained terminal output by absolute byte offset (pages through long output; offsets come from terminal_run/terminal_wait). Plain text unless raw is true.',
      inputSchema: ReadInput,
      outputSchema: ReadOutput,
      annotations: { readOnlyHint: true },
    },
    (args, ctx) =>
      guarded(async () => {
        const record = await (await host.session(ctx)).record(args.terminal_id);
        const page = await record.terminal.read({
          fromOffset: args.from_offset,
          maxBytes: args.max_bytes ?? DEFAULT_MAX_OUTPUT_BYTES,
        });
        record.cursor = Math.max(record.cursor, page.nextOffset);
        const result = {
          terminal_id: record.id,
          data: args.raw ? page.data : record.plain(page.data),
          offset: page.offset,
          next_offset: page.nextOffset,
          end_offset: page.endOffset,
          ...(page.gap ? { gap: page.gap } : {}),
        };
        const more = page.nextOffset < page.endOffset ? `\n(more: from_offset ${page.nextOffset})` : '';
        const gone = page.gap
          ? `(bytes ${page.gap.from}..${page.gap.to} are no longer retained: the terminal keeps its newest output; this page starts at ${page.offset})\n`
          : '';
        return ok(result, `${gone}${result.data}${more}`);
      }),
  );
}

/**
 * The tool error for input the policy refuses. The server's message points at its own API
 * (`execute()`); this one says what an MCP agent can do instead.
 */
function inputRefused(): OrchflowError {
  return new OrchflowError(
    ErrorCode.Forbidden,
    "Raw input is not allowed by this server's security policy (keystrokes would bypass its command rules). keys [\"Ctrl-C\"] alone still interrupts a command terminal_run started. Run commands that do not prompt instead (a flag such as -y, or the answer piped in: printf 'yes\\n' | command), or ask for a policy with capabilities.canWriteRawInput: true.",
  );
}

/** Registers `terminal_write`. */
export function registerWrite(server: McpServer, host: ToolHost): void {
  server.registerTool(
    'terminal_write',
    {
      title: 'Type into a terminal',
      description:
        'Sends text and then named keys (Enter, Tab, Escape, Up, Down, Ctrl-C, …) to a terminal, e.g. to answer a prompt or drive a TUI. Raw input may be refused by the security policy; keys ["Ctrl-C"] alone then still interrupts a command terminal_run started.',
      inputSchema: WriteInput,
      outputSchema: WriteOutput,
      annotations: { destructiveHint: true },
    },
    (args, ctx) =>
      guarded(async () => {
        const data = inputBytes(args.text, args.keys);
        if (data.length === 0) throw new Error('Nothing to write: give text and/or keys');
        const record = await (await host.session(ctx)).record(args.terminal_id);
        const inputBefore = record.lastInputAt;
        record.lastInputAt = Date.now();
        try {
          await record.terminal.write(data);
        } catch (error) {
          // A policy without raw input (the `standard` one) refuses every keystroke, Ctrl-C too;
          // a command started here is still the caller's to stop: cancelled, it gets SIGINT.
          const command = record.current;
          const refused = isOrchflowError(error) && error.code === ErrorCode.Forbidden;
          if (!refused || data !== CTRL_C || !record.busy || command === undefined) {
            // Nothing reached the program: a read it blocks in is still waiting for input.
            if (refused) record.lastInputAt = inputBefore;
            // The policy's refusal of raw input (not a viewer's, also Forbidden) names execute().
            throw refused && /^Raw input is not allowed/.test((error as Error).message)
              ? inputRefused()
              : error;
          }
          await interruptCommand(command);
          return ok(
            { terminal_id: record.id, bytes: 0 },
            `interrupted '${command.command}' in ${record.id} (this policy refuses raw input, so the command was cancelled: SIGINT)`,
          );
        }
        const bytes = Buffer.byteLength(data);
        return ok({ terminal_id: record.id, bytes }, `wrote ${bytes} bytes to ${record.id}`);
      }),
  );
}

/** Registers `terminal_snapshot`. */
export function registerSnapshot(server: McpServer, host: ToolHost): void {
  server.registerTool(
    'terminal_snapshot',
    {
      title: 'Screen of a terminal',
      description:
        'The rendered screen of a terminal (what a person would see), e.g. of a TUI like vim, top or a pager.',
      inputSchema: TerminalIdInput,
      outputSchema: SnapshotOutput,
      annotations: { readOnlyHint: true },
    },
    (args, ctx) =>
      guarded(async () => {
        const record = await (await host.session(ctx)).record(args.terminal_id);
        const snap = await record.terminal.snapshot();
        const result = {
          terminal_id: record.id,
          lines: snap.lines,
          cursor: snap.cursor,
          cols: snap.cols,
          rows: snap.rows,
          alt_screen: snap.altScreen,
        };
        return ok(result, snap.lines.join('\n').replace(/\s+$/, ''));
      }),
  );
}

/** Registers `terminal_spawn`. */
export function registerSpawn(server: McpServer, host: ToolHost): void {
  server.registerTool(
    'terminal_spawn',
    {
      title: 'Open a terminal',
      description:
        'Opens a new terminal (a persistent bash shell in a PTY) for you; use its terminal_id with the other tools.',
      inputSchema: SpawnInput,
      outputSchema: TerminalSummary,
    },
    (args, ctx) =>
      guarded(async () => {
        const record = await (await host.session(ctx)).spawn(args);
        const info = summary(record.terminal.info());
        return ok(info, `terminal ${info.terminal_id} (pid ${info.pid})`);
      }),
  );
}

/** Registers `terminal_list`. */
export function registerList(server: McpServer, host: ToolHost): void {
  server.registerTool(
    'terminal_list',
    {
      title: 'List terminals',
      description: 'Lists the terminals you can use.',
      outputSchema: ListOutput,
      annotations: { readOnlyHint: true },
    },
    (ctx) =>
      guarded(async () => {
        const terminals = (await (await host.session(ctx)).client.listTerminals()).map(summary);
        const text = terminals.length
          ? terminals
              .map((t) => `${t.terminal_id} ${t.state} pid ${t.pid}${t.cwd ? ` ${t.cwd}` : ''}`)
              .join('\n')
          : 'no terminals';
        return ok({ terminals }, text);
      }),
  );
}

/** Registers `terminal_kill`. */
export function registerKill(server: McpServer, host: ToolHost): void {
  server.registerTool(
    'terminal_kill',
    {
      title: 'Kill a terminal',
      description: 'Kills a terminal and every process in it.',
      inputSchema: KillInput,
      outputSchema: KillOutput,
      annotations: { destructiveHint: true },
    },
    (args, ctx) =>
      guarded(async () => {
        const session = await host.session(ctx);
        const record = await session.record(args.terminal_id);
        const exit = await record.terminal.kill(args.signal);
        session.forget(record.id);
        const result = { terminal_id: record.id, exit_code: exit.exitCode, signal: exit.signal };
        return ok(result, `killed ${record.id} (exit ${exit.exitCode ?? exit.signal})`);
      }),
  );
}
