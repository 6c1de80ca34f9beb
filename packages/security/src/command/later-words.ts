// A denylist has to hold against wrappers it does not model (`setarch x86_64 rm -rf /`, a newer
// tool, a loader): a deny rule also matches when its program appears as a later word of a command,
// judged from that word on as if it were the command. Programs that never run their argument words
// as a command are exempt, so `echo rm -rf /`, `grep sudo notes.txt` or `man shutdown` stay
// allowed. The exemption is a list because the default must be the safe reading: an unknown
// program with a denied program among its words is refused.
import type { CommandRule, Invocation } from './rules';
import { matchDenied } from './rules';
import type { WordValue } from './words';

/** Programs that never run one of their argument words as a command (text, file and lookup tools). */
export const NON_EXECUTING: ReadonlySet<string> = new Set([
  // Printing and searching text.
  'echo',
  'printf',
  'grep',
  'egrep',
  'fgrep',
  'zgrep',
  'rg',
  'ag',
  'ack',
  'git',
  'cat',
  'tac',
  'head',
  'tail',
  'less',
  'more',
  'wc',
  'sort',
  'uniq',
  'cut',
  'tr',
  'paste',
  'join',
  'comm',
  'diff',
  'cmp',
  'column',
  'fold',
  'fmt',
  'nl',
  'od',
  'xxd',
  'hexdump',
  'strings',
  'base64',
  'md5sum',
  'sha1sum',
  'sha256sum',
  'sha512sum',
  'jq',
  'yq',
  'sed',
  'awk',
  // Looking programs up.
  'man',
  'info',
  'whatis',
  'apropos',
  'which',
  'whereis',
  'type',
  'help',
  'hash',
  'compgen',
  'complete',
  // Files by name.
  'ls',
  'dir',
  'tree',
  'file',
  'stat',
  'du',
  'find',
  'locate',
  'basename',
  'dirname',
  'realpath',
  'readlink',
  'touch',
  'mkdir',
  'rmdir',
  'rm',
  'cp',
  'mv',
  'ln',
  'tee',
  'chmod',
  'chgrp',
  'test',
  '[',
  'cd',
  'pushd',
  'vi',
  'vim',
  'nano',
  // Processes by name.
  'kill',
  'pkill',
  'pgrep',
  'killall',
  'pidof',
  'ps',
  // Shell state.
  'export',
  'unset',
  'declare',
  'typeset',
  'local',
  'readonly',
  'read',
  'set',
  'shopt',
  'history',
  'unalias',
]);

// Test and build runners: the words after these subcommands name tests, scripts or targets, which
// the runner never executes as commands (`npm test -- --grep shutdown`, `make sudo-docs`). Their
// exec forms (`npm exec`, `npx`, `pnpm dlx`, `yarn dlx`) are not listed: those run a program.
const RUNNER_SUBCOMMANDS: Readonly<Record<string, ReadonlySet<string>>> = {
  npm: new Set(['test', 't', 'run', 'run-script', 'start', 'install', 'i', 'ci']),
  pnpm: new Set(['test', 't', 'run', 'start', 'install', 'i', 'add', 'vitest', 'jest']),
  yarn: new Set(['test', 'run', 'start', 'install', 'add']),
  cargo: new Set(['test', 'build', 'check', 'run', 'bench', 'clippy']),
  go: new Set(['test', 'build', 'vet']),
};
const RUNNERS = new Set(['make', 'pytest', 'jest', 'vitest', 'mocha']);

function runsNoArgument(program: string, words: readonly WordValue[]): boolean {
  if (NON_EXECUTING.has(program) || RUNNERS.has(program)) return true;
  const subcommand = words[1]?.literal ? words[1].value : undefined;
  return subcommand !== undefined && RUNNER_SUBCOMMANDS[program]?.has(subcommand) === true;
}

function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || path;
}

/**
 * For a program not in {@link NON_EXECUTING} (nor a test or build runner's test/run/build form):
 * each tail of `words` that starts at a later literal
 * word naming the program of one of `rules`, as the invocation it would be if that word ran.
 */
export function laterWordTails(
  program: string,
  words: readonly WordValue[],
  rules: readonly CommandRule[],
): Invocation[] {
  if (rules.length === 0 || runsNoArgument(program, words)) return [];
  const names = rules.map((r) => ({ ...r, args: [], tokens: [] }));
  const tails: Invocation[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as WordValue;
    if (!word.literal || word.value === '' || word.value.startsWith('-')) continue;
    const name = basename(word.value);
    const tail = { program: name, programPath: word.value, argv: words.slice(i + 1).map((w) => w.value) };
    if (matchDenied(names, { program: name, programPath: word.value, argv: [] })) tails.push(tail);
  }
  return tails;
}
