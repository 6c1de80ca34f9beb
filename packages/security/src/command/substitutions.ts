// Where bash expands text that tree-sitter-bash hands over unparsed: the body of an unquoted
// heredoc, the word of a `${x:-…}` / `${x#…}` expansion (backticks, `<(…)`, `>(…)` there are plain
// words to tree-sitter), single quotes inside a double-quoted `${…}` (literal to bash), and the
// inside of backticks (bash removes one level of backslashes before parsing it). This scanner
// follows bash's lexical rules for those texts only and reports each substitution, expansion and
// arithmetic it finds, so the caller can parse and judge them like any other command.

/** How the text around a position is quoted, which decides what is special there. */
export type QuoteContext = 'unquoted' | 'dquote' | 'heredoc';

/** One place in a text where bash expands something. */
export interface Expansion {
  /**
   * `command`: `$(…)`, `` `…` ``, `<(…)`, `>(…)` — `text` is the command string, backslashes
   * inside backticks already removed; `parameter`: a whole `${…}`; `arithmetic`: the expression of
   * `$((…))` or `$[…]`.
   */
  kind: 'command' | 'parameter' | 'arithmetic';
  text: string;
}

/** The expansions of a text, and why the scan is unsure when a construct is not closed. */
export interface Expansions {
  found: Expansion[];
  unsure?: string;
}

/** Characters that start something bash expands; texts without them need no scan. */
export const EXPANSION_START = /[`$<>]/;

/** Removes what bash removes inside backticks: `\` before `` ` ``, `$`, `\` (and `"` in double quotes). */
export function unescapeBackticks(inner: string, inDoubleQuotes: boolean): string {
  const special = inDoubleQuotes ? /\\([`$\\"])/g : /\\([`$\\])/g;
  return inner.replace(special, '$1');
}

/**
 * Whether `$((…))` text is arithmetic: bash reads it so when the parenthesis closing the inner
 * `(` is directly followed by the final `)`; otherwise it is a command substitution of a subshell.
 */
export function isArithmeticText(text: string): boolean {
  if (!text.startsWith('$((') || !text.endsWith('))')) return false;
  let depth = 0;
  for (let i = 3; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) return text[i + 1] === ')' && i + 2 === text.length;
      depth--;
    }
  }
  return false;
}

class Lexer {
  pos = 0;
  readonly found: Expansion[] = [];
  unsure?: string;

  constructor(private readonly text: string) {}

  // Records why the scan is unsure and stops it; returns false for the caller to pass on.
  private fail(why: string): false {
    this.unsure ??= why;
    this.pos = this.text.length;
    return false;
  }

  /**
   * Scans in `ctx` until `stop` (outside nested constructs) or the end; records expansions when
   * `record`. `braces` counts nested `{}` as bash does inside `${…}`. Returns true when `stop` was met.
   */
  scan(ctx: QuoteContext, stop: string | undefined, record: boolean, braces = false): boolean {
    const t = this.text;
    let depth = 0;
    while (this.pos < t.length) {
      const c = t[this.pos] as string;
      const next = t[this.pos + 1];
      if (c === stop && !(braces && depth > 0)) return true;
      if (braces && c === '{') depth++;
      if (braces && c === '}') depth--;
      if (c === '\\') {
        // Unquoted, a backslash quotes any character; in double quotes and heredocs only these.
        const special = ctx === 'dquote' ? '$`\\\n"' : '$`\\\n';
        const quotes = ctx === 'unquoted' || next === stop || (next !== undefined && special.includes(next));
        this.pos += quotes ? 2 : 1;
      } else if (c === "'" && ctx === 'unquoted') {
        const end = t.indexOf("'", this.pos + 1);
        if (end < 0) return this.fail('an unclosed single quote');
        this.pos = end + 1;
      } else if (c === '"' && (ctx === 'unquoted' || stop === '}')) {
        // Inside `${…}` a double quote nests even in a heredoc or a double-quoted string.
        this.pos++;
        if (!this.scan('dquote', '"', record)) return this.fail('an unclosed double quote');
        this.pos++;
      } else if (c === '`') this.backtick(ctx, record);
      else if (c === '$') this.dollar(ctx, record);
      else if ((c === '<' || c === '>') && next === '(' && ctx === 'unquoted') {
        const start = this.pos + 2;
        this.pos = start;
        if (!this.command()) return this.fail(`an unclosed '${c}('`);
        if (record) this.found.push({ kind: 'command', text: t.slice(start, this.pos) });
        this.pos++;
      } else this.pos++;
    }
    return stop === undefined;
  }

