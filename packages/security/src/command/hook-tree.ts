// The `protectShellIntegration` rule's look at a parsed command line as a whole: the hooks' names
// anywhere in it (judged after quote removal, `$'…'` decoding, line continuations and brace
// expansion, so `__orch''flow`, `$'\x5f_orchflow'` and `{__orch,}flow` count), the protected
// variables wherever they are read or named, functions that replace what the hooks call, `exec`
// redirecting the shell's own input or output, and expansions whose variable is chosen at run time.
import type { Node } from 'web-tree-sitter';
import { expandBraces } from './braces';
import { spend } from './budget';
import { type HookFinding, hookFinding } from './hook-findings';
import { memoryTextFindings } from './hook-memory';
import {
  decodeAnsiC,
  isHookCallable,
  isHookVariable,
  listsHookVariables,
  SHELL_INTEGRATION_PREFIX,
} from './hook-names';

function kids(node: Node): Node[] {
  return node.children.filter((c): c is Node => c !== null);
}

const unescapeWord = (text: string) => text.replace(/\\(.|\n|$)/g, (_, c: string) => (c === '\n' ? '' : c));

// One pass over the tree: each node is judged (nodeFinding), and its text is rebuilt as the shell
// will see it: quotes removed, escapes and `$'…'` decoded, line continuations removed also between
// nodes (tree-sitter splits `__orch\<newline>flow` in two).
class Walk {
  readonly findings: HookFinding[] = [];
  constructor(private readonly source: string) {}

