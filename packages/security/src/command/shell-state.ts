// Commands that change how the terminal's shell reads later lines: shell options (`set`, `shopt`,
// a shell started with them) and terminal settings (`stty`, `tset`). The shell persists, so such a
// change made by one line holds for every later one, which the policy judges as bash reads a line
// by default; where commands are restricted the change itself is refused (Scan.unsure). Each
// invocation is looked at as run, so a wrapper the policy follows (`env stty …`, `command set …`,
// `bash -c 'stty …'`, `find -exec stty …`) and each guessed command of one it does not
// (`setsid stty …`) are judged too.
import type { Construct } from './scan';
import {
  optionChangeDenial,
  PARSE_OPTION_RULES,
  scanShellOptions,
  setChanges,
  shoptChanges,
} from './shell-options';
import { ttySettingChange } from './tty-settings';
import type { WordValue } from './words';
import { SHELLS } from './wrapper-table';

/**
 * The refusal of `program` run with `words` (its name first) when it changes how later lines are
 * read: a parse-changing or `cd`-moving shell option (`shell-option:NAME`), or a terminal setting
 * that edits input (`tty-setting:SETTING`); `undefined` otherwise.
 */
export function shellStateChange(program: string, words: readonly WordValue[]): Construct | undefined {
  const args = words.slice(1);
  // toybox runs its first operand as the applet (busybox is a wrapper the walk follows already).
  const applet = args[0];
  if (program === 'toybox' && applet?.literal)
    return shellStateChange(applet.value.slice(applet.value.lastIndexOf('/') + 1), args);
  if (program === 'set') return optionChangeDenial('set', setChanges(args));
  if (program === 'shopt') return optionChangeDenial('shopt', shoptChanges(args));
  if (SHELLS.has(program)) {
    const scan = scanShellOptions(words);
    if (!('error' in scan)) return optionChangeDenial(program, scan);
    return scan.unknown ? optionChangeDenial(program, { changes: [], unknown: scan.unknown }) : undefined;
  }
  return ttySettingChange(program, words);
}

/**
 * Whether a refusal of {@link shellStateChange} hides text from every rule (the line bash runs is
 * not the line judged), so that it is refused wherever anything is protected, orchflow's shell
 * integration included; the `cd` options only matter where paths or deny rules are judged.
 */
export function rewritesLines(rule: string): boolean {
  return PARSE_OPTION_RULES.has(rule) || rule.startsWith('tty-setting:');
}
