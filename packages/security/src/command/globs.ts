// Pathname expansion at check time: a glob word is judged by the files it matches now (and by
// itself, which bash passes on when nothing matches). Bounded; dot entries, including `.` and
// `..`, are candidates whenever a pattern component starts with a dot.
import { readdirSync } from 'node:fs';

const MAX_MATCHES = 512;
const GLOB = /[*?[]/;

function componentRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) source += '\\[';
      else {
        const body = pattern
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = close;
      }
    } else source += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** Whether `text` contains glob characters. */
export function hasGlob(text: string): boolean {
  return GLOB.test(text);
}

/** The existing paths absolute `pattern` matches, or `undefined` when there are too many. */
export function expandGlob(pattern: string): string[] | undefined {
  let current = [''];
  for (const component of pattern.split('/').slice(1)) {
    if (!hasGlob(component)) {
      current = current.map((dir) => `${dir}/${component}`);
      continue;
    }
    const re = componentRegex(component);
    const next: string[] = [];
    for (const dir of current) {
      let names: string[];
      try {
        names = readdirSync(dir || '/');
      } catch {
        continue;
      }
      if (component.startsWith('.')) names.push('.', '..');
      for (const name of names) {
        if (name.startsWith('.') && !component.startsWith('.')) continue;
        if (re.test(name)) next.push(`${dir}/${name}`);
      }
      if (next.length > MAX_MATCHES) return undefined;
    }
    current = next;
  }
  return current;
}
