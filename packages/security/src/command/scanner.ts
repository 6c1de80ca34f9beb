// Walks a bash AST and collects everything the policy judges: every simple command anywhere in
// the tree (seen through wrappers and into `bash -c`/`eval`/`trap` strings), every redirection,
// every assignment (also by builtins), `cd`s, background jobs, parse errors and constructs that
// evaluate strings. It decides nothing itself.
import type { Node, Parser } from 'web-tree-sitter';
import { cdTarget, judgeBuiltin } from './builtins';
import { joinContinuations } from './continuations';
import { evaluationHazard } from './evaluation';
import { hookBuiltinFinding, unknownCommandFinding } from './hook-builtins';
import type { HookFinding } from './hook-findings';
import { hookTreeFindings } from './hook-tree';
import { TooComplexError } from './limits';
import { parseWith } from './parser';
import type { ParsedCommand, WrapperUse } from './types';
import { type WordValue, wordValue } from './words';
import { findExecs, unwrap } from './wrappers';

/** A construct that cannot be judged and fails closed under an allowlist. */
export interface Construct {
  rule: string;
  reason: string;
}

/** A simple command plus what the policy needs beyond its public shape. */
export interface FoundCommand {
  command: ParsedCommand;
  /** The program word then each argument, as values. */
  words: WordValue[];
  construct?: Construct;
  /** Possible wrapped commands of an unsupported wrapper, checked against the denylist only. */
  guesses: ParsedCommand[];
}

/** A redirection: `>`, `>>`, `<`, `&>`, `<<<` … with its target word. */
export interface Redirect {
  op: string;
  target: WordValue;
  text: string;
}

/** An assignment anywhere (`X=1 cmd`, `export X=1`, `env X=1 cmd`, `read X`, `printf -v X`). */
export interface FoundAssignment {
  name: string;
  text: string;
  /** It reaches the environment of a program (`X=1 cmd`, `export`, `declare -x`, `env X=1`). */
  exported: boolean;
}

/** Everything found in one command line. */
export interface Scan {
  commands: FoundCommand[];
  redirects: Redirect[];
  assignments: FoundAssignment[];
  parseErrors: string[];
  /** Constructs outside any simple command that fail closed under an allowlist. */
  hazards: Construct[];
  background: string[];
  /** Literal `cd` targets (`~` for a bare `cd`); `undefined` for a target that is not literal. */
  cds: Array<string | undefined>;
  /** What reaches orchflow's shell integration (judged when `protectShellIntegration` is on). */
  hooks: HookFinding[];
}

const MAX_DEPTH = 8;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || path;
}

function present(nodes: (Node | null)[]): Node[] {
  return nodes.filter((n): n is Node => n !== null);
}

// Every walk over the tree recurses per level; deeper trees (`$(` 1000 times) would exhaust the
// stack, so they are refused before any walk. Everyday commands stay far below this.
const MAX_NESTING = 400;

