// Quotes that bash (in its default mode) and POSIX sh read differently, so that in code such a
// shell runs (`sh -c '…'`, `… | sh`, an interactive sh) they could hide commands from a policy
// that parses as bash does:
// - a single quote inside a `${…}` that is itself inside double quotes: a quote to bash, a plain
//   character to sh (dash, the `/bin/sh` of Debian and Ubuntu), bash in posix mode and other POSIX
//   shells: `sh -c 'echo "${U:-'\''}" ; su -c id nobody ; echo "'\''}"'` reads as one `echo` and
//   runs `su`;
// - a single quote inside `$'…'` (written `\'`): dash has no `$'…'`, so it reads `$` and a
//   single-quoted string that ends at that quote: `sh -c "echo \$'\\'; rm -rf /; #'"` is one
//   `echo` to bash and runs `rm -rf /` in dash.
// Both forms are rare in real commands (a quote inside a quoted default value, an escaped quote in
// `$'…'`), so they are refused as unsure parses wherever the policy restricts commands, whichever
// shell runs them. One pass over the tree, linear in its size (bounded by the line's), like the
// other tree scans: it spends none of the judging budget.
import type { Node } from 'web-tree-sitter';
import type { Construct } from './scan';

/** Rule of a single quote inside a double-quoted `${…}`. */
export const QUOTED_EXPANSION_RULE = 'unsure-parse:quote-in-expansion';
/** Rule of a single quote inside `$'…'`. */
export const QUOTED_ANSI_C_RULE = 'unsure-parse:quote-in-ansi-c';

/**
 * The first quote in `root`'s tree that sh reads otherwise than bash: a double-quoted `${…}` that
 * holds a single quote, or a `$'…'` that does; as a finding.
 */
export function posixQuoteFinding(root: Node): Construct | undefined {
  const stack: { node: Node; inString: boolean }[] = [{ node: root, inString: false }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { node, inString } = item;
    if (inString && node.type === 'expansion' && node.text.includes("'")) {
      return {
        rule: QUOTED_EXPANSION_RULE,
        reason: `the single quote in '${node.text.slice(0, 40)}' inside double quotes is a quote to bash but a plain character to sh and bash's posix mode, so what runs may differ from what was checked; move the quote out of the \${…}`,
      };
    }
    if (node.type === 'ansi_c_string' && node.text.slice(2, -1).includes("'")) {
      return {
        rule: QUOTED_ANSI_C_RULE,
        reason: `the escaped quote in '${node.text.slice(0, 40)}' keeps the string open in bash, but sh (dash) has no $'…' and ends the string there, so what runs may differ from what was checked; quote it with double quotes ("it's")`,
      };
    }
    // A command substitution starts a new quoting context: `"$(echo ${x:-'a'})"` is bash's and
    // sh's alike.
    const nested =
      node.type === 'command_substitution' || node.type === 'process_substitution'
        ? false
        : inString || node.type === 'string';
    for (const child of node.namedChildren) if (child) stack.push({ node: child, inString: nested });
  }
  return undefined;
}
