// The `protectShellIntegration` rule's look at shell options orchflow's shell integration sets:
// its rc files turn history expansion off (bash `set +o histexpand`, zsh `unsetopt BANG_HIST`), so
// a line typed as raw input runs as the text that was judged. A command that turns it back on
// (`set -H`, `set -o histexpand`, `shopt -so histexpand`, `setopt banghist`, `set +K`, or zsh's
// `emulate`, which resets every option) would let a later `!!` or `^a^b` run a line nobody judged.
// An option named at run time (`set $opts`, `shopt -u "$o"`) may be that one, or turn comments off
// (refused as such wherever commands are restricted, see shell-options.ts).
import { type HookFinding, hookFinding } from './hook-findings';
import { setChanges, shoptChanges } from './shell-options';
import type { WordValue } from './words';

const reenables = (text: string, how: string) =>
  hookFinding(
    text,
    `${how}, which orchflow's shell integration keeps off so that typed lines run as judged`,
    true,
  );

// zsh spells option names in any case, with any underscores (`BANG_HIST`, `banghist`, `no_bang_hist`).
const HISTORY_OPTION = /banghist|histexpand/;
const normalised = (name: string) => name.toLowerCase().replace(/_/g, '');

// bash `set -H`; zsh `set +K` / `setopt +K` (-K is NO_BANG_HIST).
const LETTER_FLAG = /^-[A-Za-z]*H|^\+[A-Za-z]*K/;

const runTimeName = (text: string, w: WordValue) =>
  hookFinding(
    text,
    `sets a shell option whose name '${w.value}' is only known at run time, so it could turn history expansion back on (or comments off), which orchflow's shell integration relies on; write it literally`,
    false,
  );

/** How builtin `program` with `args` turns history expansion back on, if it may. */
export function historyOptionFinding(
  program: string,
  args: WordValue[],
  text: string,
): HookFinding | undefined {
  if (program === 'emulate') {
    const operands = args.filter((w) => !/^-[A-Za-z]*$/.test(w.value));
    return operands.length > 0
      ? reenables(text, "resets the shell's options (history expansion among them)")
      : undefined;
  }
  if (!['set', 'shopt', 'setopt', 'unsetopt'].includes(program)) return undefined;
  // Where bash reads an option (or an option's name) from a run-time word: `set $opts` may be
  // `set -H`, `shopt $flag x` may be `shopt -so histexpand`, `shopt -u "$o"` may turn comments off.
  const dynamic =
    program === 'set'
      ? setChanges(args).unknown
      : program === 'shopt'
        ? shoptChanges(args).unknown
        : undefined;
  if (dynamic) return runTimeName(text, dynamic);
  // `set -o NAME`, `shopt -o NAME`, `setopt NAME`: a name given at run time may be the option.
  const named =
    program === 'setopt' || program === 'unsetopt' || args.some((w) => /^[-+][A-Za-z]*o/.test(w.value));
  for (const w of args) {
    // `set -- -H` sets positional parameters.
    if (program === 'set' && w.literal && w.value === '--') break;
    if (!w.literal) {
      if (named || w.value.startsWith('-') || w.value.startsWith('+')) return runTimeName(text, w);
      continue;
    }
    if (program !== 'shopt' && LETTER_FLAG.test(w.value))
      return reenables(text, 'turns history expansion on');
    if (HISTORY_OPTION.test(normalised(w.value)))
      return reenables(text, 'changes the history expansion option');
  }
  return undefined;
}
