// The command lines typed into a PTY (`Terminal.write`), reassembled from keystrokes the way the
// shell's line editor would see them: printable text, Backspace, Ctrl-U/Ctrl-W, Ctrl-C (drops
// the line), CR or LF (ends it). Escape sequences (arrow and function keys) and Tab are left
// out: the line editor's own edits from them cannot be known here, so the text recorded for a
// line edited with them is what was typed, not necessarily what ran.
import { TextDecoder } from 'node:util';

/** Longest line kept, in characters; the rest of a longer line is dropped. */
export const MAX_TYPED_LINE = 4096;

type EscapeState = 'none' | 'esc' | 'csi' | 'ss3';

/** Splits typed input into complete lines. */
export class TypedLines {
  private line = '';
  private escape: EscapeState = 'none';
  // Made at the first typed bytes: a decoder holds ~1.3 KB of native memory, and most terminals
  // (an agent's, driven by execute) are never typed into.
  private decoder: TextDecoder | undefined;

  /** Feeds input; returns the lines it completed (possibly empty strings), in order. */
  feed(data: string | Uint8Array): string[] {
    let text = data;
    if (typeof text !== 'string') {
      this.decoder ??= new TextDecoder('utf-8');
      text = this.decoder.decode(text, { stream: true });
    }
    const done: string[] = [];
    for (const ch of text) {
      if (this.skipEscape(ch)) continue;
      switch (ch) {
        case '\r':
        case '\n':
          done.push(this.line);
          this.line = '';
          break;
        case '\x7f':
        case '\b':
          this.line = [...this.line].slice(0, -1).join('');
          break;
        case '\x03':
        case '\x15':
          this.line = '';
          break;
        case '\x17':
          this.line = this.line.replace(/\S*\s*$/, '');
          break;
        default:
          if (ch >= ' ' && this.line.length < MAX_TYPED_LINE) this.line += ch;
      }
    }
    return done;
  }

  /** Forgets the partial line (something else was typed into the shell's line editor). */
  reset(): void {
    this.line = '';
    this.escape = 'none';
  }

  /** True while `ch` belongs to an escape sequence (ESC, CSI `ESC [ … final`, SS3 `ESC O x`). */
  private skipEscape(ch: string): boolean {
    const code = ch.codePointAt(0) ?? 0;
    switch (this.escape) {
      case 'none':
        if (code !== 0x1b) return false;
        this.escape = 'esc';
        return true;
      case 'esc':
        this.escape = ch === '[' ? 'csi' : ch === 'O' ? 'ss3' : 'none';
        return true;
      case 'csi':
        if (code >= 0x40 && code <= 0x7e) this.escape = 'none';
        return true;
      case 'ss3':
        this.escape = 'none';
        return true;
    }
  }
}
