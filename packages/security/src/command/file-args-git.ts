// git's file arguments for the subcommands whose option values are search terms or messages
// (`git log --grep secret`, `git log -S secret`, `git commit -m secret`): those are not paths.
// `git grep` walks the working tree from the cwd (or its pathspecs); its pathspec globs match
// across directories, so they are judged from their literal directory. Other subcommands have
// every argument judged as a possible path. What git reads from history (a forbidden file's old
// content) is beyond a path check: see docs/security.md.
import type { FileArg, FileArgs } from './file-args';
import { type Grammar, walkOptions } from './option-walk';
import { plainSkip, type WalkSkip } from './walk-skips';
import type { WordValue } from './words';

const GLOBAL: Grammar = {
  short: 'Cc',
  long: ['git-dir', 'work-tree', 'namespace', 'super-prefix', 'config-env', 'list-cmds', 'attr-source'],
  posix: true,
};
const GREP: Grammar = {
  short: 'efABCm',
  attached: 'O',
  long: ['max-depth', 'threads', 'context', 'after-context', 'before-context', 'max-count'],
};
// Only options git also accepts with the value in the next word are listed: listing one that only
// takes `--x=value` would hide the next word from the check.
const LOG: Grammar = {
  short: 'nSGOIL',
  attached: 'UMCBl',
  long: [
    'max-count',
    'skip',
    'since',
    'after',
    'until',
    'before',
    'author',
    'committer',
    'grep-reflog',
    'grep',
    'find-object',
    'output',
    'diff-filter',
    'word-diff-regex',
    'anchored',
    'inter-hunk-context',
    'ws-error-highlight',
    'src-prefix',
    'dst-prefix',
    'line-prefix',
    'ignore-matching-lines',
    'rotate-to',
    'skip-to',
  ],
};
const COMMIT: Grammar = {
  short: 'mFCct',
  long: [
    'message',
    'file',
    'author',
    'date',
    'trailer',
    'fixup',
    'squash',
    'reuse-message',
    'reedit-message',
    'cleanup',
    'template',
    'pathspec-from-file',
  ],
};
// format-patch also writes: `-o`/`--output-directory DIR` (a patch file per commit) and `--output`.
const FORMAT_PATCH: Grammar = {
  ...LOG,
  short: `${LOG.short}ov`,
  long: [
    ...LOG.long,
    'output-directory',
    'reroll-count',
    'subject-prefix',
    'in-reply-to',
    'to',
    'cc',
    'add-header',
    'signature',
    'signature-file',
    'description-file',
    'base',
    'suffix',
    'filename-max-length',
    'creation-factor',
  ],
};
const HISTORY = new Set(['log', 'show', 'diff', 'whatchanged', 'shortlog', 'rev-list', 'format-patch']);
// A revision rather than a path: HEAD~2, main^, v1.0:file, refs/…, an abbreviated object id.
const REVISION = /^(@|HEAD|FETCH_HEAD|ORIG_HEAD|MERGE_HEAD)([~^].*)?$|^[0-9a-f]{7,40}$|[~^:]|^refs\//;

