// Audit entries: what is recorded per decision and per command end, and the hash chain that links
// each entry to the one before it.
import { createHash } from 'node:crypto';
import type { IsolationLevel } from '../policy/schema';
import { canonicalJson } from './canonical';

/** `prevHash` of the first entry of a log. */
export const GENESIS_HASH = '0'.repeat(64);

/** Fields every entry shares. */
interface AuditSubject {
  /** Correlates a command's decision with its end. */
  commandId: string;
  /** Who asked (from the auth token), if known. */
  principal?: string;
  agentId: string;
  terminalId: string;
  command: string;
  /**
   * `raw-input`: a line typed at the shell's prompt through `terminal.write` and judged like a
   * command; no `end` entry follows it (it runs as the shell runs it). `floor`: keystrokes of the
   * person holding the terminal's floor (an `input` entry). Absent for `execute`.
   */
  source?: 'raw-input' | 'floor';
}

/** An admission decision, written (and flushed) before the command runs. */
export interface AuditDecision extends AuditSubject {
  kind: 'decision';
  /** Program names the command policy found in the command. */
  programs: string[];
  cwd?: string;
  decision: 'allow' | 'deny';
  /** The rule (or plugin) that decided. */
  rule?: string;
  reason?: string;
  isolation: IsolationLevel;
}

/** How an admitted command ended. */
export interface AuditEnd extends AuditSubject {
  kind: 'end';
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** Bytes of captured output and their SHA-256 (hex). */
  outputBytes: number;
  outputSha256: string;
  /** Set when the command failed without a result. */
  error?: string;
}

/**
 * A call to an MCP tool (`@orchflow/mcp`), reads included, written once the call ended. It names
 * who called, the tool, the terminal and the outcome; never arguments' or results' bodies, so its
 * size is bounded.
 */
export interface AuditToolCall {
  kind: 'tool';
  /** The tool (`terminal_read`, `terminal_run`, …) or `resources/read`. */
  tool: string;
  /** The token's principal, `<kind>` or `<kind>:<name>`; absent on stdio. */
  principal?: string;
  /** The MCP client's `clientInfo.name`. */
  client: string;
  agentId: string;
  terminalId?: string;
  outcome: 'ok' | 'error';
  /** The first characters of the error a failed call returned. */
  error?: string;
  durationMs: number;
}

/**
 * Keystrokes (`terminal.write`) of the person holding the terminal's floor, written (and flushed)
 * before they reach the terminal. `command` holds the input as typed (UTF-8; invalid bytes as
 * U+FFFD), `principal` who typed it, `holder` the name they hold the floor under.
 */
export interface AuditInput extends AuditSubject {
  kind: 'input';
  holder: string;
  /** Bytes written. */
  bytes: number;
}

/** What a caller appends. */
export type AuditRecord = AuditDecision | AuditEnd | AuditToolCall | AuditInput;

/** An entry as stored: the record plus its place in the chain. */
export type AuditEntry = AuditRecord & {
  seq: number;
  /** ISO 8601. */
  timestamp: string;
  prevHash: string;
  /** SHA-256 (hex) over `prevHash` and the canonical JSON of every other field. */
  hash: string;
};

/** The hash an entry must carry: SHA-256 of `prevHash`, a newline, and its canonical JSON without `hash`. */
export function entryHash(entry: Omit<AuditEntry, 'hash'> & { hash?: unknown }): string {
  const { hash: _ignored, ...body } = entry;
  return createHash('sha256')
    .update(`${body.prevHash}\n${canonicalJson(body)}`)
    .digest('hex');
}

/** SHA-256 (hex) of `data`, for `outputSha256`. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
