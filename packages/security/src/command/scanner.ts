// Walks a bash AST and collects everything the policy judges (the shapes are in scan.ts): every
// simple command anywhere in the tree (seen through wrappers and into `bash -c`/`eval`/`trap`
// strings, see invocations.ts), every redirection, every assignment (also by builtins), `cd`s,
// background jobs, parse errors and constructs that evaluate strings, and what bash expands where
// tree-sitter's tree does not show it (expansions.ts). It decides nothing itself.
import type { Node, Parser } from 'web-tree-sitter';
import { spend } from './budget';
import { joinContinuations } from './continuations';
import { evaluationHazard } from './evaluation';
import { Expansions, HEREDOC_RULE } from './expansions';
import { hookTreeFindings } from './hook-tree';
import { nodeAssignments, timedAssignments, unparsedAssignments } from './implicit-assignments';
import { Invocations } from './invocations';
import { TooComplexError } from './limits';
import { loopBinding } from './loops';
import { hasErrorAncestor, OPAQUE_LEAVES, quoteContext } from './opaque';
import { parseWith } from './parser';
import { posixQuoteFinding } from './quoted-expansion';
import { emptyScan, present, type Scan, type ScanHost } from './scan';
import { stdinOf, substitutedOperands } from './stdin-code';
import type { WrapperUse } from './types';
import { commandWordParts, redirectTargetParts, splitWordFinding, type WordParts } from './word-gaps';
import { joinedWordValue, type WordValue, wordValue } from './words';

const MAX_DEPTH = 8;

// Every walk over the tree recurses per level; deeper trees (`$(` 1000 times) would exhaust the
// stack, so they are refused before any walk. Everyday commands stay far below this.
const MAX_NESTING = 400;

