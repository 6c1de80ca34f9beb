// find's actions that run a command (`-exec`, `-execdir`, `-ok`, `-okdir`, ended by `;` or `+`),
// and the command's words as find passes them.
import type { WordValue } from './words';

/** A word only known at run time (`prefix` is what is known of its start). */
export const runTime = (value: string, prefix = ''): WordValue => ({
  value,
  literal: false,
  prefix,
  expanded: true,
});

/** The `find` actions that run a command, ended by `;` or `+`: word ranges [start, end). */
export function findExecs(
  words: WordValue[],
): Array<{ action: number; start: number; end: number; words: WordValue[] }> {
  const out: Array<{ action: number; start: number; end: number; words: WordValue[] }> = [];
  for (let i = 1; i < words.length; i++) {
    const action = (words[i] as WordValue).value;
    if (!['-exec', '-execdir', '-ok', '-okdir'].includes(action)) continue;
    let end = i + 1;
    while (end < words.length && !/^[;+]$/.test((words[end] as WordValue).value)) end++;
    out.push({
      action: i,
      start: i + 1,
      end,
      words: findCommand(words.slice(i + 1, end), action.endsWith('dir')),
    });
    i = end;
  }
  return out;
}

// The command of a find action as it runs. A bare `{}` is a found path, which lies under find's
// start points (judged as find's own traversal); `{}` inside a longer word (`{}/../x`) or as the
// program is only known at run time. -execdir runs in each found file's directory, so its other
// relative words (and a relative program) resolve somewhere under the start points.
function findCommand(command: WordValue[], inFoundDir: boolean): WordValue[] {
  return command.map((w, k) => {
    if (w.value === '{}' && k > 0) return w;
    if (w.value.includes('{}'))
      return runTime(w.value, w.literal ? w.value.slice(0, w.value.indexOf('{}')) : w.prefix);
    const relative = !w.value.startsWith('/') && !w.value.startsWith('-');
    if (inFoundDir && relative && (k > 0 || w.value.includes('/'))) return runTime(w.value);
    return w;
  });
}
