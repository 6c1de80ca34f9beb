// A shell without `-c` reads its code from stdin (`echo "rm -rf /" | bash`, `bash <<<…`, a heredoc,
// `bash -s`, `bash /dev/stdin`), and a shell or `source`/`.` given a process substitution
// (`bash <(echo …)`, `source <(…)`) reads the substitution's output. Where that code is literal —
// a here-string or quoted heredoc, or the words of an `echo`/`printf` of literal words — it is
// judged like a `-c` string. Where it is not (another program's output, a file, an expanding
// heredoc), the code cannot be judged: a denylist refuses it (invocations.ts), an allowlist does
// not allow shells anyway. A shell on the terminal's own stdin is interactive and not judged here.
import type { Node } from 'web-tree-sitter';
import { echoed, printfed } from './printed';
import { type FoundCommand, present, type ScanHost } from './scan';
import { scanShellOptions } from './shell-options';
import { terminalShellChange } from './shell-state';
import type { WrapperUse } from './types';
import type { WordParts } from './word-gaps';
import type { WordValue } from './words';
import { SHELLS } from './wrapper-table';

/**
 * Code a shell reads: literal text (each way it may read, see printed.ts), or something not known
 * until it runs (described in `what`).
 */
export type CodeInput = { kind: 'text'; texts: string[] } | { kind: 'unknown'; what: string };

/** Where one command's stdin and process-substitution operands come from. */
export interface CodeSources {
  /** `undefined` when stdin is the terminal's. */
  stdin?: CodeInput;
  /** Process-substitution words and what they produce. */
  operands: ReadonlyMap<WordValue, CodeInput>;
}

type WordOf = (node: Node) => WordValue;

const STDIN_PATH = /^\/+(dev\/+stdin|dev\/+fd\/+0|proc\/+(self|thread-self|\d+)\/+fd\/+0)\/*$/;
const OTHER_FD_PATH = /^\/+(dev\/+fd|proc\/+[^/]+\/+fd)\/+\d+\/*$/;
// Where the walk up from a command stops: what is above runs with its own stdin or later.
const BOUNDARY = new Set(['program', 'command_substitution', 'process_substitution', 'function_definition']);

// What an `echo`/`printf` of literal words prints, in each reading (printed.ts); `undefined` for
// anything else.
function printed(node: Node, word: WordOf): string[] | undefined {
  const body = node.type === 'redirected_statement' ? node.childForFieldName('body') : node;
  if (body?.type !== 'command') return undefined;
  const name = body.childForFieldName('name');
  const args = present(body.childrenForFieldName('argument')).map(word);
  if (!name || args.some((a) => !a.literal || a.expanded)) return undefined;
  if (name.text === 'echo') {
    let i = 0;
    while (/^-[neE]+$/.test(args[i]?.value ?? '')) i++;
    return echoed(args.slice(i).map((a) => a.value));
  }
  if (name.text !== 'printf' || args.length === 0) return undefined;
  return printfed(
    (args[0] as WordValue).value,
    args.slice(1).map((a) => a.value),
  );
}

function produced(node: Node, word: WordOf): CodeInput {
  const texts = printed(node, word);
  return texts === undefined
    ? { kind: 'unknown', what: `the output of '${node.text.slice(0, 60)}'` }
    : { kind: 'text', texts };
}

// The stdin a redirection gives, or `undefined` when it is not about stdin.
function redirected(r: Node, word: WordOf): CodeInput | undefined {
  if (r.type === 'herestring_redirect') {
    const value = r.namedChildren.find((c) => c !== null);
    const w = value ? word(value) : undefined;
    return w?.literal && !w.expanded
      ? { kind: 'text', texts: [`${w.value}\n`] }
      : { kind: 'unknown', what: `the here-string '${r.text.slice(0, 60)}'` };
  }
  if (r.type === 'heredoc_redirect') {
    const start = r.children.find((c) => c?.type === 'heredoc_start')?.text ?? '';
    const body = r.children.find((c) => c?.type === 'heredoc_body');
    const quoted = /['"\\]/.test(start);
    const text = body?.text ?? '';
    if (!quoted && /[$`\\]/.test(text)) return { kind: 'unknown', what: 'a heredoc that expands words' };
    const strip = r.text.startsWith('<<-') ? text.replace(/^\t+/gm, '') : text;
    return { kind: 'text', texts: [strip] };
  }
  if (r.type !== 'file_redirect') return undefined;
  const fd = r.children.find((c) => c?.type === 'file_descriptor')?.text;
  const op = r.children.find((c) => c !== null && !c.isNamed)?.type ?? '';
  if ((fd !== undefined && fd !== '0') || !['<', '<>', '<&'].includes(op)) return undefined;
  const target = r.childForFieldName('destination');
  if (op === '<' && target && word(target).value === '/dev/null') return { kind: 'text', texts: [''] };
  return { kind: 'unknown', what: `'${r.text.slice(0, 60)}'` };
}

/** Where the stdin of `command` (a `command` node) comes from; `undefined` for the terminal's. */
export function stdinOf(command: Node, word: WordOf): CodeInput | undefined {
  let found: CodeInput | undefined;
  for (const r of present(command.childrenForFieldName('redirect'))) found = redirected(r, word) ?? found;
  if (found) return found;
  let cur: Node = command;
  for (let parent = cur.parent; parent && !BOUNDARY.has(cur.type); cur = parent, parent = parent.parent) {
    if (parent.type === 'redirected_statement') {
      for (const r of present(parent.childrenForFieldName('redirect'))) found = redirected(r, word) ?? found;
      if (found) return found;
    }
    if (parent.type === 'pipeline') {
      const stages = parent.namedChildren.filter((c): c is Node => c !== null);
      const at = stages.findIndex((s) => s.id === cur.id);
      const before = stages[at - 1];
      if (at > 0 && before) return produced(before, word);
    }
  }
  return undefined;
}