function checkNesting(root: Node): void {
  const cursor = root.walk();
  let depth = 0;
  try {
    for (;;) {
      if (cursor.gotoFirstChild()) {
        spend(1, 'walking the syntax tree');
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
  readonly scan: Scan = emptyScan();
  // `for` variables and the values they take in the loop body being walked.
  private lists: Map<string, string[]> = new Map();
  // Inside a function body, alias or trap: code that runs later, maybe in another directory.
  private deferred = 0;
  // Without trustCalls, a loop variable is known only in the body's first command: any later one
  // may be a function (defined by an earlier line) that reassigns it.
  private firstCall = false;
  // The text being walked (nested command strings are walked with their own).
  private text = '';
  // The `: …` command that carries an expansion parsed on its own (see Expansions.expand); not judged.
  private carrier?: number;
  // What the helpers call back into; the Scanner's own state stays private.
  private readonly host: ScanHost = {
    scan: this.scan,
    text: () => this.text,
    source: (text, via, depth, carrier) => this.source(text, via, depth, carrier),
    visit: (node, via, depth) => this.visit(node, via, depth),
    deferred: () => this.deferred > 0,
    later: (walk) => this.later(walk),
  };
  private readonly expansions = new Expansions(this.host);
  private readonly invocations = new Invocations(this.host);

  /**
   * `vars` are variables whose values are known (HOME); `trustCalls` says every command name that
   * can run is a program, not a function (an allowlist that refuses functions shadowing commands).
   */
  constructor(
    private readonly parser: Parser,
    private readonly vars: Readonly<Record<string, string>>,
    private readonly trustCalls = false,
  ) {}

  private word(node: Node): WordValue {
    return wordValue(node, this.vars, this.lists);
  }

  /**
   * Parses and walks `source`; `via` is the wrapper chain it runs under. Throws TooComplexError
   * for command strings nested deeper than the policy follows (what runs there would go unseen).
   */
  source(text: string, via: WrapperUse[] = [], depth = 0, carrier = false): void {
    if (depth > MAX_DEPTH) throw new TooComplexError(`command strings nested more than ${MAX_DEPTH} deep`);
    const source = joinContinuations(text);
    const tree = parseWith(this.parser, source);
    const outer = { text: this.text, carrier: this.carrier };
    try {
      checkNesting(tree.rootNode);
      const hazard = evaluationHazard(tree.rootNode);
      if (hazard) this.scan.hazards.push(hazard);
      this.scan.hooks.push(...hookTreeFindings(tree.rootNode, source));
      this.scan.assignments.push(...unparsedAssignments(tree.rootNode, source));
      const split = splitWordFinding(tree.rootNode, source);
      if (split) this.scan.unsure.push(split);
      const quoted = posixQuoteFinding(tree.rootNode);
      if (quoted) this.scan.unsure.push(quoted);
      this.text = source;
      this.carrier = carrier ? tree.rootNode.firstNamedChild?.id : undefined;
      this.visit(tree.rootNode, via, depth);
    } finally {
      this.text = outer.text;
      this.carrier = outer.carrier;
      tree.delete();
    }
  }

  // A heredoc operator (`<<`, `<<-`; not `<<<`) in the text of `node`, read in the whole source
  // (tree-sitter may cut `<<<` into `<<` and `<`).
  private heredocIn(node: Node): boolean {
    for (const m of node.text.matchAll(/<</g)) {
      const at = node.startIndex + (m.index ?? 0);
      if (this.text[at - 1] !== '<' && this.text[at + 2] !== '<') return true;
    }
    return false;
  }

  // Code that runs when called, in whatever directory the shell is in by then.
  private later(walk: () => void): void {
    this.deferred++;
    try {
      walk();
    } finally {
      this.deferred--;
    }
  }

  private visit(node: Node, via: WrapperUse[], depth: number): void {
    spend(1, 'walking the syntax tree');
    if (node.isError || node.isMissing) {
      this.scan.parseErrors.push(node.isMissing ? `missing '${node.type}'` : `'${node.text.slice(0, 40)}'`);
      // What tree-sitter could not parse is lexed as bash would, so that a denylist still sees
      // the substitutions in it (an allowlist refuses the parse error itself).
      if (node.isError && !hasErrorAncestor(node)) this.expansions.expand(node.text, 'unquoted', via, depth);
      // A heredoc the parser could not end (a partly quoted delimiter, `<<E"O"F`, `<<$'EOF'`)
      // takes every later line for its body, where bash ends it at the delimiter and runs them.
      if (node.isError ? this.heredocIn(node) : node.type === 'heredoc_end')
        this.scan.unsure.push({
          rule: HEREDOC_RULE,
          reason: `a heredoc in '${(node.isError ? node.text : (node.parent?.text ?? '')).slice(0, 40)}' does not end where bash ends it; use a plain or fully quoted delimiter on a line of its own`,
        });
    }
    if (node.childCount === 0 && node.isNamed && !OPAQUE_LEAVES.has(node.type)) {
      // Text tree-sitter left unparsed: `${x:-`cmd`}`, `${x#$(cmd)}`, `"${x:-'$(cmd)'}"`.
      const ctx = quoteContext(node);
      if (node.type !== 'raw_string' || ctx === 'dquote') this.expansions.expand(node.text, ctx, via, depth);
    }
    // `${NAME:=word}`, arithmetic `NAME=1`: assignments like any other (implicit-assignments.ts).
    this.scan.assignments.push(...nodeAssignments(node));
    switch (node.type) {
      case 'command':
        if (node.id !== this.carrier) this.command(node, via, depth);
        break;
      case 'command_substitution':
        if (this.expansions.substitution(node, via, depth)) return;
        break;
      case 'heredoc_redirect':
        this.expansions.heredoc(node, via, depth);
        return;
      case 'variable_assignment': {
        const name = node.childForFieldName('name');
        const owner = node.parent?.type;
        // Declarations are read by `builtin`, which knows which of their names are exported.
        if (name && owner !== 'declaration_command') {
          const value = node.childForFieldName('value');
          this.scan.assignments.push({
            name: (name.firstNamedChild?.type === 'variable_name' ? name.firstNamedChild : name).text,
            text: node.text,
            exported: owner === 'command',
            ...(value ? { value: this.word(value) } : {}),
          });
        }
        break;
      }
      case 'for_statement': {
        const name = node.childForFieldName('variable');
        if (name)
          this.scan.assignments.push({ name: name.text, text: node.text.slice(0, 80), exported: false });
        const values = present(node.childrenForFieldName('value')).map((v) => this.word(v));
        const binding = name && loopBinding(node, name.text, values);
        if (!binding) break;
        // In the body, `$f` takes each listed value (globs stay globs, judged by what they match).
        const outer = this.lists;
        this.lists = new Map(outer).set(name.text, binding);
        this.firstCall = !this.trustCalls;
        try {
          for (const child of present(node.children)) this.visit(child, via, depth);
        } finally {
          this.lists = outer;
          this.firstCall = false;
        }
        return;
      }
      case 'function_definition': {
        const name = node.childForFieldName('name');
        if (name) this.scan.functions.push(name.text);
        this.later(() => {
          for (const child of present(node.children)) this.visit(child, via, depth);
        });
        return;
      }
      case 'declaration_command':
      case 'unset_command': {
        const [keyword, ...args] = present(node.children);
        const words = args.map((a) => this.declared(a));
        const hazard = this.invocations.builtin(
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
    if (node.type !== 'variable_assignment') return this.word(node);
    const name = node.childForFieldName('name')?.text ?? '';
    const valueNode = node.childForFieldName('value');
    const value = valueNode ? this.word(valueNode) : undefined;
    const literal = value?.literal ?? true;
    return {
      value: `${name}=${value?.value ?? ''}`,
      literal,
      prefix: `${name}=${value?.prefix ?? ''}`,
      expanded: value?.expanded ?? false,
    };
  }

  // One bash word the parser may have split into several nodes (word-gaps.ts).
  private joined(word: WordParts): WordValue {
    return joinedWordValue(word.parts, word.gaps, this.vars, this.lists);
  }

  private redirect(node: Node): void {
    const op = present(node.children).find((c) => !c.isNamed)?.type ?? '';
    const targets = node.type === 'herestring_redirect' ? [] : redirectTargetParts(node, this.text);
    for (const target of targets)
      this.scan.redirects.push({
        op,
        target: this.joined(target),
        text: node.text,
        ...(this.deferred > 0 ? { deferred: true } : {}),
      });
  }

  private command(node: Node, via: WrapperUse[], depth: number): void {
    if (!node.childForFieldName('name')?.firstNamedChild) return;
    const all = commandWordParts(node, this.text);
    // After the reserved word `time`, prefix assignments are the timed command's (`time CDPATH=/x
    // cd y` moves the shell), not a program and its arguments: they go with the command's own.
    const raw = all.map((w) => this.text.slice(w.parts[0]?.startIndex, w.parts.at(-1)?.endIndex));
    const timed = new Set(timedAssignments(raw));
    const parts = all.filter((_, i) => !timed.has(i));
    const words = parts.map((w) => this.joined(w));
    if (this.firstCall) {
      this.firstCall = false;
      this.lists = new Map();
    }
    const assignments = [
      ...present(node.namedChildren)
        .filter((c) => c.type === 'variable_assignment')
        .map((a) => a.text),
      ...raw.filter((_, i) => timed.has(i)),
    ];
    // What a shell or `source` here would read as code (stdin-code.ts), worked out when asked.
    const sources = () => ({
      stdin: stdinOf(node, (n) => this.word(n)),
      operands: substitutedOperands(parts, words, (n) => this.word(n)),
    });
    this.invocations.run(words, node.text, via, assignments, depth, sources);
  }
}
