// find's arguments: start points (`.` when none is given) walked recursively, then an expression
// whose tests take patterns (`-name secret`), numbers or formats, except those that name files
// (`-newer f`, `-samefile f`) or write them (`-fprint f`). `-exec … ;` words belong to the command
// find runs, which is judged on its own.
import type { FileArg, FileArgs } from './file-args';
import { findWalk } from './find-prune';
import { depthOf } from './option-walk';
import type { WordValue } from './words';

const LEADING = new Set(['-H', '-L', '-P']);
const EXPRESSION_START = new Set(['(', ')', '!', ',']);
const EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);
// Tests and actions whose one value is not a file.
const VALUE = new Set([
  '-name',
  '-iname',
  '-path',
  '-ipath',
  '-wholename',
  '-iwholename',
  '-regex',
  '-iregex',
  '-lname',
  '-ilname',
  '-type',
  '-xtype',
  '-user',
  '-group',
  '-uid',
  '-gid',
  '-perm',
  '-size',
  '-mtime',
  '-atime',
  '-ctime',
  '-mmin',
  '-amin',
  '-cmin',
  '-used',
  '-links',
  '-inum',
  '-fstype',
  '-printf',
  '-mindepth',
  '-maxdepth',
  '-context',
  '-regextype',
]);
const READS = new Set(['-newer', '-anewer', '-cnewer', '-samefile', '-files0-from']);
const WRITES = new Set(['-fprint', '-fprint0', '-fls', '-fprintf']);

/** find's file arguments; see the module comment. */
export function findFileArgs(args: readonly WordValue[]): FileArgs {
  const paths: FileArg[] = [];
  const depths: Array<string | undefined> = [];
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i]?.value ?? '';
    if (LEADING.has(w) || /^-O\d*$/.test(w)) continue;
    if (w === '-D') i++;
    else break;
  }
  for (; i < args.length; i++) {
    const w = args[i]?.value ?? '';
    if (w.startsWith('-') || EXPRESSION_START.has(w)) break;
    paths.push({ index: i, offset: 0, operand: true });
  }
  let unknownStarts = false;
  const expressionAt = i;
  for (; i < args.length; i++) {
    const w = args[i]?.value ?? '';
    if (EXEC.has(w)) {
      while (i + 1 < args.length && ![';', '+'].includes(args[i + 1]?.value ?? '')) i++;
      i++;
    } else if (VALUE.has(w)) {
      if (w === '-maxdepth') depths.push(args[i + 1]?.value);
      i++;
    } else if (READS.has(w) || WRITES.has(w) || /^-newer..$/.test(w)) {
      // `-newermt DATE` compares with a time, `-newerXY FILE` with a file.
      if (!/^-newer.t$/.test(w)) paths.push({ index: i + 1, offset: 0, write: WRITES.has(w) });
      if (w === '-files0-from') unknownStarts = true;
      i += w === '-fprintf' ? 2 : 1;
    } else if (!w.startsWith('-') && !EXPRESSION_START.has(w)) {
      // A stray word find would reject: judged as a path, which errs towards denying.
      paths.push({ index: i, offset: 0 });
    }
  }
  const words = args.map((w) => w.value);
  return {
    ...findWalk(args, expressionAt, words),
    paths: paths.filter((p) => p.index < args.length),
    // Start points read from a file could be anything, the root included.
    implicit: unknownStarts ? { path: '/', always: true } : { path: '.' },
    recursive: true,
    maxDepth: depths.length > 0 ? depthOf(depths) : undefined,
  };
}