/** The process-substitution arguments among a command's words (`parts`, valued as `words`) and what each produces. */
export function substitutedOperands(
  parts: readonly WordParts[],
  words: readonly WordValue[],
  word: WordOf,
): Map<WordValue, CodeInput> {
  const out = new Map<WordValue, CodeInput>();
  parts.forEach((p, i) => {
    const w = words[i];
    const arg = p.parts.length === 1 ? p.parts[0] : undefined;
    if (i === 0 || arg?.type !== 'process_substitution' || !w) return;
    const inner = arg.namedChildren.filter((c): c is Node => c !== null);
    const only = inner.length === 1 ? inner[0] : undefined;
    const texts = only ? printed(only, word) : undefined;
    out.set(
      w,
      texts === undefined
        ? { kind: 'unknown', what: `the output of '${arg.text.slice(0, 60)}'` }
        : { kind: 'text', texts },
    );
  });
  return out;
}

// The code an operand word names: a process substitution's output, or stdin by a device path.
function operandCode(w: WordValue, sources: CodeSources): CodeInput | undefined {
  const sub = sources.operands.get(w);
  if (sub) return sub;
  if (STDIN_PATH.test(w.value)) return sources.stdin;
  if (OTHER_FD_PATH.test(w.value)) return { kind: 'unknown', what: `the descriptor '${w.value}'` };
  return undefined;
}

/**
 * The code a shell without `-c`, or `source`/`.`, reads from stdin or a process substitution, or
 * `undefined` when it reads a script file (or the terminal).
 */
export function codeRead(program: string, words: WordValue[], sources: CodeSources): CodeInput | undefined {
  if (program === 'source' || program === '.') {
    const operand = words[1]?.value === '--' ? words[2] : words[1];
    return operand ? operandCode(operand, sources) : undefined;
  }
  if (!SHELLS.has(program)) return undefined;
  const scan = scanShellOptions(words);
  if ('error' in scan || scan.seen.has('c')) return undefined;
  const operand = words[scan.next];
  if (scan.seen.has('s') || !operand || operand.value === '-') return sources.stdin;
  return operandCode(operand, sources);
}

/**
 * Whether the shell `program` reads the terminal's later lines itself: no `-c`, no script, and
 * stdin (or `/dev/stdin` as its script) left to the terminal.
 */
function readsTerminal(program: string, words: WordValue[], sources: CodeSources): boolean {
  if (!SHELLS.has(program) || sources.stdin !== undefined) return false;
  const scan = scanShellOptions(words);
  if ('error' in scan || scan.seen.has('c')) return false;
  const operand = words[scan.next];
  return scan.seen.has('s') || !operand || operand.value === '-' || STDIN_PATH.test(operand.value);
}

/**
 * For a shell or `source` (`found`): literal code it reads from stdin or a process substitution is
 * walked like a `-c` string; code that is not known is recorded as a construct that a denylist
 * refuses too (Scan.unsure), and so is a POSIX sh left reading the terminal's later lines.
 */
export function readCode(
  host: ScanHost,
  found: FoundCommand,
  words: WordValue[],
  via: WrapperUse[],
  depth: number,
  sources: () => CodeSources,
): void {
  const name = found.command.program;
  if (!SHELLS.has(name) && name !== 'source' && name !== '.') return;
  const from = sources();
  const terminal = terminalShellChange(name);
  if (terminal && readsTerminal(name, words, from)) host.scan.unsure.push(terminal);
  const code = codeRead(name, words, from);
  if (code?.kind === 'text') for (const text of code.texts) host.source(text, via, depth + 1);
  else if (code) {
    found.construct ??= {
      rule: 'non-literal-command',
      reason: `'${found.command.text.slice(0, 80)}' runs code read from ${code.what}, which cannot be judged; a shell reading code from stdin or a process substitution runs whatever it reads`,
    };
    host.scan.unsure.push(found.construct);
  }
}