// `:!x`, `:^x`, `:(exclude)x` with a literal path: git skips x and everything below it, relative
// to the cwd (only negative pathspecs given: the walk is the cwd's, as with none).
const EXCLUDE_SPEC = /^:(?:[!^]|\(exclude\))(?!:)([^*?[\]:(]+)$/;
function excludeSpec(word: WordValue | undefined, base: string | undefined): WalkSkip | undefined {
  const m = word?.literal ? EXCLUDE_SPEC.exec(word.value) : null;
  return m?.[1] ? plainSkip({ under: m[1], ...(base === undefined ? {} : { base }) }) : undefined;
}

/** git's file arguments, or `undefined` (every word judged) for forms this does not model. */
export function gitFileArgs(args: readonly WordValue[]): FileArgs | undefined {
  const global = walkOptions(args, GLOBAL);
  const subAt = global.operands[0];
  if (subAt === undefined) return undefined;
  let base: string | undefined;
  // Each `-C DIR` is itself a directory git works in: judged from the directory before it.
  const dirs: FileArg[] = [];
  for (const o of global.options) {
    if (['git-dir', 'work-tree'].includes(o.name)) return undefined;
    if (o.name !== 'C') continue;
    const word = o.valueAt && args[o.valueAt.index];
    if (!word?.literal || !o.value || !o.valueAt) return undefined;
    dirs.push({ ...o.valueAt, ...(base === undefined ? {} : { base }) });
    base = base === undefined || o.value.startsWith('/') ? o.value : `${base}/${o.value}`;
  }
  const sub = args[subAt]?.value ?? '';
  const rest = args.slice(subAt + 1);
  const at = (i: number) => i + subAt + 1;
  const arg = (index: number, offset = 0, write = false): FileArg => ({
    index: at(index),
    offset,
    ...(write ? { write } : {}),
    ...(base === undefined ? {} : { base }),
  });
  if (sub === 'grep') {
    const walked = walkOptions(rest, GREP);
    const patternGiven = walked.options.some((o) => o.name === 'e' || o.name === 'f');
    const operands = patternGiven ? walked.operands : walked.operands.slice(1);
    const specs = operands.filter(
      (i) => (walked.end !== undefined && i > walked.end) || !REVISION.test(rest[i]?.value ?? ''),
    );
    // Exclude pathspecs (`:!x`, `:^x`, `:(exclude)x`) name what the walk skips; other magic
    // pathspecs (`:/`, `:(top)x`) can reach the whole repository, whose root is not known here.
    const excluded = new Map<number, WalkSkip>();
    for (const i of specs) {
      const skip = excludeSpec(rest[i], base);
      if (skip) excluded.set(i, skip);
    }
    const skips = [...excluded.values()];
    const positive = specs.filter((i) => !excluded.has(i));
    const magic = positive.some((i) => (rest[i]?.value ?? '').startsWith(':'));
    const files = walked.options.flatMap((o) =>
      o.name === 'f' && o.valueAt ? [arg(o.valueAt.index, o.valueAt.offset)] : [],
    );
    return {
      paths: [...dirs, ...files, ...positive.map((i) => ({ ...arg(i), pathspec: true, operand: true }))],
      implicit: magic ? { path: '/', always: true } : { path: '.', ...(base === undefined ? {} : { base }) },
      recursive: true,
      skips,
    };
  }
  if (HISTORY.has(sub) || sub === 'commit') {
    const walked = walkOptions(rest, sub === 'commit' ? COMMIT : sub === 'format-patch' ? FORMAT_PATCH : LOG);
    const paths = walked.operands.map((i) => arg(i));
    for (const o of walked.options) {
      if (!o.valueAt || o.value === undefined) continue;
      const { index, offset } = o.valueAt;
      if (['O', 'F', 'file', 'template', 'pathspec-from-file'].includes(o.name))
        paths.push(arg(index, offset));
      if (['output', 'o', 'output-directory'].includes(o.name)) paths.push(arg(index, offset, true));
      if (['signature-file', 'description-file'].includes(o.name)) paths.push(arg(index, offset));
      // `-L <range>:<file>`: the file follows the last colon.
      if (o.name === 'L' && o.value.includes(':'))
        paths.push(arg(index, offset + o.value.lastIndexOf(':') + 1));
    }
    return { paths: [...dirs, ...paths], recursive: false };
  }
  // Other subcommands: every word may be a path, relative to the last `-C` when there is one
  // (`git -C ~ add .ssh/id_rsa` names ~/.ssh/id_rsa), as the generic reading does from the cwd.
  if (base === undefined) return undefined;
  const paths = rest.flatMap((w, i) => {
    const v = w.value;
    const offset = v.startsWith('--') ? v.indexOf('=') + 1 : v.startsWith('-') ? v.search(/[/~]/) : 0;
    return offset < 0 || (offset === 0 && v.startsWith('-')) ? [] : [arg(i, offset)];
  });
  const recursive = rest.some((w) => w.value === '--recursive' || /^-[A-Za-z]*[rR][A-Za-z]*$/.test(w.value));
  return { paths: [...dirs, ...paths], recursive };
}