  private backtick(ctx: QuoteContext, record: boolean): boolean {
    const t = this.text;
    let j = this.pos + 1;
    while (j < t.length && t[j] !== '`') j += t[j] === '\\' ? 2 : 1;
    if (j >= t.length) return this.fail('an unclosed backtick');
    if (record)
      this.found.push({
        kind: 'command',
        text: unescapeBackticks(t.slice(this.pos + 1, j), ctx === 'dquote'),
      });
    this.pos = j + 1;
    return true;
  }

  private dollar(ctx: QuoteContext, record: boolean): boolean {
    const t = this.text;
    const start = this.pos;
    const next = t[start + 1];
    if (next === '(') {
      this.pos = start + 2;
      if (!this.command()) return this.fail("an unclosed '$('");
      const whole = t.slice(start, this.pos + 1);
      this.pos++;
      if (record)
        this.found.push(
          isArithmeticText(whole)
            ? { kind: 'arithmetic', text: whole.slice(3, -2) }
            : { kind: 'command', text: whole.slice(2, -1) },
        );
    } else if (next === '{') {
      this.pos = start + 2;
      if (!this.scan(ctx === 'unquoted' ? 'unquoted' : 'dquote', '}', false, true))
        return this.fail("an unclosed '${'");
      this.pos++;
      if (record) this.found.push({ kind: 'parameter', text: t.slice(start, this.pos) });
    } else if (next === '[') {
      let depth = 0;
      let j = start + 2;
      for (; j < t.length; j++) {
        if (t[j] === '[') depth++;
        else if (t[j] === ']' && depth-- === 0) break;
      }
      if (j >= t.length) return this.fail("an unclosed '$['");
      if (record) this.found.push({ kind: 'arithmetic', text: t.slice(start + 2, j) });
      this.pos = j + 1;
    } else if (next === "'" && ctx === 'unquoted') {
      let j = start + 2;
      while (j < t.length && t[j] !== "'") j += t[j] === '\\' ? 2 : 1;
      if (j >= t.length) return this.fail("an unclosed $'");
      this.pos = j + 1;
    } else this.pos = start + 1;
    return true;
  }

  // From just inside `(`: moves to the matching `)` of a command text (quotes, escapes, nested
  // parentheses, substitutions and comments skipped). A `case` pattern's lone `)` ends it early;
  // the caller's parse of the inner text then fails, which fails closed.
  private command(): boolean {
    const t = this.text;
    let depth = 0;
    while (this.pos < t.length) {
      const c = t[this.pos] as string;
      if (c === ')') {
        if (depth === 0) return true;
        depth--;
        this.pos++;
      } else if (c === '(') {
        depth++;
        this.pos++;
      } else if (c === '#' && (this.pos === 0 || /[\s;&|(]/.test(t[this.pos - 1] as string))) {
        const end = t.indexOf('\n', this.pos);
        this.pos = end < 0 ? t.length : end;
      } else if (c === '\\' || c === "'" || c === '"' || c === '`' || c === '$') {
        const before = this.pos;
        // One token of unquoted text: reuse the word scanner for a single construct.
        if (c === '\\') this.pos += 2;
        else if (c === "'") {
          const end = t.indexOf("'", this.pos + 1);
          if (end < 0) return false;
          this.pos = end + 1;
        } else if (c === '"') {
          this.pos++;
          if (!this.scan('dquote', '"', false)) return false;
          this.pos++;
        } else if (c === '`') this.backtick('unquoted', false);
        else this.dollar('unquoted', false);
        if (this.unsure !== undefined || this.pos <= before) return false;
      } else this.pos++;
    }
    return false;
  }
}

/** The expansions bash performs in `text`, read in quoting context `ctx`. */
export function expansionsIn(text: string, ctx: QuoteContext): Expansions {
  const lexer = new Lexer(text);
  lexer.scan(ctx, undefined, true);
  return lexer.unsure === undefined ? { found: lexer.found } : { found: lexer.found, unsure: lexer.unsure };
}

/** A heredoc's delimiter as bash reads it: quote removal, and whether any quoting disables expansion. */
export function heredocDelimiter(raw: string): { delimiter: string; quoted: boolean } | undefined {
  // `$'…'` and `$"…"` delimiters are rare and quote-removed differently: not judged.
  if (/\$['"]/.test(raw)) return undefined;
  let delimiter = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\') {
      quoted = true;
      delimiter += raw[++i] ?? '';
    } else if (c === "'" || c === '"') {
      quoted = true;
      const end = raw.indexOf(c, i + 1);
      if (end < 0) return undefined;
      delimiter += raw.slice(i + 1, end);
      i = end;
    } else delimiter += c;
  }
  return { delimiter, quoted };
}
