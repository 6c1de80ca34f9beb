// Turns raw terminal output into plain text for ExecResult.stdout: escape sequences removed,
// line ends normalised, and carriage returns / backspaces applied the way a screen would show
// them — a progress bar that redraws `\r 10%` … `\r100%` leaves only its final state.

// CSI (ESC [ … final), OSC (ESC ] … BEL or ST), DCS/SOS/PM/APC (ESC P|X|^|_ … ST), other
// two- or three-byte escapes (ESC (B, ESC =, …), and 8-bit CSI. A string sequence that is never
// terminated ends where a terminal would abandon it — at CAN/SUB (consumed), for OSC at any other
// C0 control, for DCS/SOS/PM/APC at a line end (both kept) — so a stray `ESC ]0;title` cannot eat the output
// after it.
const ESCAPES =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x00-\x1f]*(?:\x07|\x1b\\|[\x18\x1a])?|\x1b[PX^_][^\x1b\x18\x1a\n\r]*(?:\x1b\\|[\x18\x1a])?|\x1b[ -/]*[0-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b/g;
// C0 controls other than \b, \t, \n, \r (handled below) and DEL carry no text.
const CONTROLS = /[\x00-\x07\x0b\x0c\x0e-\x1f\x7f]/g;

/** Removes ANSI/VT escape sequences and non-text control characters. */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROLS, '');
}

/** Applies `\r` (back to column 0, later text overwrites) and `\b` (one column back) to one line. */
function overstrike(line: string): string {
  const cells: string[] = [];
  let col = 0;
  for (const ch of line) {
    if (ch === '\r') col = 0;
    else if (ch === '\b') col = Math.max(0, col - 1);
    else cells[col++] = ch;
  }
  return cells.join('');
}

/**
 * Plain text of terminal output: escapes stripped, `\r\n` (and `\r\r\n`, from programs that
 * write CRLF themselves) → `\n`, then lone `\r` and `\b` overstrike within their line.
 */
export function cleanTerminalOutput(raw: string): string {
  const text = stripAnsi(raw).replace(/\r+\n/g, '\n');
  if (!/[\r\b]/.test(text)) return text;
  return text
    .split('\n')
    .map((line) => (/[\r\b]/.test(line) ? overstrike(line) : line))
    .join('\n');
}
