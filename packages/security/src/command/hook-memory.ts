// The `protectShellIntegration` rule's look at paths that name a process's memory. A subshell is
// a fork of the shell, so its own `/proc/self/mem` (like the shell's `/proc/$$/mem`) holds the
// hook functions and their shell-integration key: `( exec 3</proc/self/mem; perl … <&3 )` reads it.
// Judged twice: on the whole line as the shell will see it (every string, also inside `perl -e`
// code or `dd if=`), by path shape, expansions and globs included; and on the words that name
// files, resolved from each directory the line may be in and through symlinks (`cd /proc/self;
// cat mem`, a link to /proc made earlier).
import { expandBraces } from './braces';
import { type LineLinks, viaLinks } from './deny-forms';
import { expandGlob, globMatch, hasGlob } from './globs';
import { type HookFinding, hookFinding } from './hook-findings';
import { components } from './path-guard';
import type { PathRef } from './path-refs';
import { resolveReal } from './real-paths';

/** How a path component may turn out: this name, any name (`*`), unknown (`$x`), or not it. */
type Match = 'yes' | 'any' | 'maybe' | 'no';

const GLOB = /[*?[(]/;
// `$x`, `` `…` ``, and `~+`/`~-` (bash's current and previous directories) at a word's start.
const DYNAMIC = /[$`]|^~[+-]$/;
// A name no pattern that means one file in particular matches (`m*` does not, `*` does).
const PROBE = 'orchflow-probe';
const WHY = "reading a shell's memory reveals its shell-integration key";

function certainFinding(snippet: string): HookFinding {
  return hookFinding(snippet, `names a process's memory (/proc/<pid>/mem): ${WHY}`, true);
}

function unknownFinding(snippet: string, what: string): HookFinding {
  return hookFinding(
    snippet,
    `may name a process's memory (/proc/<pid>/mem): ${what} only known at run time, and ${WHY}; write the path literally`,
    false,
  );
}

function tooManyFinding(snippet: string, dir: string): HookFinding {
  return hookFinding(
    snippet,
    `may name a process's memory (/proc/<pid>/mem): '${dir.slice(0, 60)}' matches more paths than are checked for links into /proc, and ${WHY}; name fewer paths`,
    false,
  );
}

// A glob component as a plain glob: extglob and zsh groups (`@(mem)`, `m(e)m`, `(#i)MEM`) and zsh
// exclusions (`^maps`, `m*~x`) widen to `*` or drop the exclusion (fail closed).
function simplified(component: string): string {
  return component
    .replace(/[@?*+!]?\([^()]*\)#*/g, '*')
    .replace(/^\^.*$/s, '*')
    .replace(/~.*$/s, '')
    .replace(/[()#]/g, '');
}

// Globs are compared case-insensitively (nocaseglob, zsh `(#i)`).
function could(component: string, name: string): Match {
  if (DYNAMIC.test(component)) return 'maybe';
  if (!GLOB.test(component) && !component.startsWith('^')) return component === name ? 'yes' : 'no';
  const glob = simplified(component);
  if (!globMatch(glob, name, true)) return 'no';
  return globMatch(glob, PROBE, true) ? 'any' : 'yes';
}

/**
 * Whether `path` has the shape `…/proc/<pid>/…/mem`: 'yes' when it does as written (globs
 * included), 'maybe' when only run-time parts (`$p/mem`, `/proc/self/$f`) could give it that shape.
 * `absolute`: the path starts at `/`, so a glob as its first component may stand for `proc`.
 */
function memoryShape(path: string, absolute: boolean): 'yes' | 'maybe' | 'no' {
  const parts = components(path);
  const last = parts.length - 1;
  const mem = last >= 0 ? could(parts[last] as string, 'mem') : 'no';
  if (mem === 'no') return 'no';
  let found: 'yes' | 'maybe' | 'no' = 'no';
  for (let i = 0; i < last; i++) {
    const proc = could(parts[i] as string, 'proc');
    // A glob stands for `proc` only at the root: `/*/self/mem`, not `/tmp/*/*/*`.
    if (i <= last - 2 && (proc === 'yes' || (proc === 'any' && absolute && i === 0 && mem !== 'maybe')))
      return mem === 'maybe' ? 'maybe' : 'yes';
    // `$p/mem`, `/tmp/$x/mem`: the run-time part may be `/proc/self` or `../proc/self`.
    if (proc === 'maybe' && mem === 'yes') found = 'maybe';
  }
  return found;
}

// Where a balanced `(…)`, `{…}` or backtick group opened at `i` ends (the index after it).
function groupEnd(text: string, i: number): number {
  if (text[i] === '`') {
    const close = text.indexOf('`', i + 1);
    return close < 0 ? text.length : close + 1;
  }
  const [open, close] = text[i] === '{' ? ['{', '}'] : ['(', ')'];
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    if (text[j] === open) depth++;
    else if (text[j] === close && --depth === 0) return j + 1;
  }
  return text.length;
}

// Separators of wide runs (a comma only outside a brace group); narrow runs also split at every
// expansion and group.
const SEPARATOR = /[\s;|&<>'"=:,]/;
const NARROW_SEPARATOR = /[\s;|&<>'"=:,$`(){}]/;

/**
 * The path-like runs of `text`. Wide runs keep expansions and glob groups whole (`/proc/$(cat
 * f)/mem`, `/proc/self/@(mem)`) and brace groups with their commas; narrow runs split at every
 * expansion and group, so a path inside one (`perl -e 'open F, "/proc/self/mem"'`) is a run too.
 */
function runs(text: string): string[] {
  const out = text.split(NARROW_SEPARATOR).filter((run) => run !== '');
  let run = '';
  let braces = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const next = text[i + 1];
    if (ch === '`' || (ch === '$' && (next === '(' || next === '{')) || (ch === '(' && run !== '')) {
      const end = groupEnd(text, ch === '$' ? i + 1 : i);
      run += text.slice(i, end);
      i = end - 1;
      continue;
    }
    if (ch === '{') braces++;
    else if (ch === '}' && braces > 0) braces--;
    if (ch === '(' || ch === ')' || (SEPARATOR.test(ch) && !(ch === ',' && braces > 0))) {
      if (run !== '') out.push(run);
      run = '';
      braces = 0;
    } else run += ch;
  }
  if (run !== '') out.push(run);
  return out;
}

// Whether `run` has a `{` followed by `,` or `.` before the next `}` (what /\{[^}]*[,.][^}]*\}/
// tests, in linear time: that regex backtracks quadratically over `{` and 60 000 commas).
function hasBraceList(run: string): boolean {
  let open = false;
  let separated = false;
  for (const ch of run) {
    if (ch === '{') open = true;
    else if ((ch === ',' || ch === '.') && open) separated = true;
    else if (ch === '}') {
      if (separated) return true;
      open = false;
    }
  }
  return false;
}

// A run after brace expansion; one that expands to too many words has its groups widened to `*`.
function alternatives(run: string): string[] {
  if (!hasBraceList(run)) return [run];
  return expandBraces(run) ?? [run.replace(/\{[^{}]*\}/g, '*')];
}

/**
 * Findings for every run of `text` (a command line after quote removal and decoding) that names
 * a process's memory, or could once its run-time parts are known.
 */
export function memoryTextFindings(text: string): HookFinding[] {
  const found: HookFinding[] = [];
  for (const run of runs(text)) {
    if (!run.includes('/')) continue;
    for (const path of alternatives(run)) {
      const shape = memoryShape(path, path.startsWith('/'));
      // A certain finding is judged first, so nothing after it matters.
      if (shape === 'yes') return [certainFinding(run), ...found];
      if (shape === 'maybe' && found.length === 0)
        found.push(unknownFinding(run, `'${run.slice(0, 60)}' is`));
    }
  }
  return found;
}

// Whether `dir` (each directory a glob in it matches now) resolves through symlinks to one under
// /proc where `last` names a process's memory: `unknown` when the glob matches more paths than are
// checked (fail closed: a directory with many entries must not hide a link into /proc). Memoised
// per line, since every word may ask.
function resolvesToMemory(dir: string, last: string, memo: Map<string, Reach>): Reach {
  const key = `${dir}\0${last}`;
  let reach = memo.get(key);
  if (reach === undefined) {
    const dirs = hasGlob(dir) ? expandGlob(dir, '', { leavingOnly: true }) : [dir];
    if (dirs === undefined) reach = 'unknown';
    else reach = dirs.some((d) => memoryShape(`${resolveReal(d)}/${last}`, true) === 'yes') ? 'yes' : 'no';
    memo.set(key, reach);
  }
  return reach;
}

type Reach = 'yes' | 'no' | 'unknown';

// `text` with each brace group (too many alternatives to list) widened to `*`, which matches
// whatever it may give within one component; undefined when a group holds a `/`.
function widenedBraces(text: string): string | undefined {
  let out = text;
  for (let inner = /\{[^{}]*\}/g; inner.test(out); inner.lastIndex = 0) {
    if (/\{[^{}]*\/[^{}]*\}/.test(out)) return undefined;
    out = out.replace(inner, '*');
  }
  return out;
}

/**
 * A word with run-time parts (or more brace alternatives than are listed): the line's text is
 * judged by shape (`/proc/1/$f`), which cannot see that `p/$f` is the same word when `p` is a link
 * to /proc/1. So the directory before its first run-time part is resolved through symlinks as it
 * is now: its globs matched, its brace groups as globs (`*\/$f`, `{p,x}/$f`), a directory name
 * with a run-time part as its literal start and a `*` (`p$e/$f` as `p*`), no directory as each
 * directory the line may be in (`cd /proc/1 && cat $f`). The rest of the word is judged by shape
 * from each directory it is.
 */
function expandedFinding(
  ref: PathRef,
  cwds: readonly string[] | undefined,
  links: LineLinks | undefined,
): HookFinding | undefined {
  const { prefix, value } = ref.word;
  // `~+/$f`, `~-/$f`: a directory only known at run time; the shape of the text is judged.
  if (value.startsWith('~')) return undefined;
  // The first run-time part after the literal prefix (a `$` in the prefix is quoted text).
  const found = value.slice(prefix.length).search(/[$`]/);
  const runtime = found < 0 ? value.length : prefix.length + found;
  const before = value.lastIndexOf('/', runtime - 1) + 1;
  const after = value.indexOf('/', runtime);
  // A directory name with a literal start and a run-time part stands for every name with that
  // start; one that starts with it (`$d/$f`) may be anything: judged from the line's directory.
  const widen = found >= 0 && after >= 0 && runtime > before;
  const head = widen ? `${value.slice(0, runtime)}*/` : value.slice(0, before);
  const tail = widen ? value.slice(after + 1) : value.slice(before);
  let dir = widenedBraces(head);
  const rest = dir === undefined ? undefined : widenedBraces(tail);
  // A brace group with a `/` before the run-time part: only the literal start is placed.
  if (dir === undefined) dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const absolute = dir.startsWith('/');
  if (!absolute && cwds === undefined) return undefined;
  for (const base of absolute ? [''] : (cwds ?? [])) {
    const joined = (absolute ? dir : `${base}/${dir}`).replace(/\/+$/, '') || '/';
    const dirs = hasGlob(joined) ? expandGlob(joined, '', { leavingOnly: true }) : [joined];
    if (dirs === undefined) return tooManyFinding(ref.text, joined);
    for (const each of [...dirs, ...dirs.flatMap((d) => viaLinks(d, links))]) {
      const real = resolveReal(each);
      // The rest holds a brace group with a `/`: only its place under /proc is known.
      if (rest === undefined) {
        if (real === '/proc' || real.startsWith('/proc/'))
          return unknownFinding(ref.text, `'${each}' is ${real}, and the rest of '${value}' is`);
        continue;
      }
      const shape = memoryShape(`${real}/${rest}`, true);
      if (shape === 'yes') return certainFinding(ref.text);
      if (shape === 'maybe')
        return unknownFinding(ref.text, `'${each}' is ${real}, and the rest of '${value}' is`);
    }
  }
  return undefined;
}

/**
 * Findings for the file words of a command line (`refs`) that reach a process's memory from one of
 * `cwds` (every directory the line may be in; `undefined` when a `cd` target is not literal),
 * seeing through symlinks as they are now.
 */
export function memoryPathFindings(
  refs: readonly PathRef[],
  cwds: readonly string[] | undefined,
  links?: LineLinks,
): HookFinding[] {
  const resolved = new Map<string, Reach>();
  const unsure: HookFinding[] = [];
  for (const ref of refs) {
    if (ref.word.expanded) {
      const finding = expandedFinding(ref, cwds, links);
      if (finding?.certain) return [finding];
      if (finding && unsure.length === 0) unsure.push(finding);
      continue;
    }
    for (const text of ref.word.alternatives ?? [ref.word.value]) {
      const slash = text.lastIndexOf('/');
      const last = text.slice(slash + 1);
      const mem = could(last, 'mem');
      if (mem === 'no' || text === '') continue;
      const absolute = text.startsWith('/');
      if (!absolute && cwds === undefined) {
        if (mem === 'yes') return [unknownFinding(ref.text, `the directory of '${text}' is`)];
        continue;
      }
      for (const base of absolute ? [''] : (cwds ?? [])) {
        const joined = base === '' ? text : `${base}/${text}`;
        if (memoryShape(joined, true) === 'yes') return [certainFinding(ref.text)];
        // Through a link an earlier command of the line makes (`ln -s /proc/self s; cat s/mem`).
        if (viaLinks(joined, links).some((via) => memoryShape(via, true) === 'yes'))
          return [certainFinding(ref.text)];
        const dir = joined.slice(0, joined.lastIndexOf('/')) || '/';
        const reach = resolvesToMemory(dir, last, resolved);
        if (reach === 'yes') return [certainFinding(ref.text)];
        if (reach === 'unknown' && unsure.length === 0) unsure.push(tooManyFinding(ref.text, dir));
      }
    }
  }
  return unsure;
}
