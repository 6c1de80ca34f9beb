// Deny rules name an operation by one spelling (`rm -rf /`); programs accept many. The normal form
// of an invocation (and of a rule's own words) spells its options one way per program — letters
// whose case the program ignores folded (`rm -R` is `-r`; `chmod -r` is a mode, so chmod keeps its
// letters), long options and their unique abbreviations as letters (`--recursive`, `--rec`),
// bundles split — and its operands one way: `//`, `/./`, `..` resolved lexically, a trailing `/`
// dropped, `~` and `$HOME` already expanded by the parse, and relative operands (`.`, `*`) also
// joined to every directory the line may be in, so `cd / && rm -rf .` is `rm -rf /`.
import { spend } from './budget';
import { resolveReal } from './real-paths';
import type { Invocation } from './rules';

interface FlagSpec {
  /** Letters the program reads as another (`R` → `r`). */
  fold?: Readonly<Record<string, string>>;
  /** Every long option of the program (for GNU's unique abbreviations); mapped ones become letters. */
  long: Readonly<Record<string, string | null>>;
  /** Short options that take a value (`cp -t DIR`). */
  values?: string;
  /** Modes or similar operands normalised (chmod `0777`, `a=rwx`). */
  operand?: (word: string) => string;
}

const OWNERSHIP: FlagSpec['long'] = {
  recursive: 'R',
  changes: 'c',
  silent: 'f',
  quiet: 'f',
  verbose: 'v',
  dereference: null,
  'no-dereference': 'h',
  'from=': null,
  'reference=': null,
  'preserve-root': null,
  'no-preserve-root': null,
  help: null,
  version: null,
};

// A mode that sets all nine permission bits whatever the file had (`777`, `0777`, `1777`,
// `a=rwx`, `ugo+rwx`, `u=rwx,g=rwx,o=rwx`) is spelled `777`. A clause without `who` is limited by
// the umask, which is not known here, so it sets nothing for sure.
function chmodMode(word: string): string {
  if (/^0*[0-7]?777$/.test(word)) return '777';
  const bits = new Map<string, boolean | undefined>();
  for (const clause of word.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*|[ugo])$/.exec(clause);
    if (!m) return word;
    const [, who = '', op, perms = ''] = m;
    for (const w of who === '' || who.includes('a') ? 'ugo' : who)
      for (const p of 'rwx') {
        const has = perms.includes(p);
        if (who === '' || /^[ugo]$/.test(perms)) bits.set(w + p, undefined);
        else if (op === '=') bits.set(w + p, has);
        else if (has) bits.set(w + p, op === '+');
      }
  }
  return [...'ugo'].every((w) => [...'rwx'].every((p) => bits.get(w + p) === true)) ? '777' : word;
}

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  rm: {
    fold: { R: 'r' },
    long: {
      recursive: 'r',
      force: 'f',
      dir: 'd',
      verbose: 'v',
      interactive: null,
      'one-file-system': null,
      'preserve-root': null,
      'no-preserve-root': null,
      help: null,
      version: null,
    },
  },
  cp: {
    fold: { R: 'r' },
    values: 'tS',
    long: {
      recursive: 'r',
      force: 'f',
      archive: 'a',
      'no-dereference': 'P',
      dereference: 'L',
      link: 'l',
      'symbolic-link': 's',
      'target-directory': null,
      'no-target-directory': 'T',
      update: null,
      verbose: 'v',
      'remove-destination': null,
      reflink: null,
      preserve: null,
      'no-preserve': null,
      parents: null,
      sparse: null,
      suffix: null,
      backup: null,
      'one-file-system': 'x',
      'strip-trailing-slashes': null,
      interactive: 'i',
      'no-clobber': 'n',
      help: null,
      version: null,
    },
  },
  chmod: { long: OWNERSHIP, operand: chmodMode },
  chown: { long: OWNERSHIP },
  chgrp: { long: OWNERSHIP },
};

function longLetter(spec: FlagSpec, word: string): string | null | undefined {
  const name = word.slice(2).split('=')[0] ?? '';
  const names = Object.keys(spec.long).map((n) => n.replace(/=$/, ''));
  const exact = names.includes(name) ? [name] : names.filter((n) => n.startsWith(name));
  if (exact.length !== 1) return undefined;
  const key = Object.keys(spec.long).find((k) => k.replace(/=$/, '') === exact[0]) as string;
  return spec.long[key];
}

/** `path` with `//`, `/./`, `..` and a trailing `/` resolved lexically (relative stays relative). */
export function lexicalPath(path: string): string {
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out.at(-1) !== '..') out.pop();
    else if (part !== '..' || !absolute) out.push(part);
  }
  return absolute ? `/${out.join('/')}` : out.join('/') || '.';
}

// The spellings of an operand: lexical, real (symlinks such as /proc/self/root), and joined to
// each directory a relative operand may be resolved in.
function operandForms(
  word: string,
  cwds: readonly string[] | undefined,
  home: string,
  links?: LineLinks,
): string[] {
  const lexical = lexicalPath(word);
  const forms = new Set([lexical]);
  // resolveReal does not follow a process's /proc links; its root is `/` as far as a rule goes.
  if (lexical.startsWith('/proc/'))
    forms.add(lexical.replace(/^\/proc\/[^/]+(\/task\/[^/]+)?\/root(?=\/|$)/, '') || '/');
  if (lexical.startsWith('/')) forms.add(resolveReal(lexical));
  else if (cwds) for (const cwd of cwds) forms.add(lexicalPath(`${cwd}/${word}`));
  // After a `cd` to an unknown directory, an operand naming only "here" (`.`, `..`, `*`) may be
  // the root or the home directory.
  else if (/^(\.\.?|\*)(\/(\.\.?|\*))*\/?$/.test(word))
    for (const cwd of ['/', home]) forms.add(lexicalPath(`${cwd}/${word}`));
  // Through a symlink the line itself made (`ln -s / r; rm -rf r/*`): where the link leads.
  for (const form of [...forms]) for (const through of viaLinks(form, links)) forms.add(through);
  // Removing everything in a directory is removing the directory's contents: `rm -rf ~/*`,
  // `rm -rf ~/.*` and `rm -rf ~/.[!.]*` are `rm -rf ~` as far as a rule goes.
  for (const form of [...forms]) {
    const cut = form.lastIndexOf('/');
    if (cut >= 0 && EVERY_NAME.test(form.slice(cut + 1))) forms.add(CONTENTS + (form.slice(0, cut) || '/'));
  }
  return [...forms];
}

