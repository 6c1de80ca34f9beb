// Typing into a scripted terminal's command. A scripted terminal's command reads a pipe, not a
// terminal: nothing echoes what is typed and nothing edits the line, so a person who took over
// would type blind and every Backspace would reach the program as a byte. The page does what a
// terminal's line discipline would: it echoes, lets the line be edited, and sends it whole on
// Enter (with `\n`, as a program reading lines from a pipe expects).

/** What a keystroke (or paste) does: text to show in the view, lines to send. */
export interface LineEdit {
  echo: string;
  lines: string[];
}

const ERASE_CHAR = '\b \b';

/** A local line editor for input to a pipe. */
export class PipeLineEditor {
  private line = '';

  /** Takes what was typed (a keystroke, a key's escape sequence, or a paste). */
  feed(data: string): LineEdit {
    let echo = '';
    const lines: string[] = [];
    // Escape sequences (arrows, function keys) move nothing on a pipe: dropped whole.
    const text = data.replace(/\x1b(\[[0-9;?]*[ -/]*[@-~]|O.|.)?/g, '');
    for (const ch of text) {
      if (ch === '\r' || ch === '\n') {
        lines.push(`${this.line}\n`);
        this.line = '';
        echo += '\r\n';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line === '') continue;
        this.line = [...this.line].slice(0, -1).join('');
        echo += ERASE_CHAR;
      } else if (ch === '\x15') {
        // Ctrl-U: the whole line.
        echo += ERASE_CHAR.repeat([...this.line].length);
        this.line = '';
      } else if (ch === '\x03') {
        // Ctrl-C: the line is dropped (a pipe cannot carry an interrupt).
        echo += '^C\r\n';
        this.line = '';
      } else if (ch === '\t' || ch >= ' ') {
        this.line += ch;
        echo += ch;
      }
    }
    return { echo, lines };
  }

  /** Forgets the line being typed (the floor was handed back). */
  reset(): void {
    this.line = '';
  }
}
