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

// bash's name for itself when run under another: the base name of argv[0], without the `-` a
// login shell's name starts with (`-sh`, `-/bin/sh`).
function ownName(argv0: string): string {
  const base = argv0.slice(argv0.lastIndexOf('/') + 1);
  return argv0.startsWith('-') && base.startsWith('-') ? base.slice(1) : base;
}

const POSIX_REASON = `changes how bash parses later lines (single quotes inside a double-quoted '\${…}' no longer quote, so '"\${x:-'}"; cmd; "'}"' runs cmd)`;

/**
 * The refusal of running `program` (a word) under the name `argv0` (`exec -a NAME`, `env -a NAME`;
 * `wrapper` names the wrapper): bash named `sh` starts in posix mode, as with `--posix`, and a name
 * only known at run time could be `sh`.
 */
export function argv0Change(wrapper: string, argv0: WordValue, program: WordValue): Construct | undefined {
  const value = program.value.replace(/\/+$/, '');
  if (!program.literal || value.slice(value.lastIndexOf('/') + 1) !== 'bash') return undefined;
  const written = `${wrapper} -a ${argv0.value} ${program.value}`;
  if (!argv0.literal)
    return {
      rule: 'shell-option:non-literal',
      reason: `'${written}' gives bash a name only known at run time: named 'sh', bash starts in posix mode, which ${POSIX_REASON}; write the name literally`,
    };
  if (ownName(argv0.value) !== 'sh') return undefined;
  return {
    rule: 'shell-option:posix',
    reason: `'${written}' starts bash in posix mode (bash named sh acts as sh), which ${POSIX_REASON}`,
  };
}

/** Shells that read the lines typed after them as a POSIX shell: bash in posix mode where sh is bash, or dash. */
const POSIX_SHELLS: ReadonlySet<string> = new Set(['sh', 'dash']);

/**
 * The refusal of `program`, a shell that reads the terminal's later lines itself (no code string,
 * script or other stdin), when it reads them as a POSIX shell: where sh is bash it runs in posix
 * mode, and dash reads quotes otherwise than bash.
 */
export function terminalShellChange(program: string): Construct | undefined {
  if (!POSIX_SHELLS.has(program)) return undefined;
  return {
    rule: 'shell-option:posix',
    reason: `'${program}' reads the lines typed after it as a POSIX shell (bash in posix mode where sh is bash, or dash), not as bash, which the policy judges them by; run code with '${program} -c' or a script instead`,
  };
}

/**
 * Whether a refusal of {@link shellStateChange} hides text from every rule (the line bash runs is
 * not the line judged), so that it is refused wherever anything is protected, orchflow's shell
 * integration included; the `cd` options only matter where paths or deny rules are judged.
 */
export function rewritesLines(rule: string): boolean {
  return PARSE_OPTION_RULES.has(rule) || rule.startsWith('tty-setting:');
}
