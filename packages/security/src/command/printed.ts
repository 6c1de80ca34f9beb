// What an `echo` or `printf` of literal words prints, for a shell that reads it as code
// (stdin-code.ts). Which echo runs is not in the text: bash's prints backslashes as written unless
// given `-e` or with `shopt -s xpg_echo` (an earlier line may set it); dash's (`sh` on Debian, and
// the echo inside every `sh -c`) always turns `\n`, `\0NNN` and `\NNN` into characters but keeps
// bash's `\xHH`, `\uHHHH` as text. A line can be code in one reading and a word in another: dash
// runs `sudo` in `'true \x27\nsudo id\n\x27'`, where bash's `\x27` opens a quote that swallows it.
// So every reading is returned and each is judged. printf reads escapes in its format in every
// shell, bash's also `\xHH`, `\uHHHH`; its `%s` arguments are printed as written.

/** How one echo or printf reads backslash escapes. */
interface EscapeRules {
  letters: Readonly<Record<string, string>>;
  /**
   * `zero`: `\0` and up to three octal digits (bash's echo); `echo`: that, or one to three digits
   * starting with 1–7 (dash's echo); `any`: one to three digits (printf).
   */
  octal: 'zero' | 'echo' | 'any';
  /** `\xHH`, `\uHHHH`, `\UHHHHHHHH`. */
  hex: boolean;
  /** `\c` ends the output (echo). */
  stop: boolean;
}

const CONTROL = { a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
const BASH_ECHO: EscapeRules = { letters: { ...CONTROL, E: '\x1b' }, octal: 'zero', hex: true, stop: true };
const DASH_ECHO: EscapeRules = { letters: CONTROL, octal: 'echo', hex: false, stop: true };
const BASH_PRINTF: EscapeRules = {
  letters: { ...CONTROL, E: '\x1b', '"': '"', "'": "'", '?': '?' },
  octal: 'any',
  hex: true,
  stop: false,
};
const DASH_PRINTF: EscapeRules = { letters: CONTROL, octal: 'any', hex: false, stop: false };

// Sticky: tried right after the backslash (octal) or the escape's letter (hex), so that reading a
// text stays linear in its length.
const OCTAL_AFTER_ZERO = /0([0-7]{0,3})/y;
const OCTAL = /([0-7]{1,3})/y;
const HEX: Readonly<Record<string, RegExp>> = {
  x: /[0-9a-fA-F]{1,2}/y,
  u: /[0-9a-fA-F]{1,4}/y,
  U: /[0-9a-fA-F]{1,8}/y,
};

// The match of the sticky `re` at `at` in `text`.
function stickyAt(re: RegExp | undefined, text: string, at: number): RegExpExecArray | null {
  if (!re) return null;
  re.lastIndex = at;
  return re.exec(text);
}

// `text` with its backslash escapes read by `rules`; an escape the rules do not know stays as
// written, backslash included.
function readEscapes(text: string, rules: EscapeRules): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c !== '\\' || next === undefined) {
      out += c;
      continue;
    }
    if (next === 'c' && rules.stop) return out;
    const letter = rules.letters[next];
    if (letter !== undefined) {
      out += letter;
      i++;
      continue;
    }
    const octal =
      rules.octal !== 'any' && next === '0' ? OCTAL_AFTER_ZERO : rules.octal === 'zero' ? undefined : OCTAL;
    const digits = stickyAt(octal, text, i + 1);
    if (digits) {
      out += String.fromCharCode(Number.parseInt(digits[1] || '0', 8) & 0xff);
      i += digits[0].length;
      continue;
    }
    const hex = stickyAt(rules.hex ? HEX[next] : undefined, text, i + 2);
    const code = hex ? Number.parseInt(hex[0], 16) : -1;
    if (hex && code <= 0x10ffff) {
      out += next === 'x' ? String.fromCharCode(code) : String.fromCodePoint(code);
      i += 1 + hex[0].length;
      continue;
    }
    out += c;
  }
  return out;
}

/** The distinct texts `echo WORDS` may print (its options already taken off). */
export function echoed(words: readonly string[]): string[] {
  const text = words.join(' ');
  if (!text.includes('\\')) return [`${text}\n`];
  const readings = [text, readEscapes(text, BASH_ECHO), readEscapes(text, DASH_ECHO)];
  return [...new Set(readings.map((r) => `${r}\n`))];
}

/**
 * The distinct texts `printf FORMAT ARGS` may print, or `undefined` when the format has a
 * directive other than `%s` and `%%` (its output is not the words).
 */
export function printfed(format: string, args: readonly string[]): string[] | undefined {
  const out = new Set<string>();
  for (const rules of [BASH_PRINTF, DASH_PRINTF]) {
    const f = readEscapes(format, rules);
    if (/%[^s%]/.test(f)) return undefined;
    const values = [...args];
    let text = '';
    // printf repeats its format while arguments are left.
    do text += f.replace(/%([s%])/g, (_, c: string) => (c === '%' ? '%' : (values.shift() ?? '')));
    while (values.length > 0 && f.includes('%s'));
    out.add(text);
  }
  return [...out];
}
