// Domain schemas shared by every method: terminal configuration and state, execution results,
// screen snapshots, scrollback reads. Results are not strict: newer peers may add fields. The option
// objects a caller sends to act on a terminal (TerminalConfig, ExecuteOptions) are: an unknown key
// there is refused as InvalidParams naming it (strict.ts), in process and on the wire alike.
import { z } from 'zod';
import { ErrorCode } from '../errors';
import { schemaError } from '../rpc/wire';
import { CommandTextSchema, ProtocolLimits, TimeoutMsSchema } from './common';
import { FloorHolderSchema } from './floor';
import { strictParams } from './strict';

/**
 * How a terminal runs commands: a PTY with a persistent shell, plain pipes (`scripted`), or a PTY
 * shell inside a bubblewrap sandbox or stronger (`sandboxed`; refused where none can run).
 */
export const ExecutionModeSchema = z.enum(['interactive', 'scripted', 'sandboxed']);
/** How a terminal runs commands. */
export type ExecutionMode = z.infer<typeof ExecutionModeSchema>;

/** Lifecycle state of a terminal. */
export const TerminalStateSchema = z.enum(['starting', 'running', 'paused', 'exited']);
/** Lifecycle state of a terminal. */
export type TerminalState = z.infer<typeof TerminalStateSchema>;

const EnvSchema = z.record(z.string(), z.string());

/** Where a cluster may place a terminal (see `TerminalConfig.placement`). */
export const PlacementSchema = z
  .object({
    /** Labels the node must carry, e.g. `{ gpu: 'a100', region: 'eu' }`. */
    labels: z
      .record(z.string().min(1).max(64), z.string().max(256))
      .refine((r) => Object.keys(r).length <= 32, 'at most 32 placement labels')
      .optional(),
    /** The id of the one node to use (1-48 letters, digits or `-`). */
    node: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,48}$/, 'a node id is 1-48 letters, digits or -')
      .optional(),
  })
  .strict();
/** Where a cluster may place a terminal. */
export type Placement = z.infer<typeof PlacementSchema>;

/** Options for spawning a terminal; every field has an agent-friendly default. */
export const TerminalConfigSchema = strictParams({
  /** Shell program (`bash`, `zsh`, `sh`, or a path). Default: `bash`. */
  shell: z.string().min(1).optional(),
  /** Extra arguments for the shell. */
  args: z.array(z.string()).optional(),
  /**
   * Working directory. Default: the server process's own cwd (reported back in `TerminalInfo.cwd`;
   * an error about it does not name it). A relative one resolves against that directory.
   */
  cwd: z.string().min(1).optional(),
  /** Environment overrides, merged over the defaults (PAGER=cat, TERM=xterm-256color, …). */
  env: EnvSchema.optional(),
  /** Columns. Default 80. */
  cols: z.number().int().min(1).max(1000).optional(),
  /** Rows. Default 24. */
  rows: z.number().int().min(1).max(1000).optional(),
  /** A human-readable name. */
  name: z.string().max(200).optional(),
  /** Execution mode. Default: `interactive` (PTY). `scripted` uses pipes; `sandboxed` runs under bubblewrap. */
  mode: ExecutionModeSchema.optional(),
  /**
   * bash's line editor (readline) at its prompt: cursor keys, Tab completion and redrawing for a
   * person typing there. Default `false`: lines, whether orchflow types them for `execute` or a
   * person does, are read whole by the terminal's line discipline, where Backspace, Ctrl-U, Ctrl-W
   * and Ctrl-C still work; readline reads a typed line one character at a time, which made every
   * `execute` about 0.4 ms slower. zsh keeps zle either way; POSIX sh has no line editor.
   */
  lineEditing: z.boolean().optional(),
  /** Bytes of output retained for `read()`. Default 1 MiB. */
  scrollbackBytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .optional(),
  /**
   * Record this terminal as an asciicast file (when the orchestrator has a recorder): `true`, or
   * `{ input: true }` to record keystrokes too (they can hold secrets); `false` opts out of a
   * recorder's `all`. A policy with `recording: 'none'` refuses it.
   */
  recording: z.union([z.boolean(), z.object({ input: z.boolean().optional() }).strict()]).optional(),
  /**
   * Variables whose values are secrets: merged into the shell's environment (over `env`) and
   * redacted as `[REDACTED:<NAME>]` from everything the terminal shows (output, ExecResult,
   * history, audit log). Names are shell variable names; values 4-4096 characters without NUL.
   */
  secretEnv: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a secretEnv name must be a shell variable name (≤ 64)'),
      z
        .string()
        .min(4, 'a secretEnv value must have at least 4 characters')
        .max(4096)
        .refine((v) => !v.includes('\0'), 'a secretEnv value cannot contain NUL'),
    )
    .refine((r) => Object.keys(r).length <= 100, 'at most 100 secretEnv variables')
    .optional(),
  /**
   * Where a cluster (`orchflow node`s behind a router or gateway) places the terminal: on a live
   * node carrying every one of `labels` (exact values) and, with `node`, on that node only. Among
   * the matching nodes with room the least loaded is chosen. A single server ignores it: it has
   * nowhere else to place the terminal.
   */
  placement: PlacementSchema.optional(),
});
/** Options for spawning a terminal. */
export type TerminalConfig = z.infer<typeof TerminalConfigSchema>;

