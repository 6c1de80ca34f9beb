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

// Line edits kept through the stripping, as the cursor moves they are: CHA (`ESC[nG`, column n),
// CUB/CUF (`ESC[nD`/`ESC[nC`, n columns back/forward) and EL (`ESC[K`, `ESC[1K`, `ESC[2K`: erase
// to the end, to the start, the whole line). Spinners (npm, ora) redraw with `ESC[1G ESC[0K`
// instead of `\r`; stripped blindly, every frame would stay in the text. They travel as
// noncharacters U+FDD0…U+FDD1, which valid text never holds.
const LINE_EDIT = /\x1b\[(\d{0,9})([GDCK])/g;
const EDIT_OPEN = '\ufdd0';
const EDIT_CLOSE = '\ufdd1';
const ENCODED_EDIT = /\ufdd0(\d{0,9})([GDCK])\ufdd1/g;
// Longest line rebuilt cell by cell; a cursor move past it (ESC[9999C) is clamped, not allocated.
const MAX_COLUMN = 10_000;

/** Text and line edits of one line, applied the way a screen would: what is left visible. */
function renderLine(line: string): string {
  const cells: string[] = [];
  let col = 0;
  const put = (text: string): void => {
    for (const ch of text) {
      if (ch === '\r') col = 0;
      else if (ch === '\b') col = Math.max(0, col - 1);
      else if (col < MAX_COLUMN) cells[col++] = ch;
    }
  };
  let last = 0;
  for (const match of line.matchAll(ENCODED_EDIT)) {
    put(line.slice(last, match.index));
    last = match.index + match[0].length;
    const n = match[1] === '' ? undefined : Number(match[1]);
    switch (match[2]) {
      case 'G':
        col = Math.min(MAX_COLUMN, Math.max(0, (n || 1) - 1));
        break;
      case 'D':
        col = Math.max(0, col - (n || 1));
        break;
      case 'C':
        col = Math.min(MAX_COLUMN, col + (n || 1));
        break;
      default:
        // EL: 0 (default) to the end, 1 to the start (inclusive), 2 the whole line.
        if (n === 2) cells.length = 0;
        else if (n === 1) cells.fill(' ', 0, Math.min(col + 1, cells.length));
        else cells.length = Math.min(cells.length, col);
    }
  }
  put(line.slice(last));
  // Cells skipped by a cursor move show as blanks; trailing ones were never written.
  return Array.from(cells, (cell) => cell ?? ' ').join('');
}

/**
 * Plain text of terminal output: escapes stripped, `\r\n` (and `\r\r\n`, from programs that
 * write CRLF themselves) → `\n`, then lone `\r`, `\b` and the cursor's line edits (column moves,
 * erase in line) applied within their line, so a spinner or progress bar leaves its final frame.
 * Moves between lines (cursor up) are not replayed: multi-line redraws keep every frame.
 */
export function cleanTerminalOutput(raw: string): string {
  // Noncharacters carry no text; dropping any real ones keeps them from posing as line edits.
  const own = raw.includes(EDIT_OPEN) || raw.includes(EDIT_CLOSE) ? raw.replace(/[\ufdd0\ufdd1]/g, '') : raw;
  const kept = own.includes('\x1b[')
    ? own.replace(LINE_EDIT, (_match, n: string, op: string) => `${EDIT_OPEN}${n}${op}${EDIT_CLOSE}`)
    : own;
  const text = stripAnsi(kept).replace(/\r+\n/g, '\n');
  if (!/[\r\b\ufdd0]/.test(text)) return text;
  return text
    .split('\n')
    .map((line) => (/[\r\b\ufdd0]/.test(line) ? renderLine(line) : line))
    .join('\n');
}
