// Which arguments of a known program name files, which are patterns, search terms or option
// values (`grep -i secret src/`: `secret` is a pattern), and where the program walks when it is
// given no path (`grep -r key` searches `.`). Programs not listed here have every argument judged
// as a possible path (the generic, stricter reading).
import { findFileArgs } from './file-args-find';
import { gitFileArgs } from './file-args-git';
import { depthOf, type Grammar, given, type Walked, walkOptions } from './option-walk';
import { SED_GRAMMAR, sedUse } from './sed-script';
import { grepSkips, rgSkips, type WalkSkip } from './walk-skips';
import { literalWord, type WordValue } from './words';

/** A word (index into the arguments) or its tail from `offset` that names a file. */
export interface FileArg {
  index: number;
  offset: number;
  write?: boolean;
  /** A directory the path is relative to instead of the cwd (`git -C dir`). */
  base?: string;
  /** A pathspec: its glob characters are the program's, matched across directories. */
  pathspec?: boolean;
  /** A start operand (not an option's value): with none, the program walks its default. */
  operand?: boolean;
}

/** The file arguments of one invocation. */
export interface FileArgs {
  paths: FileArg[];
  /** Files named inside an argument rather than by a whole word or its tail (sed's `r FILE`). */
  named?: { word: WordValue; write: boolean }[];
  /**
   * The directory the program works on when no path operand is given (`.`), relative to the cwd
   * or `base`; `always` when it is walked whatever the operands.
   */
  implicit?: { path: string; base?: string; always?: boolean };
  /** The program descends into the directories it is given. */
  recursive: boolean;
  /** How many levels below a given directory the walk goes (`find -maxdepth`, `tree -L`). */
  maxDepth?: number;
  /** The walk reads names and metadata only, never file contents (`du`, `ls -R`, `find -print`). */
  namesOnly?: boolean;
  /** What the walk provably skips (`--exclude-dir=secret`, `-g '!secret'`; walk-skips.ts). */
  skips?: WalkSkip[];
}

const GREP: Grammar = {
  short: 'efmABCdD',
  long: [
    'regexp',
    'file',
    'max-count',
    'after-context',
    'before-context',
    'context',
    'directories',
    'devices',
    'include',
    'exclude',
    'exclude-from',
    'exclude-dir',
    'label',
    'binary-files',
    'group-separator',
  ],
};
const RG: Grammar = {
  short: 'efgtTABCmMjEdr',
  long: [
    'regexp',
    'file',
    'glob',
    'iglob',
    'type',
    'type-not',
    'type-add',
    'type-clear',
    'after-context',
    'before-context',
    'context',
    'max-count',
    'max-columns',
    'threads',
    'encoding',
    'max-depth',
    'replace',
    'ignore-file',
    'pre',
    'pre-glob',
    'colors',
    'sort',
    'sortr',
    'path-separator',
    'context-separator',
    'max-filesize',
    'engine',
  ],
};
const LS: Grammar = {
  short: 'IwT',
  long: [
    'ignore',
    'hide',
    'width',
    'tabsize',
    'format',
    'sort',
    'time',
    'time-style',
    'quoting-style',
    'indicator-style',
    'block-size',
  ],
};
const DU: Grammar = {
  short: 'BdtX',
  long: [
    'block-size',
    'max-depth',
    'threshold',
    'exclude',
    'exclude-from',
    'time',
    'time-style',
    'files0-from',
  ],
};
const TREE: Grammar = {
  short: 'LPIoHT',
  long: ['filelimit', 'charset', 'timefmt', 'sort', 'hintro', 'houtro'],
};
const AWK: Grammar = {
  short: 'fvF',
  long: ['file', 'assign', 'field-separator', 'include', 'load'],
  posix: true,
};