/** What a caller sees of a terminal. */
export const TerminalInfoSchema = z.object({
  id: z.string(),
  agentId: z.string(),
  pid: z.number().int(),
  mode: ExecutionModeSchema,
  backend: z.string(),
  state: TerminalStateSchema,
  cols: z.number().int(),
  rows: z.number().int(),
  /** ISO 8601 timestamp. */
  createdAt: z.string(),
  /** Set once the terminal has exited. */
  exitCode: z.number().int().nullable().optional(),
  name: z.string().optional(),
  shell: z.string().optional(),
  cwd: z.string().optional(),
  /** Who holds the terminal's floor (`terminal.floor.take`); absent while nobody does. */
  floor: FloorHolderSchema.optional(),
  /** False when the terminal cannot be paused without losing output (tmux panes): `pauseAll` skips it. */
  pausable: z.boolean().optional(),
  /**
   * Why the terminal counts as exited when its process was not seen to exit: `'node-lost'` when
   * the cluster node running it is gone (its state is then `exited`, `exitCode` null; it is listed
   * so until the node comes back). Absent otherwise.
   */
  exitReason: z.string().max(64).optional(),
});
/** What a caller sees of a terminal. */
export type TerminalInfo = z.infer<typeof TerminalInfoSchema>;

/** Options for one `execute` (in process and over the wire alike: `terminal.execute` extends it). */
export const ExecuteOptionsSchema = strictParams({
  /**
   * Hard limit for the command's own run, in ms (at most a day). It counts from when the command
   * leaves its terminal's queue: time spent waiting behind earlier commands on the same terminal
   * is not part of it. To bound the wait as well, cancel the call (an `AbortSignal` in process,
   * `$/cancelRequest` on the wire): a command cancelled while still queued never runs.
   */
  timeoutMs: TimeoutMsSchema.optional(),
  /** Limit on time without any output, in ms (at most a day). */
  idleTimeoutMs: TimeoutMsSchema.optional(),
  /** Output kept in the result; beyond it head and tail are kept and `truncated` is set. */
  maxOutputBytes: z.number().int().positive().max(ProtocolLimits.maxOutputBytes).optional(),
});
/** Options for one `execute`. */
export type ExecuteOptions = z.infer<typeof ExecuteOptionsSchema>;

/**
 * Checks a command line and its options as `terminal.execute` checks them on the wire, so an
 * in-process `execute` refuses what a remote one refuses, with the same message: InvalidParams
 * naming the first bad field (`Invalid execute options at options.timeoutMs: Too big…`, `… at
 * command: Too small…` for an empty command). Returns the parsed options.
 */
export function parseExecuteRequest(command: unknown, options: unknown): ExecuteOptions {
  const text = CommandTextSchema.safeParse(command);
  if (!text.success) throw schemaError(ErrorCode.InvalidParams, 'Invalid execute', text.error, 'command');
  const parsed = ExecuteOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw schemaError(ErrorCode.InvalidParams, 'Invalid execute options', parsed.error, 'options');
  }
  return parsed.data;
}

/** The outcome of one command. */
export const ExecResultSchema = z.object({
  /** The command's output: prompt, echo and ANSI removed, `\n` line ends (interactive mode). */
  stdout: z.string(),
  /** Separate stderr in scripted mode; empty in interactive mode (a PTY merges the streams). */
  stderr: z.string(),
  /**
   * Exit status as a shell's `$?` has it: 128 + N when signal N ended the command (130 after a
   * timeout's SIGINT, 137 after its SIGKILL; `signal` names it). Null when there is none: the
   * shell itself went away (`shellExited`), stopped reporting (`integrationLost`), or never ran
   * the command.
   */
  exitCode: z.number().int().nullable(),
  /**
   * Signal name (e.g. `SIGINT`) when the command was ended by one, else null. Interactive mode
   * knows only the shell's `$?`: it names the signal of its own interrupt (a timeout or cancel),
   * or the shell's when the shell went away; scripted mode names any.
   */
  signal: z.string().nullable(),
  durationMs: z.number().nonnegative(),
  /** True when `timeoutMs` or `idleTimeoutMs` ended the command. */
  timedOut: z.boolean(),
  /**
   * True when the command was stopped (timeout, idle timeout or cancel) while it was blocked
   * waiting for input — reading the terminal, or in scripted mode its stdin pipe: it was asking
   * for something nobody typed. Absent otherwise.
   */
  awaitingInput: z.boolean().optional(),
  /** True when output exceeded `maxOutputBytes` and the middle was dropped. */
  truncated: z.boolean(),
  /** The shell's working directory after the command. */
  cwd: z.string(),
  /** Scrollback offset where the command's output starts (for reading the untruncated text). */
  outputOffset: z.number().int().nonnegative().optional(),
  /** True when the command ended the shell itself (`exit`, `exec`). */
  shellExited: z.boolean().optional(),
  /**
   * True when the shell stopped reporting command boundaries (a command removed its prompt
   * hooks, or replaced the shell with `exec bash`): the command ended at the next prompt (or its
   * timeout) without an exit code, so `exitCode` is null. Hooks are restored before the next
   * command where the shell still runs ours; a replaced shell can only be killed.
   */
  integrationLost: z.boolean().optional(),
});
/** The outcome of one command. */
export type ExecResult = z.infer<typeof ExecResultSchema>;

