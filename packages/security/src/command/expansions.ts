// What bash expands where tree-sitter does not look: the inside of backticks (one level of
// backslashes removed first), `$((…))` that tree-sitter took for a subshell, heredoc bodies
// (checked to end where bash ends them), text it left unparsed (`${x:-`cmd`}`, parse errors) and
// `${…}` it cannot parse at all. What is found there is walked as a command string of its own, so a
// denied command hidden in it is still seen; where our lexing may cut differently from bash, the
// line is marked unsure (refused under an allowlist and whenever something is denied).
import type { Node } from 'web-tree-sitter';
import { parameterAssignments } from './implicit-assignments';
import { heredocBody, quoteContext } from './opaque';
import { present, type ScanHost } from './scan';
import {
  EXPANSION_START,
  expansionsIn,
  heredocDelimiter,
  isArithmeticText,
  type QuoteContext,
  unescapeBackticks,
} from './substitutions';
import type { WrapperUse } from './types';

/** The rule of a heredoc the parser may end elsewhere than bash (its later lines could hide commands). */
export const HEREDOC_RULE = 'unsure-parse:heredoc';

/** The expansions of one scan that tree-sitter's tree does not show; see the module header. */
export class Expansions {
  constructor(private readonly host: ScanHost) {}

  /**
   * Backticks: bash removes one level of backslashes, then parses the inside (so an escaped
   * backtick nests). `$((…))` that tree-sitter took for a subshell is arithmetic when bash says so.
   * Returns true when the node was judged here and its children must not be walked.
   */
  substitution(node: Node, via: WrapperUse[], depth: number): boolean {
    const text = node.text;
    if (text.startsWith('`') && text.endsWith('`') && text.length >= 2) {
      this.nested(unescapeBackticks(text.slice(1, -1), quoteContext(node) === 'dquote'), via, depth);
      return true;
    }
    if (isArithmeticText(text)) {
      this.nested(`((${text.slice(3, -2)}))`, via, depth);
      return true;
    }
    return false;
  }

  /**
   * A heredoc: its body is checked to end where bash ends it; an unquoted delimiter's body is
   * expanded as bash expands it (substitutions run), a quoted one's is plain text.
   */
  heredoc(node: Node, via: WrapperUse[], depth: number): void {
    const kids = present(node.children);
    const start = kids.find((c) => c.type === 'heredoc_start');
    const body = kids.find((c) => c.type === 'heredoc_body');
    const end = kids.find((c) => c.type === 'heredoc_end');
    for (const child of kids)
      if (child !== body && child !== start && child !== end) this.host.visit(child, via, depth);
    const delimiter = start ? heredocDelimiter(start.text) : undefined;
    const strip = kids.some((c) => c.type === '<<-');
    const region =
      delimiter && end
        ? heredocBody(this.host.text(), node, body ?? end, end, delimiter.delimiter, strip)
        : undefined;
    if (delimiter === undefined || region === undefined) {
      this.host.scan.unsure.push({
        rule: HEREDOC_RULE,
        reason: `the heredoc '${node.text.slice(0, 40)}' may not end where bash ends it; use a plain delimiter on a line of its own`,
      });
      if (body && !delimiter?.quoted) this.expand(body.text, 'heredoc', via, depth);
      return;
    }
    if (!delimiter.quoted) this.expand(region, 'heredoc', via, depth);
  }

  /** Judges the expansions bash performs in text tree-sitter did not parse. */
  expand(text: string, ctx: QuoteContext, via: WrapperUse[], depth: number): void {
    if (!EXPANSION_START.test(text)) return;
    const { found, unsure } = expansionsIn(text, ctx);
    if (unsure)
      this.host.scan.unsure.push({
        rule: 'unsure-parse',
        reason: `'${text.slice(0, 60)}' has ${unsure}, so what bash expands there cannot be known`,
      });
    for (const e of found) {
      if (e.kind === 'command') this.nested(e.text, via, depth);
      else if (e.kind === 'arithmetic') this.nested(`((${e.text}))`, via, depth);
      // A `${…}` is parsed on its own as the argument of a carrier command that is not judged;
      // one tree-sitter cannot parse even then is lexed inside.
      else if (e.text !== text)
        this.host.source(ctx === 'unquoted' ? `: ${e.text}` : `: "${e.text}"`, via, depth + 1, true);
      else this.unparsedParameter(e.text, ctx, via, depth);
    }
  }

  // A `${…}` tree-sitter cannot parse: its word is lexed for substitutions, and any indirection,
  // prompt expansion or offset fails closed under an allowlist (evaluation.ts cannot see it).
  private unparsedParameter(text: string, ctx: QuoteContext, via: WrapperUse[], depth: number): void {
    // A `${…}` tree-sitter keeps as text (the pattern of `${x/${PATH:=a}/b}`) still assigns.
    for (const name of parameterAssignments(text))
      this.host.scan.assignments.push({ name, text: text.slice(0, 80), exported: false });
    if (!/^\$\{#?[A-Za-z_][A-Za-z0-9_]*(\[[0-9@*]\])?([:#%/^,]?[-=?+#%/^,]|\})/.test(text))
      this.host.scan.hazards.push({
        rule: 'evaluated-string',
        reason: `'${text.slice(0, 80)}' is a parameter expansion the policy cannot parse; it may evaluate a value as code`,
      });
    this.expand(text.slice(2, -1), ctx === 'unquoted' ? 'unquoted' : 'dquote', via, depth);
  }

  // A command string found by our own lexing: parsed and judged; if it does not parse, the
  // lexing may have cut it where bash does not, so the line is unsure.
  private nested(text: string, via: WrapperUse[], depth: number): void {
    const scan = this.host.scan;
    const before = scan.parseErrors.length;
    this.host.source(text, via, depth + 1);
    if (scan.parseErrors.length > before)
      scan.unsure.push({
        rule: 'unsure-parse',
        reason: `the substitution '${text.slice(0, 60)}' does not parse as bash on its own`,
      });
  }
}
