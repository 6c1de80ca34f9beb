// A single quote inside a `${…}` that is itself inside double quotes: bash (in its default mode)
// takes it as a quote, but sh (dash, the `/bin/sh` of Debian and Ubuntu), bash in posix mode and
// other POSIX shells take it as a plain character. The policy parses as bash does, so in code such
// a shell runs (`sh -c '…'`, `… | sh`) the quote could hide commands from it:
// `sh -c 'echo "${U:-'\''}" ; su -c id nobody ; echo "'\''}"'` reads as one `echo` and runs `su`.
// The form is rare in real commands (a default value quoted inside a quoted expansion), so it is
// refused as an unsure parse wherever the policy restricts commands, whichever shell runs it.
// One pass over the tree, linear in its size (bounded by the line's), like the other tree scans:
// it spends none of the judging budget.
import type { Node } from 'web-tree-sitter';
import type { Construct } from './scan';

/** Rule of a single quote inside a double-quoted `${…}`. */
export const QUOTED_EXPANSION_RULE = 'unsure-parse:quote-in-expansion';

/** The first double-quoted `${…}` in `root`'s tree that holds a single quote, as a finding. */
export function quotedExpansionFinding(root: Node): Construct | undefined {
  const stack: { node: Node; inString: boolean }[] = [{ node: root, inString: false }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { node, inString } = item;
    if (inString && node.type === 'expansion' && node.text.includes("'")) {
      return {
        rule: QUOTED_EXPANSION_RULE,
        reason: `the single quote in '${node.text.slice(0, 40)}' inside double quotes is a quote to bash but a plain character to sh and bash's posix mode, so what runs may differ from what was checked; move the quote out of the \${…}`,
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
