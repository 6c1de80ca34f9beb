// Fenced code blocks of a Markdown document, found the way CommonMark finds them: a fence is 3+
// backticks or tildes indented at most 3 spaces; it closes at a line of the same character, at
// least as long, with nothing else on it; a backtick fence's info string may not contain a
// backtick. Anything inside a block (including other fences) is content, so a ```` ````markdown ````
// block that shows an ```orchflow example is one block, not two.

/** One line of the document: its text without the line end, and the line end itself. */
export interface Line {
  text: string;
  eol: string;
}

/** A fenced code block. Line numbers are 0-based indices into the document's lines. */
export interface FencedBlock {
  /** Line of the opening fence. */
  start: number;
  /** Line of the closing fence; the last line of the document when unclosed. */
  end: number;
  closed: boolean;
  fence: { char: '`' | '~'; length: number; indent: number };
  /** The info string after the opening fence, trimmed (e.g. `orchflow exit=1`). */
  info: string;
  /** The lines between the fences (indentation up to the fence's removed, as CommonMark does). */
  content: string[];
}

/** Splits `text` into lines, keeping each line's end (`\n`, `\r\n` or none for the last). */
export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const pattern = /([^\r\n]*)(\r\n|\n|\r|$)/g;
  for (const match of text.matchAll(pattern)) {
    if (match[0] === '') break;
    lines.push({ text: match[1] ?? '', eol: match[2] ?? '' });
  }
  return lines;
}

/** The document again: every line and its end, so an untouched document is byte-identical. */
export function joinLines(lines: Line[]): string {
  return lines.map((line) => line.text + line.eol).join('');
}

const OPENING = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const CLOSING = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

/** Every fenced code block, in document order. */
export function findFencedBlocks(lines: Line[]): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPENING.exec(lines[i]?.text ?? '');
    if (!open) continue;
    const [, indent = '', run = '', rest = ''] = open;
    const char = run[0] as '`' | '~';
    if (char === '`' && rest.includes('`')) continue; // not a fence: inline code
    const fence = { char, length: run.length, indent: indent.length };
    let end = i + 1;
    let closed = false;
    for (; end < lines.length; end++) {
      const close = CLOSING.exec(lines[end]?.text ?? '');
      if (close?.[1]?.[0] === char && close[1].length >= fence.length) {
        closed = true;
        break;
      }
    }
    const last = closed ? end : lines.length - 1;
    const content = lines
      .slice(i + 1, closed ? end : lines.length)
      .map((line) => dedent(line.text, fence.indent));
    blocks.push({ start: i, end: last, closed, fence, info: rest.trim(), content });
    i = last;
  }
  return blocks;
}

function dedent(text: string, indent: number): string {
  let cut = 0;
  while (cut < indent && text[cut] === ' ') cut++;
  return text.slice(cut);
}
