// What a person watching a terminal sees of a command orchflow types for execute(): the command
// as written, not the line that carries it (`__orchflow_arm <token> 2>/dev/null; eval $'…'`, see
// encode.ts). The shell echoes that line — readline and zle draw it, sh's tty echoes it — so from
// the moment the line is typed until its start marker, the PTY's bytes are held back. At the
// start marker the echo is cut out of them and the command's text takes its place; what came
// before the echo (the prompt) and after it (PS0, a background job's output) is kept. The
// scrollback, streams and snapshots only ever see these display bytes, so offsets stay consistent.
//
// Whenever the held bytes are not what was expected — no start marker within ECHO_HOLD_MS, more
// bytes than an echo can be, another marker first, the shell's exit, input typed by hand, the echo
// not found — they go out verbatim: the machinery shows, nothing is lost.

/**
 * Longest time a typed line's echo is held back waiting for its start marker, in ms. The marker
 * follows the echo within a millisecond normally; 2 s leaves room for a loaded machine's
 * scheduling delays, and a shell without hooks (no marker ever) shows its output this late once.
 */
export const ECHO_HOLD_MS = 2000;

const CRLF = Buffer.from('\r\n');
const BACKSPACE = 0x08;
const NEWLINE = 0x0a;
// DEC private mode switches (`ESC[?2004l`: zsh ends bracketed paste as it accepts the line): a
// viewer's terminal must follow them, so they survive the cut.
const MODE_SWITCH = /\x1b\[\?[0-9;]*[hl]/g;
// C0 controls except TAB and LF, DEL, and the C1 controls U+0080–U+009F: shown, never executed,
// so a command cannot send escape sequences to viewers' screens through its echo. TAB only moves
// the cursor and is kept (pasted scripts indent with it).
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * `command` as a person's terminal would show it pasted at a prompt: lines end in CRLF, control
 * characters in caret notation (`^[`, `^?`; C1 as `M-^[` like `cat -v`).
 */
export function displayCommand(command: string): Buffer {
  const shown = command.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    if (code === 0x7f) return '^?';
    if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
    return `M-^${String.fromCharCode(code - 0x40)}`;
  });
  return Buffer.from(shown.replaceAll('\n', '\r\n'), 'utf8');
}

/** A span [start, end) of held bytes. */
export interface Span {
  start: number;
  end: number;
}

/**
 * Where the echoes of `line` are in `held` (`anchor`: its start, up to the token only it holds),
 * each ending just after its last line end; undefined when one is incomplete or there is none.
 * There are two when the line was typed before the line editor switched the tty to raw mode: the
 * tty echoed it, then readline or zle drew it again after the prompt.
 */
export function findEchoes(held: Buffer, line: string, anchor: string): Span[] | undefined {
  const echoes: Span[] = [];
  // The echo ends with the Enter typed after the line, and sh's tty echoes each newline of the
  // line too; bash and zsh lines hold none (`$'…'` quoting). Wrapping adds no line ends.
  const lines = line.split('\n').length;
  let from = 0;
  for (;;) {
    let start = held.indexOf(anchor, from, 'latin1');
    if (start < 0) return echoes.length > 0 ? echoes : undefined;
    // zle draws the line's first character, backs up over it and then draws the whole line.
    if (start - from >= 2 && held[start - 1] === BACKSPACE && held[start - 2] === line.charCodeAt(0))
      start -= 2;
    let end = start;
    for (let n = lines; n > 0; n--) {
      const eol = held.indexOf(NEWLINE, end);
      if (eol < 0) return undefined;
      end = eol + 1;
    }
    echoes.push({ start, end });
    from = end;
  }
}

/** Holds back the echo of one typed line at a time, and shows the command in its place. */
export class TypedEcho {
  /** Output is being held: pass it to {@link hold} instead of emitting it. */
  holding = false;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private limit = 0;
  private line = '';
  private anchor = '';
  private command = '';
  private timer: NodeJS.Timeout | undefined;

  /** `emit` sends display bytes on (to the scrollback and the command's capture). */
  constructor(
    private readonly emit: (bytes: Uint8Array) => void,
    private readonly holdMs = ECHO_HOLD_MS,
  ) {}

  /**
   * `line` (carrying `token`, which only its echo can contain) is about to be typed for
   * `command`: hold output until its start marker.
   */
  begin(line: string, token: string, command: string): void {
    this.release();
    const at = line.indexOf(token);
    if (at < 0) return;
    this.holding = true;
    this.line = line;
    this.anchor = line.slice(0, at + token.length);
    this.command = command;
    // Room for redraws around the echo (zle redraws at each wrap) and the prompt before it.
    this.limit = 4 * Buffer.byteLength(line) + 8192;
    this.timer = setTimeout(() => this.release(), this.holdMs);
    this.timer.unref();
  }

  /** Output while holding; the array is kept, so the caller must not reuse it. */
  hold(bytes: Uint8Array): void {
    this.held.push(bytes);
    this.heldBytes += bytes.byteLength;
    if (this.heldBytes > this.limit) this.release();
  }

  /** The line's start marker came: emits the prompt, the command as written, and what followed. */
  show(): void {
    if (!this.holding) return;
    const held = Buffer.concat(this.held);
    const echoes = findEchoes(held, this.line, this.anchor);
    if (!echoes) {
      this.release();
      return;
    }
    const command = this.command;
    this.stop();
    let modes = '';
    let kept = 0;
    for (const echo of echoes) {
      if (echo.start > kept) this.emit(held.subarray(kept, echo.start));
      modes += held.toString('latin1', echo.start, echo.end).match(MODE_SWITCH)?.join('') ?? '';
      kept = echo.end;
    }
    // In place of the last echo: the one drawn after the prompt.
    this.emit(Buffer.concat([displayCommand(command), Buffer.from(modes, 'latin1'), CRLF]));
    if (kept < held.length) this.emit(held.subarray(kept));
  }

  /** Gives up: whatever is held goes out as it came. */
  release(): void {
    if (!this.holding) return;
    const held = this.held;
    this.stop();
    for (const bytes of held) this.emit(bytes);
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.holding = false;
    this.held = [];
    this.heldBytes = 0;
    this.command = '';
    this.line = '';
    this.anchor = '';
  }
}
