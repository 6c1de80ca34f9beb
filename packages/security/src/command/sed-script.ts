// What a sed script does besides editing its input. GNU sed's `e` command and the `e` flag of `s`
// run shell commands; `r`/`R` read files, and `w`/`W` and the `w` flag of `s` write them. The
// script is read the way GNU sed 4 parses it (addresses, `!`, `{…}`, labels, `a`/`i`/`c` text,
// `s` and `y` with any delimiter and bracket expressions, comments). A script this reader cannot
// follow is `unreadable`, and the policy then judges it as if it did everything (fail closed).
// `--sandbox` makes sed itself refuse `e`, `r` and `w`.
import { type Grammar, given, walkOptions } from './option-walk';
import { mayBeOption, type WordValue } from './words';

/** sed's options that take a value (GNU sed 4). */
export const SED_GRAMMAR: Grammar = {
  short: 'efl',
  attached: 'i',
  long: ['expression', 'file', 'line-length'],
};

/** The effects of one sed script. */
export interface SedEffects {
  /** An `e` command or `s///e`: runs shell commands. */
  runs: boolean;
  /** Files `r` and `R` read. */
  reads: string[];
  /** Files `w`, `W` and `s///w` write (`/dev/stdout` and `/dev/stderr` included). */
  writes: string[];
  /** Why the script could not be read (then it may do anything). */
  unreadable?: string;
}

const SIMPLE = new Set(['=', 'd', 'D', 'F', 'g', 'G', 'h', 'H', 'n', 'N', 'p', 'P', 'x', 'z']);
const NUMBERED = new Set(['l', 'L', 'q', 'Q']);
const LABELLED = new Set([':', 'b', 't', 'T', 'v']);

class Reader {
  private i = 0;
  readonly effects: SedEffects = { runs: false, reads: [], writes: [] };

  constructor(private readonly text: string) {}

  read(): SedEffects {
    const { text } = this;
    while (this.i < text.length) {
      const c = text[this.i] as string;
      if (/[\s;]/.test(c)) this.i++;
      else if (c === '#') this.restOfLine();
      else if (!this.command()) return this.effects;
    }
    return this.effects;
  }

  private fail(why: string): false {
    this.effects.unreadable ??= why;
    return false;
  }

  private blanks(): void {
    while (this.text[this.i] === ' ' || this.text[this.i] === '\t') this.i++;
  }

  private restOfLine(): string {
    const end = this.text.indexOf('\n', this.i);
    const stop = end < 0 ? this.text.length : end;
    const line = this.text.slice(this.i, stop);
    this.i = stop;
    return line;
  }

  // One command with its addresses; false when the script cannot be followed from here.
  private command(): boolean {
    if (!this.address(false)) return false;
    this.blanks();
    if (this.text[this.i] === ',') {
      this.i++;
      this.blanks();
      if (!this.address(true)) return false;
    }
    this.blanks();
    while (this.text[this.i] === '!') {
      this.i++;
      this.blanks();
    }
    const cmd = this.text[this.i++];
    if (cmd === undefined) return this.fail('an address without a command');
    if (cmd === '{' || cmd === '}') return true;
    if (SIMPLE.has(cmd)) return this.end();
    if (NUMBERED.has(cmd)) {
      this.blanks();
      while (/\d/.test(this.text[this.i] ?? '')) this.i++;
      return this.end();
    }
    if (LABELLED.has(cmd)) {
      // GNU sed ends a label (or `v`'s version) at a blank, `;` or newline; what follows a blank
      // is the next command (`:a e cmd` runs cmd).
      this.blanks();
      while (this.i < this.text.length && !/[ \t;\n]/.test(this.text[this.i] as string)) this.i++;
      return true;
    }
    switch (cmd) {
      case 'a':
      case 'i':
      case 'c':
        return this.appendedText();
      case 'r':
      case 'R':
        this.blanks();
        this.effects.reads.push(this.restOfLine());
        return true;
      case 'w':
      case 'W':
        this.blanks();
        this.effects.writes.push(this.restOfLine());
        return true;
      case 'e':
        this.effects.runs = true;
        this.restOfLine();
        return true;
      case 's':
        return this.substitute();
      case 'y':
        return this.transliterate();
      default:
        return this.fail(`the command '${cmd}'`);
    }
  }

  // After a command: blanks, then its end (`;`, a newline, `}`, a comment or the script's end).
  private end(): boolean {
    this.blanks();
    const c = this.text[this.i];
    return c === undefined || /[;\n}#]/.test(c) || this.fail(`'${c}' after a command`);
  }

  // A line number, `first~step`, `$`, `/re/` or `\cREc` (with I/M flags); `second` also takes
  // `+N` and `~N`. No address at all is fine.
  private address(second: boolean): boolean {
    const { text } = this;
    const c = text[this.i];
    if (c === undefined) return true;
    if (/\d/.test(c) || (second && (c === '+' || c === '~'))) {
      this.i++;
      while (/[\d~]/.test(text[this.i] ?? '')) this.i++;
      return true;
    }
    if (c === '$') {
      this.i++;
      return true;
    }
    if (c === '/' || c === '\\') {
      let delimiter = '/';
      if (c === '\\') {
        delimiter = text[this.i + 1] ?? '';
        if (delimiter === '' || delimiter === '\n' || delimiter === '\\')
          return this.fail('an address delimiter');
        this.i++;
      }
      this.i++;
      if (!this.until(delimiter, true)) return false;
      while (text[this.i] === 'I' || text[this.i] === 'M') this.i++;
    }
    return true;
  }

