// What an `alias` command defines, and whether it makes later lines read other than the policy
// parses them. The policy judges one line at a time and keeps no state between the lines of a
// terminal, yet the shell keeps its aliases: what a line defines applies to every later line.
//
// A later use runs an alias's value with the use's words appended; that much is judged on the
// defining line (invocations.ts: the value as code, and followed by run-time arguments). What
// cannot be judged there is bash's and zsh's other rule: when a value ends in a blank (bash:
// space or tab; zsh: space), the word after the use is checked for alias expansion too, as an
// argument and even as a redirection target (`alias c='cat ' k='~/.ssh/key'` makes `c k` read
// the key, and `alias n='nice ' s=su` makes `n s` run su). The two aliases may come from
// different lines in either order, and the line that uses them (`c k`) shows neither value, so no
// single line holds what runs. zsh's global aliases (`alias -g K=…`) expand in every position,
// with the same effect. The sound cut is at the definition: such an alias, and one whose value or
// name is only known at run time (it may end in a blank), is refused wherever the policy
// restricts anything (`unsure-parse:alias`, judged with the other unsure parses). Everyday
// aliases (`alias ll='ls -l'`, `alias gs='git status'`) end in no blank and stay allowed.
//
// The name may be any word bash takes as one (`s.`, `s-x`, `..`), not only a variable-like name:
// `alias s-x='sudo -i'` defines `s-x`, and its value is judged like any other.
import type { Construct } from './scan';
import { literalWord, type WordValue } from './words';

/** The rule of an alias definition that makes a later word that is not a command name an alias. */
export const ALIAS_RULE = 'unsure-parse:alias';

/** What the words after `alias` define. */
export interface AliasWords {
  /**
   * The value of each definition with a known name, as a word (`cat ` for `c='cat '`); a value
   * with run-time parts keeps their source text, as {@link WordValue} does.
   */
  values: WordValue[];
  /** The {@link ALIAS_RULE} refusal, when a definition may make a later argument expand. */
  hazard?: Construct;
}

// Blanks that end an alias value and make the next word an alias candidate: space and tab for
// bash (zsh: space). A value ending in a newline makes the next word a command name anyway; it is
// counted too, to fail closed at no cost, since no everyday alias ends in one.
const TRAILING_BLANK = /[ \t\n]$/;
// An option cluster of `alias` (bash `-p`; zsh `-g`, `-s`, `-r`, `-m`, `-L`, `+g` …).
const OPTION = /^[-+][A-Za-z]+$/;
// zsh's global-alias flag, in any cluster that sets it.
const GLOBAL = /^-[A-Za-z]*g/;

// The part of `word` after its first `=` (at `eq`), as a word of its own.
function valueAfter(word: WordValue, eq: number): WordValue {
  const value = word.value.slice(eq + 1);
  if (word.literal) return literalWord(value);
  return {
    value,
    literal: false,
    expanded: word.expanded,
    prefix: word.prefix.length > eq ? word.prefix.slice(eq + 1) : '',
  };
}

/**
 * The definitions among `args` (the words after `alias`, in the command `text`) and, when one may
 * make a later word that is not a command name expand as an alias, the refusal: a value that ends
 * in a blank, a zsh global alias, or a definition only known at run time (`alias "$x"`, a glob
 * that matches a file named `c=cat `, a value with a run-time part).
 */
export function aliasWords(args: readonly WordValue[], text: string): AliasWords {
  const values: WordValue[] = [];
  let hazard: string | undefined;
  let options = true;
  let global = false;
  for (const word of args) {
    if (options && word.literal) {
      if (word.value === '--') {
        options = false;
        continue;
      }
      if (OPTION.test(word.value)) {
        if (GLOBAL.test(word.value)) global = true;
        continue;
      }
    }
    options = false;
    // Brace or loop-list alternatives are each a word of their own (`alias {a,b}=su`).
    const forms = word.alternatives && !word.expanded ? word.alternatives.map(literalWord) : [word];
    for (const form of forms) {
      const eq = form.value.indexOf('=');
      if (form.literal) {
        // No `=`: prints the alias of that name. An empty name defines nothing.
        if (eq <= 0) continue;
        const value = valueAfter(form, eq);
        values.push(value);
        if (TRAILING_BLANK.test(value.value))
          hazard ??= `the value of '${form.value.slice(0, eq)}' ends in a blank, so the shell also expands the word after each use of it as an alias, as an argument or a redirection target, which no single line shows`;
        continue;
      }
      // A run-time word: its name is known when its literal start holds the `=`.
      if (eq > 0 && form.prefix.length > eq) {
        values.push(valueAfter(form, eq));
        hazard ??= `the value of '${form.value.slice(0, eq)}' is only known at run time and may end in a blank, which makes the shell expand the word after each use of it as an alias too`;
      } else
        hazard ??= `'${form.value.slice(0, 60)}' is only known at run time and may define any alias, with a value that is never judged`;
    }
  }
  if (global && values.length > 0)
    hazard ??=
      'it defines a zsh global alias (-g), which the shell expands in every position of later lines, arguments and redirection targets included';
  if (hazard === undefined) return { values };
  return {
    values,
    hazard: {
      rule: ALIAS_RULE,
      reason: `'${text.slice(0, 80)}' defines an alias the policy cannot follow into later lines: ${hazard}; define aliases whose value ends in a word, or write the command out`,
    },
  };
}
