// Output shaping for agents: terminal bytes become plain text (ANSI and OSC sequences removed,
// `\r\n` → `\n`), and long text keeps its head and tail with a marker naming the bytes left out,
// so an agent sees how a build started and how it ended and can page the middle by offset.
import { createRedactor, type Redactor } from '@orchflow/security';

/** Default cap on the output a tool returns inline: 16 KiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024;
/** Largest `max_output_bytes` / `max_bytes` a tool accepts: 1 MiB. */
export const MAX_OUTPUT_BYTES_LIMIT = 1024 * 1024;

// CSI (ESC [ … final), OSC (ESC ] … BEL or ST), other two-byte escapes, and lone C0 controls
// except \t and \n. Carriage returns are handled separately (\r\n → \n; a bare \r is dropped).
const ANSI_PATTERN =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

/** Terminal output as plain text: escape sequences and control bytes removed, `\n` line ends. */
export function plainText(raw: string): string {
  return raw.replace(/\r+\n/g, '\n').replace(ANSI_PATTERN, '');
}

let builtins: Redactor | undefined;

/**
 * The redaction of plain text where the terminal's own secrets are not known (an MCP server in
 * front of a running server): the built-in patterns only.
 */
export function builtinTextRedaction(_terminalId: string, text: string): string {
  builtins ??= createRedactor();
  return builtins.redact(text);
}

/** Text cut to at most about `maxBytes` UTF-8 bytes, keeping head and tail. */
export interface CappedText {
  text: string;
  /** True when bytes were left out of the middle. */
  truncated: boolean;
}

/** Keeps the first and last halves of `text` when it is longer than `maxBytes` UTF-8 bytes. */
export function capText(text: string, maxBytes: number, hint = ''): CappedText {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  const half = Math.max(1, Math.floor(maxBytes / 2));
  // Decoding a cut multi-byte character yields U+FFFD at the edge; harmless for a preview.
  const head = bytes.subarray(0, half).toString('utf8');
  const tail = bytes.subarray(bytes.length - half).toString('utf8');
  const omitted = bytes.length - 2 * half;
  return { text: `${head}\n…[${omitted} bytes omitted${hint}]…\n${tail}`, truncated: true };
}

/** The last `maxChars` characters of `text` (for progress messages). */
export function tailOf(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : text.slice(text.length - maxChars);
}