// The files a sed script reads and writes (sed-script.ts). A file name with a run-time part is
// only known at run time. What a script can do beyond that (`e` runs any command; a run-time
// part could add commands) makes sed an interpreter: refused under an allowlist (code-forms.ts),
// the documented limit under a denylist.
function sedFiles(args: readonly WordValue[]): { word: WordValue; write: boolean }[] {
  const use = sedUse(args);
  if (use.sandbox) return [];
  const word = (path: string): WordValue =>
    use.runTime && /[$`]/.test(path)
      ? { value: path, literal: false, prefix: '', expanded: true }
      : literalWord(path);
  return [
    ...use.effects.reads.map((path) => ({ word: word(path), write: false })),
    ...use.effects.writes.map((path) => ({ word: word(path), write: true })),
  ];
}

const valueArg = (walked: Walked, names: string[], write = false): FileArg[] =>
  walked.options.flatMap((o) =>
    names.includes(o.name) && o.valueAt ? [{ index: o.valueAt.index, offset: o.valueAt.offset, write }] : [],
  );

const operandArgs = (operands: number[], write = false): FileArg[] =>
  operands.map((index) => ({ index, offset: 0, write, operand: true }));

// A search program's first operand is its pattern (or script) unless an option gave one.
function searchArgs(args: readonly WordValue[], grammar: Grammar, patternOptions: string[]) {
  const walked = walkOptions(args, grammar);
  const patternGiven = given(walked, ...patternOptions);
  return { walked, operands: patternGiven ? walked.operands : walked.operands.slice(1) };
}

/** The file arguments of `program` with `args`, or `undefined` when the program is not modelled. */
export function fileArgs(program: string, args: readonly WordValue[]): FileArgs | undefined {
  switch (program) {
    case 'grep':
    case 'egrep':
    case 'fgrep': {
      const { walked, operands } = searchArgs(args, GREP, ['e', 'f', 'regexp', 'file']);
      // Long options and their values may be abbreviated (`--rec`, `-d rec`): any start counts.
      const recursive =
        given(walked, 'r', 'R') ||
        walked.options.some(
          (o) =>
            (o.name.length >= 3 &&
              ['recursive', 'dereference-recursive'].some((l) => l.startsWith(o.name))) ||
            (['d', 'directories'].includes(o.name) &&
              o.value !== undefined &&
              o.value.length >= 2 &&
              'recurse'.startsWith(o.value)),
        );
      return {
        paths: [...valueArg(walked, ['f', 'file', 'exclude-from']), ...operandArgs(operands)],
        implicit: recursive ? { path: '.' } : undefined,
        recursive,
        skips: grepSkips(walked, args),
      };
    }
    case 'rg': {
      const walked = walkOptions(args, RG);
      const noPattern = given(walked, 'e', 'f', 'regexp', 'file', 'files', 'type-list');
      const operands = noPattern ? walked.operands : walked.operands.slice(1);
      const depth = walked.options.filter((o) => o.name === 'd' || o.name === 'max-depth');
      return {
        paths: [...valueArg(walked, ['f', 'file', 'ignore-file']), ...operandArgs(operands)],
        implicit: { path: '.' },
        recursive: true,
        maxDepth: depth.length > 0 ? depthOf(depth.map((o) => o.value)) : undefined,
        namesOnly: given(walked, 'files'),
        skips: rgSkips(walked, args),
      };
    }
    case 'ls': {
      const walked = walkOptions(args, LS);
      return {
        paths: operandArgs(walked.operands),
        implicit: { path: '.' },
        recursive: given(walked, 'R', 'recursive'),
        namesOnly: true,
      };
    }
    case 'du': {
      const walked = walkOptions(args, DU);
      return {
        paths: [...valueArg(walked, ['X', 'exclude-from', 'files0-from']), ...operandArgs(walked.operands)],
        implicit: { path: '.' },
        recursive: true,
        namesOnly: true,
      };
    }
    case 'tree': {
      const walked = walkOptions(args, TREE);
      const levels = walked.options.filter((o) => o.name === 'L');
      return {
        paths: [...valueArg(walked, ['o'], true), ...operandArgs(walked.operands)],
        implicit: { path: '.' },
        recursive: true,
        maxDepth: levels.length > 0 ? depthOf(levels.map((o) => o.value)) : undefined,
        // `-R` writes 00Tree.html into every directory; `--fromfile` reads listings from files.
        namesOnly: !given(walked, 'R', 'o', 'fromfile'),
      };
    }
    case 'sed': {
      const { walked, operands } = searchArgs(args, SED_GRAMMAR, ['e', 'f', 'expression', 'file']);
      const inPlace = given(walked, 'i', 'in-place');
      return {
        paths: [...valueArg(walked, ['f', 'file']), ...operandArgs(operands, inPlace)],
        recursive: false,
        named: sedFiles(args),
      };
    }
    case 'awk':
    case 'gawk':
    case 'mawk': {
      const { walked, operands } = searchArgs(args, AWK, ['f', 'file']);
      // `var=value` operands are assignments, not files.
      const files = operands.filter((i) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i]?.value ?? ''));
      return {
        paths: [...valueArg(walked, ['f', 'file', 'include']), ...operandArgs(files)],
        recursive: false,
      };
    }
    case 'find':
      return findFileArgs(args);
    case 'git':
      return gitFileArgs(args);
    default:
      return undefined;
  }
}
