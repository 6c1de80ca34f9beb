// Expands --each patterns into directories. Node 20 has no fs.glob, and orchflow-par needs only
// `*` and `?` within a path segment (`packages/*`, `services/api-?`), so a small matcher does it.
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { UsageError } from './args';

/** The directories `patterns` name, relative to `cwd`, sorted, without duplicates. */
export function expandDirectories(patterns: string[], cwd: string): string[] {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const matches = expandOne(pattern, cwd);
    if (matches.length === 0) throw new UsageError(`--each '${pattern}' matches no directory (in ${cwd})`);
    for (const dir of matches) found.add(dir);
  }
  return [...found].sort();
}

function expandOne(pattern: string, cwd: string): string[] {
  const segments = pattern.split(/[\\/]+/).filter((segment, i) => segment !== '' || i === 0);
  let bases = [isAbsolute(pattern) ? sep : ''];
  if (isAbsolute(pattern)) segments.shift();
  for (const segment of segments) {
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?]/.test(segment)) {
        next.push(join(base, segment));
        continue;
      }
      const matcher = segmentMatcher(segment);
      for (const entry of safeReaddir(resolve(cwd, base || '.'))) {
        // Like a shell, `*` does not match hidden entries unless the pattern starts with a dot.
        if (entry.startsWith('.') && !segment.startsWith('.')) continue;
        if (matcher.test(entry)) next.push(join(base, entry));
      }
    }
    bases = next;
  }
  return bases.filter((dir) => isDirectory(resolve(cwd, dir)));
}

function segmentMatcher(segment: string): RegExp {
  const body = segment
    .split('')
    .map((char) =>
      char === '*' ? '[^/]*' : char === '?' ? '[^/]' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`);
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
