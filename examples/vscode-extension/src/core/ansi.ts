// Terminal output → plain text for an output channel, which shows raw escape codes verbatim.
// Streaming: an escape sequence split across two chunks is held back until its end arrives.

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), and two-byte ESC sequences.
const SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// An escape sequence that has started but not ended at the end of a chunk.
const UNFINISHED = /\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|)$/;

/** Strips ANSI escape sequences and turns CRLF into LF, chunk by chunk. */
export class AnsiStripper {
  private pending = '';

  /** Plain text of `chunk`, holding back an unfinished escape sequence at its end. */
  push(chunk: string): string {
    let text = this.pending + chunk;
    this.pending = '';
    const tail = UNFINISHED.exec(text);
    if (tail) {
      this.pending = tail[0];
      text = text.slice(0, tail.index);
    }
    // A trailing CR may be the first half of a CRLF: keep it for the next chunk.
    if (text.endsWith('\r')) {
      this.pending = `\r${this.pending}`;
      text = text.slice(0, -1);
    }
    return clean(text);
  }

  /** Whatever was held back, cleaned (call at the end of a run). */
  flush(): string {
    const rest = clean(this.pending);
    this.pending = '';
    return rest;
  }
}

function clean(text: string): string {
  return text.replace(SEQUENCE, '').replace(/\r\n/g, '\n').replace(/\r/g, '');
}