  // Text up to its unescaped delimiter: a regular expression (where a bracket expression may
  // hold the delimiter) or an s/y replacement (an escaped newline is text there).
  private until(delimiter: string, regex: boolean): boolean {
    const { text } = this;
    const what = regex ? 'a regular expression' : 'an s or y command';
    while (this.i < text.length) {
      const c = text[this.i] as string;
      if (c === '\\') this.i += 2;
      else if (c === '\n') return this.fail(`a newline inside ${what}`);
      else if (regex && c === '[') this.bracket();
      else if (c === delimiter) {
        this.i++;
        return true;
      } else this.i++;
    }
    return this.fail(`an unterminated ${regex ? 'regular expression' : 's or y command'}`);
  }

  // `[…]`, with `]` first taken literally and `[:class:]`, `[.x.]`, `[=x=]` inside.
  private bracket(): void {
    const { text } = this;
    this.i++;
    if (text[this.i] === '^') this.i++;
    if (text[this.i] === ']') this.i++;
    while (this.i < text.length && text[this.i] !== ']' && text[this.i] !== '\n') {
      const open = text[this.i + 1];
      if (text[this.i] === '[' && (open === ':' || open === '.' || open === '=')) {
        const close = text.indexOf(`${open}]`, this.i + 2);
        this.i = close < 0 ? text.length : close + 2;
      } else this.i++;
    }
    this.i++;
  }

  private delimiter(): string | undefined {
    const d = this.text[this.i++];
    return d === undefined || d === '\n' || d === '\\' ? undefined : d;
  }

  private substitute(): boolean {
    const d = this.delimiter();
    if (d === undefined) return this.fail('the delimiter of an s command');
    if (!this.until(d, true) || !this.until(d, false)) return false;
    for (;;) {
      const f = this.text[this.i];
      if (f === undefined) return true;
      if (f === 'e') this.effects.runs = true;
      else if (f === 'w') {
        this.i++;
        this.blanks();
        this.effects.writes.push(this.restOfLine());
        return true;
      } else if (!/[gpiImM\d]/.test(f)) return this.end();
      this.i++;
    }
  }

  private transliterate(): boolean {
    const d = this.delimiter();
    if (d === undefined) return this.fail('the delimiter of a y command');
    return this.until(d, false) && this.until(d, false) && this.end();
  }

  // `a text`, `a\` then lines; a line ending in an odd number of backslashes goes on.
  private appendedText(): boolean {
    for (;;) {
      const line = this.restOfLine();
      const escapes = /\\*$/.exec(line)?.[0].length ?? 0;
      if (escapes % 2 === 0 || this.i >= this.text.length) return true;
      this.i++;
    }
  }
}

/** What `script` does besides editing (see the module header). */
export function sedEffects(script: string): SedEffects {
  return new Reader(script).read();
}

/** How one sed invocation gets its script, and what the script does. */
export interface SedUse {
  /** `--sandbox`: sed refuses `e`, `r` and `w` itself. */
  sandbox: boolean;
  /** A script file that is no file the policy can see: stdin or a descriptor (`-f -`, `-f /dev/…`, `/proc/…`), or a run-time path. */
  stdin: boolean;
  /** A part of the script is only known at run time. */
  runTime: boolean;
  /** The effects of the script given on the command line (files given with `-f` are not read). */
  effects: SedEffects;
}

/** The script of `sed ARGS` and its effects; `args` are the words after the program name. */
export function sedUse(args: readonly WordValue[]): SedUse {
  const walked = walkOptions(args, SED_GRAMMAR);
  const sandbox = given(walked, 'sandbox');
  const scripts = walked.options.filter((o) => o.name === 'e' || o.name === 'expression');
  const files = walked.options.filter((o) => o.name === 'f' || o.name === 'file');
  // A script file under /dev or /proc (stdin, a heredoc's or a substitution's descriptor), or one
  // only known at run time, is code in no file the policy can see.
  const stdin = files.some((o) => {
    const word = o.valueAt ? args[o.valueAt.index] : undefined;
    const path = (o.value ?? '').replace(/\/(\.\/)+/g, '/').replace(/\/{2,}/g, '/');
    return o.value === '-' || !word?.literal || /^\/(dev|proc)\//.test(path);
  });
  const words: (WordValue | undefined)[] =
    scripts.length > 0
      ? scripts.map((o) => (o.valueAt ? args[o.valueAt.index] : undefined))
      : files.length > 0
        ? []
        : [args[walked.operands[0] ?? -1]];
  // Each `-e` adds a line; a value glued to its option (`-es/a/b/`) starts after it.
  const texts = scripts.length > 0 ? scripts.map((o) => o.value ?? '') : words.map((w) => w?.value ?? '');
  // A word that brace-expands into several, or that could turn into an option at run time (GNU
  // sed takes options anywhere: `"$f"` may be `-e1e cmd`), changes which words are the script.
  const runTime =
    words.some((w) => w !== undefined && !w.literal && w.expanded) ||
    args.some((w) => w.alternatives !== undefined || mayBeOption(w));
  return { sandbox, stdin, runTime, effects: sedEffects(texts.join('\n')) };
}