/** The visible screen of a terminal. */
export const SnapshotSchema = z.object({
  lines: z.array(z.string()),
  cursor: z.object({ x: z.number().int(), y: z.number().int() }),
  cols: z.number().int(),
  rows: z.number().int(),
  /** True while a full-screen program (vim, top, less) has the alternate screen active. */
  altScreen: z.boolean(),
});
/** The visible screen of a terminal. */
export type Snapshot = z.infer<typeof SnapshotSchema>;

/** A page of scrollback. Offsets are absolute byte offsets since the terminal started. */
export const ReadResultSchema = z.object({
  /** The bytes read, decoded as UTF-8. */
  data: z.string(),
  /** Offset of the first byte of `data`. */
  offset: z.number().int().nonnegative(),
  /** Offset to pass as `fromOffset` to continue. */
  nextOffset: z.number().int().nonnegative(),
  /** Offset one past the newest byte written so far. */
  endOffset: z.number().int().nonnegative(),
  /** Present when bytes before `offset` that were asked for have rotated out of the ring. */
  gap: z.object({ from: z.number().int().nonnegative(), to: z.number().int().nonnegative() }).optional(),
});
/** A page of scrollback. */
export type ReadResult = z.infer<typeof ReadResultSchema>;

/** One piece of streamed output. */
export const OutputChunkSchema = z.object({
  /** UTF-8 text; chunk boundaries never split a character. */
  data: z.string(),
  /** Absolute byte offset of the chunk's first byte. */
  offset: z.number().int().nonnegative(),
});
/** One piece of streamed output. */
export type OutputChunk = z.infer<typeof OutputChunkSchema>;

/** How a terminal ended. */
export const ExitInfoSchema = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  /**
   * Set when the exit was not observed but concluded (`exitCode` and `signal` are then null):
   * `'node-lost'` when the cluster node running the terminal is gone, `'spawner-lost'` when the
   * helper that forked the terminal's process died before it (its status died with the helper).
   * Absent for a real exit.
   */
  reason: z.string().max(64).optional(),
});
/** How a terminal ended. */
export type ExitInfo = z.infer<typeof ExitInfoSchema>;

/** Resource use of a terminal's process tree. */
export const ProcessMetricsSchema = z.object({
  /** CPU use of the tree since the previous sample, in percent of one core. */
  cpuPercent: z.number().nonnegative(),
  /** Resident memory of the whole tree, in bytes. */
  rssBytes: z.number().int().nonnegative(),
  /** Number of live processes: the tree, plus (containment `cgroup`) every process in the terminal's cgroup. */
  processCount: z.number().int().nonnegative(),
  /**
   * How the terminal's processes are held: `cgroup` (its own cgroup, which also counts processes
   * that left its session) or `process-tree` (its session and descendants only).
   */
  containment: z.enum(['cgroup', 'process-tree']).optional(),
});
/** Resource use of a terminal's process tree. */
export type ProcessMetrics = z.infer<typeof ProcessMetricsSchema>;

/** Who is calling: an admin, an agent limited to some agent ids, or a read-only viewer. */
export const PrincipalSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('admin'), name: z.string().optional() }),
  z.object({
    kind: z.literal('agent'),
    name: z.string().optional(),
    /** Agent ids this principal may act as. */
    agentIds: z.array(z.string()).optional(),
    /** Or any agent id starting with this prefix. */
    agentIdPrefix: z.string().optional(),
  }),
  /** Sees every terminal, its output, history and every security alert; controls nothing. */
  z.object({ kind: z.literal('viewer'), name: z.string().optional() }),
]);
/** Who is calling. */
export type Principal = z.infer<typeof PrincipalSchema>;

/** How strongly a terminal is isolated: not at all, resource limits, bubblewrap, or a container. */
export const IsolationLevelSchema = z.enum(['none', 'process', 'sandbox', 'container']);
/** How strongly a terminal is isolated from the host. */
export type IsolationLevel = z.infer<typeof IsolationLevelSchema>;