function checkNesting(root: Node): void {
  const cursor = root.walk();
  let depth = 0;
  try {
    for (;;) {
      if (cursor.gotoFirstChild()) {
        if (++depth > MAX_NESTING)
          throw new TooComplexError(`constructs nested more than ${MAX_NESTING} deep`);
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return;
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** Collects the commands of `source` (and of every command string nested in it). */
export class Scanner {
  readonly scan: Scan = {
    commands: [],
    redirects: [],
    assignments: [],
    parseErrors: [],
    hazards: [],
    background: [],
    cds: [],
    hooks: [],
  };

  constructor(
    private readonly parser: Parser,
    private readonly vars: Readonly<Record<string, string>>,
  ) {}

  /**
   * Parses and walks `source`; `via` is the wrapper chain it runs under. Throws TooComplexError
   * for command strings nested deeper than the policy follows (what runs there would go unseen).
   */
  source(text: string, via: WrapperUse[] = [], depth = 0): void {
    if (depth > MAX_DEPTH) throw new TooComplexError(`command strings nested more than ${MAX_DEPTH} deep`);
    const source = joinContinuations(text);
    const tree = parseWith(this.parser, source);
    try {
      checkNesting(tree.rootNode);
      const hazard = evaluationHazard(tree.rootNode);
      if (hazard) this.scan.hazards.push(hazard);
      this.scan.hooks.push(...hookTreeFindings(tree.rootNode, source));
      this.visit(tree.rootNode, via, depth);
    } finally {
      tree.delete();
    }
  }

  private visit(node: Node, via: WrapperUse[], depth: number): void {
    if (node.isError || node.isMissing) {
      this.scan.parseErrors.push(node.isMissing ? `missing '${node.type}'` : `'${node.text.slice(0, 40)}'`);
    }
    switch (node.type) {
      case 'command':
        this.command(node, via, depth);
        break;
      case 'variable_assignment': {
        const name = node.childForFieldName('name');
        const owner = node.parent?.type;
        // Declarations are read by `builtin`, which knows which of their names are exported.
        if (name && owner !== 'declaration_command')
          this.scan.assignments.push({
            name: (name.firstNamedChild?.type === 'variable_name' ? name.firstNamedChild : name).text,
            text: node.text,
            exported: owner === 'command',
          });
        break;
      }
      case 'for_statement': {
        const name = node.childForFieldName('variable');
        if (name)
          this.scan.assignments.push({ name: name.text, text: node.text.slice(0, 80), exported: false });
        break;
      }
      case 'declaration_command':
      case 'unset_command': {
        const [keyword, ...args] = present(node.children);
        const words = args.map((a) => this.declared(a));
        const hazard = this.builtin(
          keyword?.type ?? '',
          [{ value: keyword?.type ?? '', literal: true, prefix: '', expanded: false }, ...words],
          node.text,
        );
        if (hazard) this.scan.hazards.push(hazard);
        break;
      }
      case 'file_redirect':
      case 'herestring_redirect':
        this.redirect(node);
        break;
      case '&':
        if (!node.isNamed) this.scan.background.push(node.parent?.text.slice(0, 80) ?? '&');
        break;
    }
    for (const child of present(node.children)) this.visit(child, via, depth);
  }

  // A declaration's argument as a word: `X=$(y)` becomes the word `X=$(y)`.
  private declared(node: Node): WordValue {
    if (node.type === 'variable_name')
      return { value: node.text, literal: true, prefix: node.text, expanded: false };
    if (node.type !== 'variable_assignment') return wordValue(node, this.vars);
    const name = node.childForFieldName('name')?.text ?? '';
    const valueNode = node.childForFieldName('value');
    const value = valueNode ? wordValue(valueNode, this.vars) : undefined;
    const literal = value?.literal ?? true;
    return {
      value: `${name}=${value?.value ?? ''}`,
      literal,
      prefix: `${name}=${value?.prefix ?? ''}`,
      expanded: value?.expanded ?? false,
    };
  }

  // Records what a builtin assigns; returns what fails closed under an allowlist.
  private builtin(program: string, words: WordValue[], text: string): Construct | undefined {
    const { targets, construct } = judgeBuiltin(program, words, text);
    const hook = hookBuiltinFinding(program, words, text);
    if (hook) this.scan.hooks.push(hook);
    for (const t of targets)
      this.scan.assignments.push({ name: t.name, text: text.slice(0, 120), exported: t.exported });
    return construct;
  }

  private redirect(node: Node): void {
    const op = present(node.children).find((c) => !c.isNamed)?.type ?? '';
    const targets =
      node.type === 'herestring_redirect' ? [] : present(node.childrenForFieldName('destination'));
    for (const target of targets)
      this.scan.redirects.push({ op, target: wordValue(target, this.vars), text: node.text });
  }

  private command(node: Node, via: WrapperUse[], depth: number): void {
    const name = node.childForFieldName('name')?.firstNamedChild;
    if (!name) return;
    const words = [name, ...present(node.childrenForFieldName('argument'))].map((w) =>
      wordValue(w, this.vars),
    );
    const assignments = present(node.namedChildren)
      .filter((c) => c.type === 'variable_assignment')
      .map((a) => a.text);
    this.invocation(words, node.text, via, assignments, depth);
  }

  // One program invocation: judged as is, or seen through when it is a wrapper.
  private invocation(
    words: WordValue[],
    text: string,
    via: WrapperUse[],
    assignments: string[],
    depth: number,
  ): void {
    const program = words[0] as WordValue;
    const found = this.found(words, text, via, assignments);
    if (!program.literal) {
      found.construct = {
        rule: 'non-literal-command',
        reason: `the command name '${program.value}' is not a literal word (expansion, substitution, glob or brace expansion), so what runs cannot be known`,
      };
      this.scan.hooks.push(unknownCommandFinding(program.value, text));
      this.scan.commands.push(found);
      return;
    }
    const name = found.command.program;
    const self: WrapperUse = { program: name, argv: words.slice(1).map((w) => w.value) };
    const hazard = this.builtin(name, words, text);
    if (hazard) found.construct = hazard;
    if (name === 'eval') {
      this.evalBuiltin(found, words.slice(1), via, depth);
      return;
    }
    if (name === 'alias' || name === 'trap') {
      this.hook(found, words, [...via, self], depth);
      return;
    }
    if (name === 'enable' && words.length > 1) {
      found.construct = {
        rule: 'enable',
        reason: `'${text.slice(0, 80)}' loads or switches off shell builtins, which changes what later commands run`,
      };
    }
    if (name === 'cd' || name === 'pushd' || name === 'popd') this.scan.cds.push(cdTarget(name, words));
    if (name === 'find') {
      this.scan.commands.push(found);
      for (const exec of findExecs(words)) {
        const wrapper: WrapperUse = { program: 'find', argv: words.slice(1, exec.start).map((w) => w.value) };
        if (exec.start < exec.end)
          this.invocation(words.slice(exec.start, exec.end), text, [...via, wrapper], [], depth);
      }
      return;
    }
    const how = unwrap(name, words);
    if (!how) {
      this.scan.commands.push(found);
      return;
    }
    switch (how.kind) {
      case 'none':
        this.scan.commands.push(found);
        return;
      case 'exec': {
        const wrapper: WrapperUse = { program: name, argv: words.slice(1, how.start).map((w) => w.value) };
        const envAssignments = how.assignments.map((i) => (words[i] as WordValue).value);
        for (const a of envAssignments) {
          const match = ASSIGNMENT.exec(a);
          if (match?.[1]) this.scan.assignments.push({ name: match[1], text: a, exported: true });
        }
        if (how.chdir !== undefined) this.scan.cds.push(how.chdir);
        this.invocation(
          words.slice(how.start),
          text,
          [...via, wrapper],
          [...assignments, ...envAssignments],
          depth,
        );
        return;
      }
      case 'code': {
        const wrapper: WrapperUse = { program: name, argv: words.slice(1, how.end).map((w) => w.value) };
        if (!how.code.literal) {
          found.construct = {
            rule: 'non-literal-command',
            reason: `the command string given to '${name}' is not a literal, so what runs cannot be known`,
          };
        }
        // The wrapper itself is recorded only when its code string cannot be judged.
        if (found.construct) this.scan.commands.push(found);
        this.source(how.code.value, [...via, wrapper], depth + 1);
        return;
      }
      case 'unsupported':
        found.construct = {
          rule: `unsupported-wrapper:${name}`,
          reason: `the wrapper '${name}' is not understood by the policy: ${how.why}`,
        };
        found.guesses = this.guesses(words, via, self, depth);
        this.scan.commands.push(found);
        return;
    }
  }

  // `alias x='…'` and `trap '…' SIGNAL` store code that runs later, in later commands of the same
  // shell where the policy no longer sees it: the code is judged now (for denied commands) and,
  // under an allowlist, defining the hook at all is refused.
  private hook(found: FoundCommand, words: WordValue[], via: WrapperUse[], depth: number): void {
    const name = found.command.program;
    const args = words.slice(1).filter((w, i) => !(i === 0 && w.value === '--'));
    const code =
      name === 'alias'
        ? args.flatMap((w) =>
            ASSIGNMENT.exec(w.value) ? [{ ...w, value: ASSIGNMENT.exec(w.value)?.[2] ?? '' }] : [],
          )
        : args.length > 1 &&
            !/^-[pl]$/.test(args[0]?.value ?? '') &&
            !['', '-'].includes(args[0]?.value ?? '')
          ? args.slice(0, 1)
          : [];
    if (code.length > 0) {
      found.construct = {
        rule: name,
        reason: `'${found.command.text.slice(0, 80)}' defines ${name === 'alias' ? 'an alias' : 'a trap'}, code that runs later where the policy cannot judge it`,
      };
    }
    this.scan.commands.push(found);
    for (const c of code) this.source(c.value, via, depth + 1);
  }

  // `eval`'s words joined are a command string: judged inside, and `eval` itself fails closed.
  private evalBuiltin(found: FoundCommand, args: WordValue[], via: WrapperUse[], depth: number): void {
    const argv = args.map((w) => w.value);
    found.construct = {
      rule: 'eval',
      reason: `'eval' runs a string as a command; write the command directly instead`,
    };
    this.scan.commands.push(found);
    this.source(argv.join(' '), [...via, { program: 'eval', argv }], depth + 1);
  }

  // For a wrapper we cannot follow: every tail that starts at a non-option word might be the
  // wrapped command, and any argument with a space might be a command string.
  private guesses(words: WordValue[], via: WrapperUse[], self: WrapperUse, depth: number): ParsedCommand[] {
    const out: ParsedCommand[] = [];
    for (let i = 1; i < words.length; i++) {
      const word = words[i] as WordValue;
      if (word.value.startsWith('-')) continue;
      out.push(this.found(words.slice(i), word.value, [...via, self], []).command);
      if (/\s/.test(word.value)) {
        const before = this.scan.commands.length;
        this.source(word.value, [...via, self], depth + 1);
        out.push(...this.scan.commands.splice(before).map((f) => f.command));
      }
    }
    return out;
  }

  private found(words: WordValue[], text: string, via: WrapperUse[], assignments: string[]): FoundCommand {
    const program = words[0] as WordValue;
    const command: ParsedCommand = {
      program: program.literal ? basename(program.value) : program.value,
      programPath: program.value,
      argv: words.slice(1).map((w) => w.value),
      text,
      assignments: assignments.map((a) => {
        const match = ASSIGNMENT.exec(a);
        return { name: match?.[1] ?? a, value: match?.[2] ?? '', dangerous: false };
      }),
    };
    if (via.length > 0) command.via = via;
    return { command, words, guesses: [] };
  }
}
