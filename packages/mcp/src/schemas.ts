// Input and output schemas of the MCP tools (zod 4; the SDK turns them into JSON Schema for
// `tools/list` and validates structured results against the output schemas). Names are snake_case
// because they are what agents read and write.
import * as z from 'zod';
import { KEY_NAMES } from './keys';
import { MAX_OUTPUT_BYTES_LIMIT } from './output';
import { MAX_PATTERN_LENGTH } from './pattern';

/** Longest command `terminal_run` accepts, in characters. */
export const MAX_COMMAND_LENGTH = 64 * 1024;
/** Default `yield_ms` of `terminal_run`: 10 s. */
export const DEFAULT_YIELD_MS = 10_000;
/** Largest `yield_ms` (a held call must end before common MCP client timeouts of 60 s). */
export const MAX_YIELD_MS = 50_000;
/** Default `timeout_ms` of `terminal_wait`: 30 s. */
export const DEFAULT_WAIT_MS = 30_000;
/** Largest `timeout_ms` of `terminal_wait`: 10 minutes. */
export const MAX_WAIT_MS = 600_000;
/** Default quiet period of `terminal_wait { until: 'idle' }`: 1 s. */
export const DEFAULT_IDLE_MS = 1_000;

const terminalId = z
  .string()
  .min(1)
  .max(256)
  .describe('A terminal id from terminal_spawn, terminal_run or terminal_list');
const maxOutputBytes = z
  .number()
  .int()
  .min(256)
  .max(MAX_OUTPUT_BYTES_LIMIT)
  .optional()
  .describe('Cap on the output returned inline (head and tail are kept); default 16384');

/** `terminal_run` input. */
export const RunInput = z.object({
  command: z.string().min(1).max(MAX_COMMAND_LENGTH).describe('Shell command line to run'),
  terminal_id: terminalId.optional().describe('Terminal to run in; default: your own persistent shell'),
  cwd: z.string().min(1).max(4096).optional().describe('Directory to run in (cd before the command)'),
  timeout_ms: z
    .number()
    .int()
    .positive()
    .max(86_400_000)
    .optional()
    .describe('Hard time limit; default none'),
  yield_ms: z
    .number()
    .int()
    .min(0)
    .max(MAX_YIELD_MS)
    .optional()
    .describe(
      `Return status 'running' with a handle if the command is still running after this long; default ${DEFAULT_YIELD_MS}`,
    ),
  max_output_bytes: maxOutputBytes,
});

/** `terminal_run` / `terminal_wait` output. */
export const CommandReportSchema = z.object({
  terminal_id: z.string(),
  status: z.enum(['exited', 'running', 'awaiting_input', 'timed_out', 'idle']),
  command: z.string().optional(),
  exit_code: z.number().int().nullable().optional(),
  signal: z.string().nullable().optional(),
  output: z.string(),
  truncated: z.boolean(),
  output_offset: z.number().int().nonnegative(),
  next_offset: z.number().int().nonnegative(),
  cwd: z.string(),
  duration_ms: z.number().nonnegative(),
  cancelled: z.boolean().optional(),
  error: z.string().optional(),
  condition_met: z.boolean().optional(),
  shell_exited: z.boolean().optional(),
});

/** `terminal_wait` input. */
export const WaitInput = z.object({
  terminal_id: terminalId,
  until: z
    .enum(['exit', 'output', 'idle'])
    .describe('exit: the command ends; output: new output (matching pattern); idle: output goes quiet'),
  pattern: z
    .string()
    .min(1)
    .max(MAX_PATTERN_LENGTH)
    .optional()
    .describe('Regex to wait for in new output (until: output)'),
  timeout_ms: z
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_MS)
    .optional()
    .describe(`Longest wait; default ${DEFAULT_WAIT_MS}`),
  idle_ms: z
    .number()
    .int()
    .min(50)
    .max(MAX_WAIT_MS)
    .optional()
    .describe(`Quiet period for until: idle; default ${DEFAULT_IDLE_MS}`),
  max_output_bytes: maxOutputBytes,
});

/** `terminal_read` input. */
export const ReadInput = z.object({
  terminal_id: terminalId,
  from_offset: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Absolute byte offset; default the oldest retained'),
  max_bytes: z.number().int().min(1).max(MAX_OUTPUT_BYTES_LIMIT).optional().describe('Default 16384'),
  raw: z.boolean().optional().describe('Keep escape sequences; default false (plain text)'),
});

/** `terminal_read` output. */
export const ReadOutput = z.object({
  terminal_id: z.string(),
  data: z.string(),
  offset: z.number().int().nonnegative(),
  next_offset: z.number().int().nonnegative(),
  end_offset: z.number().int().nonnegative(),
  gap: z.object({ from: z.number().int(), to: z.number().int() }).optional(),
});

/** `terminal_write` input. */
export const WriteInput = z.object({
  terminal_id: terminalId,
  text: z
    .string()
    .max(64 * 1024)
    .optional()
    .describe('Text to type (use keys for Enter and control keys)'),
  keys: z
    .array(z.enum(KEY_NAMES))
    .max(256)
    .optional()
    .describe('Named keys sent after text, e.g. ["Enter"], ["Ctrl-C"]'),
});

/** `terminal_write` output. */
export const WriteOutput = z.object({ terminal_id: z.string(), bytes: z.number().int().nonnegative() });

/** Input of the tools that take only a terminal id. */
export const TerminalIdInput = z.object({ terminal_id: terminalId });

/** `terminal_snapshot` output. */
export const SnapshotOutput = z.object({
  terminal_id: z.string(),
  lines: z.array(z.string()),
  cursor: z.object({ x: z.number().int(), y: z.number().int() }),
  cols: z.number().int(),
  rows: z.number().int(),
  alt_screen: z.boolean(),
});

/** `terminal_spawn` input. */
export const SpawnInput = z.object({
  cwd: z.string().min(1).max(4096).optional(),
  name: z.string().min(1).max(200).optional(),
  cols: z.number().int().min(10).max(1000).optional(),
  rows: z.number().int().min(5).max(1000).optional(),
});

/** One terminal as tools describe it. */
export const TerminalSummary = z.object({
  terminal_id: z.string(),
  agent_id: z.string(),
  pid: z.number().int(),
  state: z.string(),
  cols: z.number().int(),
  rows: z.number().int(),
  created_at: z.string(),
  name: z.string().optional(),
  cwd: z.string().optional(),
  exit_code: z.number().int().nullable().optional(),
});

/** `terminal_list` output. */
export const ListOutput = z.object({ terminals: z.array(TerminalSummary) });

/** `terminal_kill` input. */
export const KillInput = z.object({
  terminal_id: terminalId,
  signal: z.enum(['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP']).optional(),
});

/** `terminal_kill` output. */
export const KillOutput = z.object({
  terminal_id: z.string(),
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable().optional(),
});