  decode(node: Node, parent?: Node): string {
    spend(1, 'walking the syntax tree');
    const found = nodeFinding(node, parent, this.source);
    if (found && !this.findings.some((f) => f.certain === found.certain)) this.findings.push(found);
    switch (node.type) {
      case 'ansi_c_string':
        return decodeAnsiC(node.text.slice(2, -1));
      case 'raw_string':
        return node.text.slice(1, -1);
      case 'string_content':
        return node.text.replace(/\\([$`"\\\n])/g, (_, c: string) => (c === '\n' ? '' : c));
      case 'word':
      case 'number':
        return unescapeWord(node.text);
      case '"':
        return '';
    }
    let out = '';
    let at = node.startIndex;
    let leaf = true;
    for (const child of node.children) {
      if (!child) continue;
      leaf = false;
      out += this.source.slice(at, child.startIndex).replace(/\\\n/g, '');
      out += this.decode(child, node);
      at = child.endIndex;
    }
    return leaf ? node.text : out + this.source.slice(at, node.endIndex).replace(/\\\n/g, '');
  }
}

/** The text of `node` as the shell will see it (see {@link Walk}); its findings are dropped. */
function decoded(node: Node, source: string): string {
  return new Walk(source).decode(node);
}

// Whether brace expansion of any token of `text` spells the prefix. A token with too many
// alternatives to expand counts when it holds every letter of the prefix (fail closed).
function bracesSpellPrefix(text: string): boolean {
  for (const token of text.split(/[\s;|&()<>]+/)) {
    if (!token.includes('{')) continue;
    const words = expandBraces(token);
    if (words === undefined) {
      if ([...SHELL_INTEGRATION_PREFIX].every((c) => token.includes(c))) return true;
    } else if (words.some((w) => w.includes(SHELL_INTEGRATION_PREFIX))) return true;
  }
  return false;
}

const ARITHMETIC_PARENTS = new Set([
  'subscript',
  'binary_expression',
  'unary_expression',
  'ternary_expression',
  'postfix_expression',
  'parenthesized_expression',
  'arithmetic_expansion',
]);

// `[[ x == PS1 ]]` compares a string; `[[ PS1 -eq 1 ]]`, `[[ -v PS1 ]]` and `a[PS1]` name a variable.
function readsAsVariable(parent: Node | undefined): boolean {
  if (!parent || !ARITHMETIC_PARENTS.has(parent.type)) return false;
  const op = kids(parent).find((c) => c.type === 'test_operator')?.text;
  return op === undefined || /^-(eq|ne|lt|le|gt|ge|v|R)$/.test(op);
}

// A redirection of `exec` without a command moves the shell's own fds for good.
function redirectsShellStdio(node: Node, source: string): boolean {
  const body = node.childForFieldName('body');
  if (body?.type !== 'command') return false;
  const words = kids(body).map((w) => decoded(w, source));
  // tree-sitter reads the `0` of `exec 0</tmp/x` as an argument; bash reads a descriptor.
  const glued = /^\d+$/.test(words.at(-1) ?? '') && /[<>]/.test(source[body.endIndex] ?? '');
  const fdWord = glued ? words.pop() : undefined;
  if (words.at(-1) !== 'exec' || !words.every((w) => ['builtin', 'command', 'exec'].includes(w)))
    return false;
  return kids(node).some((r) => {
    if (!/redirect$/.test(r.type)) return false;
    const fd = kids(r).find((c) => c.type === 'file_descriptor')?.text ?? fdWord;
    return fd === undefined || /^[012]$/.test(fd);
  });
}

/** Every way `root` (parsed from `source`) reaches the hooks, certain ones first. */
export function hookTreeFindings(root: Node, source: string): HookFinding[] {
  const walk = new Walk(source);
  const text = walk.decode(root);
  const findings: HookFinding[] = [];
  const raw = source.replace(/\\\n/g, '').replace(/['"\\]/g, '');
  const spelled = [text, raw].find((t) => t.includes(SHELL_INTEGRATION_PREFIX));
  if (spelled !== undefined || bracesSpellPrefix(text)) {
    const name = /__orchflow\w*/.exec(spelled ?? '')?.[0] ?? SHELL_INTEGRATION_PREFIX;
    findings.push(hookFinding(source, `touches orchflow's shell integration (${name})`, true));
  }
  findings.push(...walk.findings);
  // A forked subshell's /proc/self/mem is a copy of the shell, key included (hook-memory.ts).
  findings.push(...memoryTextFindings(text));
  // Where tree-sitter gave up on part of the line (`${!_*}`, zsh's `${(P)x}`), read the text itself.
  if (root.hasError) findings.push(...sourceFindings(source));
  return findings;
}

// `${!x}` reads the variable x names, `${!p*}` lists names, `${!a[@]}` lists an array's keys,
// `${x@P}` runs x's value as a prompt string; `text` is one expansion or, as a backstop, the line.
function expansionFindings(text: string): HookFinding[] {
  const found: HookFinding[] = [];
  for (const m of text.matchAll(/\$\{!([^}]*)\}/g)) {
    const inner = m[1] as string;
    const listing = /^([A-Za-z_][A-Za-z0-9_]*)[*@]$/.exec(inner);
    if (listing && listsHookVariables(listing[1] as string))
      found.push(hookFinding(m[0], 'lists the names of protected variables', true));
    else if (!listing && !/^[A-Za-z_][A-Za-z0-9_]*\[[@*]\]$/.test(inner))
      found.push(hookFinding(m[0], 'reads a variable whose name is only known at run time', false));
  }
  if (/@P\}/.test(text))
    found.push(hookFinding(text, 'expands a value as a prompt string, which can read any variable', false));
  return found;
}

// A line tree-sitter could not fully parse, judged on its text: a quoted lookalike counts too.
function sourceFindings(source: string): HookFinding[] {
  const found = expansionFindings(source);
  const read = [...source.matchAll(/\$\{?[#!]?([A-Za-z_][A-Za-z0-9_]*)/g)].find((m) =>
    isHookVariable(m[1] as string),
  );
  if (read) found.push(hookFinding(source, `reads ${read[1]}`, true));
  // zsh parameter flags: `${(P)x}` reads the variable x names, `${(e)x}`/`${(%)x}` evaluate it.
  if (/\$\{\s*\(/.test(source))
    found.push(
      hookFinding(source, 'uses zsh parameter flags, which can read a variable named at run time', false),
    );
  return found;
}

function nodeFinding(node: Node, parent: Node | undefined, source: string): HookFinding | undefined {
  switch (node.type) {
    case 'variable_name':
      return isHookVariable(node.text)
        ? hookFinding(parent?.text ?? node.text, `reads or changes ${node.text}`, true)
        : undefined;
    case 'word':
      // A bare name in arithmetic (`a[PS1]`, `[[ PS1 -eq 1 ]]`) is read as a variable.
      return isHookVariable(node.text) && readsAsVariable(parent)
        ? hookFinding(parent?.text ?? node.text, `reads ${node.text}`, true)
        : undefined;
    case 'expansion':
      return expansionFindings(node.text)[0];
    case 'function_definition': {
      const name = kids(node).find((c) => c.type === 'word');
      const value = name ? decoded(name, source) : '';
      return isHookCallable(value)
        ? hookFinding(
            node.text,
            `defines a function '${value}', replacing a command orchflow's hooks rely on`,
            true,
          )
        : undefined;
    }
    case 'redirected_statement':
      return redirectsShellStdio(node, source)
        ? hookFinding(
            node.text,
            "redirects the shell's own input or output, which carries orchflow's markers",
            true,
          )
        : undefined;
  }
  return undefined;
}
