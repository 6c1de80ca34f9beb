// Live output of many jobs on one stdout: each job's bytes are cut into lines and every line is
// printed with the job's name in front, so interleaved output stays readable. Colors only on a TTY.

/** Escape sequences (CSI, OSC, two-byte ESC) a terminal interprets; stripped from plain output. */
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

/** `text` without terminal escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

const PALETTE = [36, 33, 35, 32, 34, 96, 93, 95, 92, 94];

/** Styles text with SGR colors, or not at all. */
export interface Style {
  readonly color: boolean;
  paint(text: string, code: number): string;
}

/** Colors when `color`, else identity. */
export function createStyle(color: boolean): Style {
  return { color, paint: (text, code) => (color ? `\x1b[${code}m${text}\x1b[0m` : text) };
}

/** Cuts one job's output into prefixed lines written to `write`. */
export class LinePrefixer {
  private pending = '';
  private readonly prefix: string;

  constructor(
    label: string,
    index: number,
    width: number,
    private readonly style: Style,
    private readonly write: (text: string) => void,
  ) {
    this.prefix = style.paint(`${label.padEnd(width)} |`, PALETTE[index % PALETTE.length] ?? 36);
  }

  /** Takes a raw chunk (PTY output: `\r\n` line ends, maybe escapes) and prints complete lines. */
  push(data: string): void {
    const lines = (this.pending + data).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.emit(line);
  }

  /** Prints what is left of an unfinished last line. */
  flush(): void {
    if (this.pending !== '') this.emit(this.pending);
    this.pending = '';
  }

  private emit(raw: string): void {
    // A `\r` moves the cursor back: what a terminal would show is the text after the last one.
    const shown = raw.replace(/\r+$/, '').split('\r').pop() ?? '';
    const text = this.style.color ? `${shown}\x1b[0m` : stripAnsi(shown);
    this.write(`${this.prefix} ${text}\n`);
  }
}