// Marks a form that stands for a directory's contents: it matches rules that name the directory
// literally (`rm -rf ~`), not globs that happen to match it (`rm -rf /tmp/*` is not `rm -rf /*`).
const CONTENTS = '\0';

// A last component that matches every name (or every dot-name) in its directory.
const EVERY_NAME = /^(\*+|\?\*|\.\*|\.\?\*|\.\.\?\*|\.\?\?\*|\.\[[!^]\.\]\*|\[[!^]\.\]\*)$/;

/** Symlinks a command line makes (`ln -s TARGET LINK`): the link's absolute path and its target's. */
export type LineLinks = ReadonlyMap<string, string>;

/**
 * `path` seen through the line's own links (`./s/mem`, `d/../s/mem` spelled as they are, and with
 * `.` and `..` applied), links to links followed as far as the line made them.
 */
export function viaLinks(path: string, links: LineLinks | undefined): string[] {
  if (!links || links.size === 0 || !path.startsWith('/')) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const start of new Set([path, lexicalPath(path)])) {
    let current = start;
    for (let hop = 0; hop <= links.size; hop++) {
      spend(links.size, 'links the line makes');
      let next: string | undefined;
      for (const [link, target] of links)
        if (current === link || current.startsWith(`${link}/`))
          next = lexicalPath(target + current.slice(link.length));
      if (next === undefined || next === current || seen.has(next)) break;
      seen.add(next);
      out.push(next);
      current = next;
    }
  }
  return out;
}

/** A deny rule's text in normal form: its options spelled as {@link normalForms} spells them. */
export function normalRule(rule: string): string {
  const [program = '', ...args] = rule.trim().split(/\s+/);
  const name = program.slice(program.lastIndexOf('/') + 1);
  return [program, ...(normalArgv(name, args, undefined, '', false)[0] ?? args)].join(' ');
}

// Words of an argv copied and matched per step of the work budget.
const WORDS_PER_STEP = 4;

// One argv per spelling of the operands (the first is the lexical one); options normalised.
function normalArgv(
  program: string,
  argv: readonly string[],
  cwds: readonly string[] | undefined,
  home: string,
  join: boolean,
  links?: LineLinks,
): NormalArgv[] {
  const spec = FLAGS[program];
  const options: string[] = [];
  const operands: string[][] = [];
  let ended = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (ended || !a.startsWith('-') || a === '-' || (spec?.operand && spec.operand(a) !== a)) {
      const mode = spec?.operand?.(a) ?? a;
      operands.push(mode !== a ? [mode] : join ? operandForms(a, cwds, home, links) : [lexicalPath(a)]);
      continue;
    }
    if (a === '--') {
      ended = true;
      continue;
    }
    if (!spec) options.push(a);
    else if (a.startsWith('--')) {
      const letter = longLetter(spec, a);
      options.push(letter ? `-${letter}` : a);
    } else
      for (let k = 1; k < a.length; k++) {
        const c = a[k] as string;
        options.push(`-${spec.fold?.[c] ?? c}`);
        if (spec.values?.includes(c)) {
          if (k + 1 < a.length) options.push(a.slice(k + 1));
          else if (i + 1 < argv.length) options.push(argv[++i] as string);
          break;
        }
      }
  }
  // Each operand's spellings on their own line keep the forms linear in the operand count.
  const first = operands.map((forms) => forms[0] as string);
  const out: NormalArgv[] = [[...options, ...first]];
  // Each extra spelling copies the whole argv, and every copy is then matched against each rule:
  // charged by its length, so many operands with many spellings each run out of budget early.
  const copySteps = Math.ceil((options.length + first.length) / WORDS_PER_STEP);
  operands.forEach((forms, i) => {
    for (const form of forms.slice(1)) {
      spend(copySteps, 'spellings of the operands');
      const argv: NormalArgv = [
        ...options,
        ...first.slice(0, i),
        form.replace(CONTENTS, ''),
        ...first.slice(i + 1),
      ];
      if (form.startsWith(CONTENTS)) argv.contents = true;
      out.push(argv);
    }
  });
  return out;
}

type NormalArgv = string[] & { contents?: boolean };

/** A normal form; `contents` when an operand stands for everything in a directory (`~/*` as `~`). */
export type NormalInvocation = Invocation & { contents?: boolean };

/**
 * The normal forms of `inv` for matching deny rules: options spelled one way for the programs
 * modelled here, operands resolved lexically and against `cwds` (undefined after a `cd` to an
 * unknown directory) and through the symlinks the line makes (`links`).
 */
export function normalForms(
  inv: Invocation,
  cwds: readonly string[] | undefined,
  home: string,
  links?: LineLinks,
): NormalInvocation[] {
  return normalArgv(inv.program, inv.argv, cwds, home, true, links).map((argv) => ({
    ...inv,
    argv: [...argv],
    ...(argv.contents ? { contents: true } : {}),
  }));
}
