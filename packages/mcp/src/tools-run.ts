// `terminal_run` and `terminal_wait`: run a command in a persistent shell and hold the call up to
// `yield_ms`, then hand back a `running` handle; wait on the server for exit, a pattern or quiet.
// While a call holds, progress notifications carry the output tail; cancelling a held
// `terminal_run` interrupts the command.
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { interruptCommand, startCommand, type WaitCondition, waitFor } from './commands';
import { DEFAULT_MAX_OUTPUT_BYTES } from './output';
import { compilePattern } from './pattern';
import { progressTicker } from './progress';
import { guarded, ok } from './results';
import {
  CommandReportSchema,
  DEFAULT_IDLE_MS,
  DEFAULT_WAIT_MS,
  DEFAULT_YIELD_MS,
  RunInput,
  WaitInput,
} from './schemas';
import { renderReport, reportOf } from './status';
import type { CommandRecord, TerminalRecord } from './terminal-record';
import { type ToolHost, traceMetaOf } from './tool-host';

function quote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

/** Holds until `command` ends, `yieldMs` passes or `ctx` is cancelled; sends progress meanwhile. */
async function hold(
  record: TerminalRecord,
  command: CommandRecord,
  yieldMs: number,
  ctx: ServerContext,
): Promise<void> {
  const tick = progressTicker(record, () => command.startOffset, yieldMs, ctx);
  await waitFor(record, { until: 'exit', orAwaitingInput: true }, yieldMs, ctx.mcpReq.signal, tick);
  if (ctx.mcpReq.signal.aborted && command.endOffset === undefined) {
    await interruptCommand(command);
  }
}

/** Registers `terminal_run`. */
export function registerRun(server: McpServer, host: ToolHost): void {
  server.registerTool(
    'terminal_run',
    {
      title: 'Run a command',
      description:
        "Runs a shell command in a persistent terminal (cwd, env and functions persist) and returns its exit code and output. If it is still running after yield_ms, returns status 'running' with the terminal_id as a handle: call terminal_wait (no polling needed).",
      inputSchema: RunInput,
      outputSchema: CommandReportSchema,
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    (args, ctx) =>
      guarded(async () => {
        const session = await host.session(ctx);
        // Claimed until its command starts (see TerminalRecord.claimed): the cd runs meanwhile.
        const { record, fresh } =
          args.terminal_id === undefined
            ? await session.defaultRecord(args.cwd)
            : { record: claim(await session.record(args.terminal_id)), fresh: false };
        const maxOutputBytes = args.max_output_bytes ?? DEFAULT_MAX_OUTPUT_BYTES;
        let command: CommandRecord;
        try {
          if (!fresh && args.cwd !== undefined) await cd(record, args.cwd);
          command = await startCommand(record, args.command, {
            timeoutMs: args.timeout_ms,
            maxOutputBytes,
            meta: traceMetaOf(ctx),
          });
        } finally {
          record.claimed = false;
        }
        await hold(record, command, args.yield_ms ?? DEFAULT_YIELD_MS, ctx);
        if (command.error !== undefined && !command.cancelled) throw command.error;
        const report = await reportOf(record, maxOutputBytes, { awaitingInput: record.awaitingInput });
        return ok(report, renderReport(report));
      }),
  );
}

/**
 * Claims `record` for a run (see {@link TerminalRecord.claimed}); throws, saying how to get past
 * it, when a command started here still runs in it or another run is starting one. Checked before
 * the cd: a cd typed into a busy terminal would wait behind its command.
 */
function claim(record: TerminalRecord): TerminalRecord {
  if (record.claimed) {
    throw new Error(
      `terminal ${record.id} is starting another terminal_run's command: call terminal_wait, or run in another terminal`,
    );
  }
  if (record.busy) {
    throw new Error(
      `terminal ${record.id} is still running '${record.current?.command}': call terminal_wait, or terminal_write keys ["Ctrl-C"] to interrupt it`,
    );
  }
  record.claimed = true;
  return record;
}

async function cd(record: TerminalRecord, cwd: string): Promise<void> {
  const result = await record.terminal.execute(`cd -- ${quote(cwd)}`, { timeoutMs: 10_000 });
  if (result.exitCode !== 0) throw new Error(`cannot cd to ${cwd}: ${result.stdout.trim()}`);
  record.cwd = result.cwd;
}

/** Registers `terminal_wait`. */
export function registerWait(server: McpServer, host: ToolHost): void {
  server.registerTool(
    'terminal_wait',
    {
      title: 'Wait for a terminal',
      description:
        "Waits on the server until the terminal's command exits (until: exit), new output matching pattern appears (until: output), or output stays quiet for idle_ms (until: idle), at most timeout_ms. Returns the command's status like terminal_run; condition_met is false when the time ran out, or (until: output) the command or the terminal ended first.",
      inputSchema: WaitInput,
      outputSchema: CommandReportSchema,
      annotations: { readOnlyHint: true },
    },
    (args, ctx) =>
      guarded(async () => {
        const session = await host.session(ctx);
        const record = await session.record(args.terminal_id);
        let condition: WaitCondition;
        if (args.until === 'output') {
          condition = {
            until: 'output',
            pattern: args.pattern === undefined ? undefined : compilePattern(args.pattern),
            fromOffset: record.cursor,
            during: record.busy ? record.current : undefined,
          };
        } else if (args.until === 'idle') {
          condition = { until: 'idle', idleMs: args.idle_ms ?? DEFAULT_IDLE_MS };
        } else {
          // Input written just before this wait may not be reflected in the last notification.
          await record.refreshActivity();
          condition = { until: 'exit', orAwaitingInput: true };
        }
        const timeoutMs = args.timeout_ms ?? DEFAULT_WAIT_MS;
        const shownFrom = () => record.current?.startOffset ?? record.cursor;
        const tick = progressTicker(record, shownFrom, timeoutMs, ctx);
        const met = await waitFor(record, condition, timeoutMs, ctx.mcpReq.signal, tick);
        const report = await reportOf(record, args.max_output_bytes ?? DEFAULT_MAX_OUTPUT_BYTES, {
          conditionMet: met,
          ...(condition.until === 'output' ? { outputFrom: condition.fromOffset } : {}),
          // A wait until exit also ends when the command asks for input: say so, as terminal_run does.
          awaitingInput: args.until === 'exit' && !met && record.awaitingInput,
        });
        return ok(report, renderReport(report));
      }),
  );
}
