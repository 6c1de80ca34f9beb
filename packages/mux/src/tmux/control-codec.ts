// The byte level of tmux control mode: splitting tmux's stdout into lines, decoding the octal
// escaping of `%output` values back into the pane's exact bytes, and quoting arguments for the
// command lines sent to it. Output is handled as bytes throughout — tmux passes bytes ≥ 0x80
// through unescaped, so a UTF-8 character split across two notifications is just bytes here.

const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/** Splits a byte stream into lines without their `\n`; keeps a partial last line for later. */
export class LineSplitter {
  private rest: Buffer | undefined;

  /** The complete lines in `chunk` (plus what was kept from before). */
  feed(chunk: Buffer): Buffer[] {
    const data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const lines: Buffer[] = [];
    let start = 0;
    for (let at = data.indexOf(NEWLINE); at >= 0; at = data.indexOf(NEWLINE, start)) {
      lines.push(data.subarray(start, at));
      start = at + 1;
    }
    this.rest = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
    return lines;
  }
}

function isOctal(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x37;
}

/**
 * Decodes a `%output` value: tmux writes bytes below 0x20 and the backslash as `\ooo`, every
 * other byte as itself. A malformed escape is kept verbatim rather than guessed at.
 */
export function decodeOutputValue(line: Buffer, start: number): Buffer {
  let at = line.indexOf(BACKSLASH, start);
  if (at < 0) return line.subarray(start);
  const out = Buffer.allocUnsafe(line.length - start);
  let length = 0;
  let from = start;
  while (at >= 0) {
    length += line.copy(out, length, from, at);
    if (isOctal(line[at + 1]) && isOctal(line[at + 2]) && isOctal(line[at + 3])) {
      out[length++] =
        (((line[at + 1] ?? 0) - 0x30) << 6) |
        (((line[at + 2] ?? 0) - 0x30) << 3) |
        ((line[at + 3] ?? 0) - 0x30);
      from = at + 4;
    } else {
      out[length++] = BACKSLASH;
      from = at + 1;
    }
    at = line.indexOf(BACKSLASH, from);
  }
  length += line.copy(out, length, from);
  return out.subarray(0, length);
}

/**
 * Quotes one argument for a tmux command line: single quotes keep everything literal (no `$`
 * expansion, no `#` comments, no `;` splitting); a quote inside is closed, escaped and reopened.
 * Newlines cannot be sent on a control-mode line, so callers never pass them.
 */
export function quoteArg(value: string): string {
  if (value.includes('\n') || value.includes('\r')) {
    throw new Error(`tmux arguments cannot contain line breaks: ${JSON.stringify(value)}`);
  }
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Hex arguments of `send-keys -H` for `bytes`, in commands of at most `chunk` bytes each. */
export function sendKeysHexChunks(bytes: Uint8Array, chunk: number): string[] {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  const out: string[] = [];
  for (let i = 0; i < hex.length; i += chunk * 2) {
    const part = hex.slice(i, i + chunk * 2);
    out.push(part.replace(/(..)(?!$)/g, '$1 '));
  }
  return out;
}
