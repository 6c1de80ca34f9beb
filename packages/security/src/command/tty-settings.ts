// Terminal settings that edit the lines the shell reads. bash in an orchflow terminal runs without
// readline, so the tty's line discipline is its line editor: orchflow types a judged line, the
// kernel applies the erase, kill and other special characters and the input mappings, and bash
// reads what is left. `stty erase '#'` makes the judged `cat /ro#oot/.ssh/key` reach bash as `cat
// /root/.ssh/key`; a kill or werase character, a stop or start character (dropped from the input),
// `-icanon`, `istrip` or `iuclc` rewrite a line as well, and a disabled kill character leaves text
// that a later line is appended to. Only reading the settings, echo and output settings and the
// window size are allowed where commands are restricted; `tset`/`reset` are refused when told the
// erase, interrupt or kill character (without, they only restore characters that are disabled).
// `tput init|reset` and `setterm` change no input setting.
import type { Construct } from './scan';
import type { WordValue } from './words';

// Settings that change only what is echoed or how output is written, never what the shell reads.
const OUTPUT_SETTINGS = new Set([
  'echo',
  'echoe',
  'crterase',
  'echok',
  'echoke',
  'crtkill',
  'echoctl',
  'ctlecho',
  'echonl',
  'echoprt',
  'prterase',
  'crt',
  'opost',
  'onlcr',
  'ocrnl',
  'onocr',
  'onlret',
  'ofill',
  'ofdel',
  'olcuc',
  'flusho',
  'tostop',
  'tabs',
  'nl0',
  'nl1',
  'cr0',
  'cr1',
  'cr2',
  'cr3',
  'tab0',
  'tab1',
  'tab2',
  'tab3',
  'bs0',
  'bs1',
  'vt0',
  'vt1',
  'ff0',
  'ff1',
  // Reading the settings, and when they are applied.
  'size',
  'speed',
  'drain',
]);
// The window size, whose value is a number.
const SIZE_SETTINGS = new Set(['rows', 'cols', 'columns']);
// stty's long options that read the settings (GNU getopt takes them abbreviated).
const READ_OPTIONS = ['all', 'save', 'help', 'version'];

const refused = (program: string, setting: string, why: string): Construct => ({
  rule: `tty-setting:${setting}`,
  reason: `'${program}' ${why}, so the line the shell reads can differ from the line the policy judged; only reading the settings (stty -a, -g, size), echo and output settings and rows/cols are allowed`,
});

// A rule-name-safe spelling of a setting (a saved `stty -g` string or a stray word is not one).
const settingName = (word: string): string =>
  /^-?[a-z][a-z0-9]{0,15}$/i.test(word) ? word : /^[0-9a-f]+(:[0-9a-f]+)+$/i.test(word) ? 'saved' : 'other';

// A word only known at run time may be any setting, or several once split (a device word too).
const dynamic = (program: string, w: WordValue): Construct =>
  refused(program, 'non-literal', `is given '${w.value}', only known at run time (it may be any setting)`);

function sttyChange(words: readonly WordValue[]): Construct | undefined {
  const args = words.slice(1);
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as WordValue;
    if (!w.literal) return dynamic('stty', w);
    const v = w.value;
    // Settings follow `--` as before it.
    if (v === '--') continue;
    if (v.startsWith('--')) {
      const [name = '', value] = v.slice(2).split('=', 2);
      // `--file=DEV`, `--file DEV`: which terminal, not what is set.
      if (name.length > 0 && 'file'.startsWith(name)) {
        if (value === undefined && args[i + 1]?.literal === false)
          return dynamic('stty', args[i + 1] as WordValue);
        if (value === undefined) i++;
        continue;
      }
      if (name.length > 0 && READ_OPTIONS.some((o) => o.startsWith(name))) continue;
      return refused('stty', 'other', `is given '${v}', which this policy does not know`);
    }
    // `-a`, `-g`, `-F DEV`, `-FDEV`, `-aF DEV`.
    const device = /^-[ag]*F(.*)$/.exec(v);
    if (device) {
      if (device[1] === '' && args[i + 1]?.literal === false)
        return dynamic('stty', args[i + 1] as WordValue);
      if (device[1] === '') i++;
      continue;
    }
    if (/^-[ag]+$/.test(v)) continue;
    const name = v.replace(/^-/, '');
    if (OUTPUT_SETTINGS.has(name)) continue;
    if (SIZE_SETTINGS.has(name) && !v.startsWith('-')) {
      const value = args[i + 1];
      if (value !== undefined && !value.literal) return dynamic('stty', value);
      i++;
      continue;
    }
    return refused(
      'stty',
      settingName(v),
      `sets '${v}', which changes how the terminal edits or maps its input (special characters such as erase or kill, canonical mode, input translation, saved settings)`,
    );
  }
  return undefined;
}

// tset/reset (ncurses): `-e`, `-i`, `-k` set the erase, interrupt and kill characters; `-m` takes a
// mapping; the last operand is a terminal type.
const TSET_CHARS: Readonly<Record<string, string>> = { e: 'erase', i: 'intr', k: 'kill' };

function tsetChange(program: string, words: readonly WordValue[]): Construct | undefined {
  const args = words.slice(1);
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as WordValue;
    // getopt reads options after operands too, so any word may be one.
    if (!w.literal) return dynamic(program, w);
    if (w.value === '--') return undefined;
    if (!/^-./.test(w.value)) continue;
    for (const [k, c] of [...w.value.slice(1)].entries()) {
      const char = TSET_CHARS[c];
      if (char !== undefined) return refused(program, char, `sets the ${char} character ('-${c}')`);
      if (c === 'm') {
        if (k === w.value.length - 2) i++;
        break;
      }
    }
  }
  return undefined;
}

/**
 * The refusal of a command that changes how the terminal edits the lines the shell reads (rule
 * `tty-setting:SETTING`, `tty-setting:non-literal` for a word only known at run time), or
 * `undefined` for other commands and for `stty` that only reads settings or changes echo, output
 * or the window size. `program` is the command's name, `words` its words (the name first).
 */
export function ttySettingChange(program: string, words: readonly WordValue[]): Construct | undefined {
  if (program === 'stty') return sttyChange(words);
  if (program === 'tset' || program === 'reset') return tsetChange(program, words);
  return undefined;
}
