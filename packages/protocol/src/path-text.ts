// Naming a path in printed text (a tool's error message) as someone else knows it: errors sent to a
// caller name the paths it gave, not the host paths they resolved to. Only whole path components
// are replaced, so `/tmp/w` is not found inside `/tmp/work` or `/var/tmp/w`.

// What may continue a path's last name, so its end is not a boundary there.
const NAME_CHAR = /[\p{L}\p{N}_~+@%-]/u;

/**
 * `text` with each occurrence of the absolute `path` that stands as a whole path or as a longer
 * path's leading directories (`path/sub`) replaced by `name`. An occurrence inside a longer name
 * is left alone: preceded by a path character, or followed by one (a `.` counts only when a name
 * character follows it, so a full stop after the path is a boundary).
 */
export function renamePath(text: string, path: string, name: string): string {
  if (path === '' || path === '/' || !text.includes(path)) return text;
  let out = '';
  let from = 0;
  for (let at = text.indexOf(path); at >= 0; at = text.indexOf(path, at + 1)) {
    if (at < from || !standsAlone(text, at, path.length)) continue;
    out += text.slice(from, at) + name;
    from = at + path.length;
  }
  return out + text.slice(from);
}

function standsAlone(text: string, at: number, length: number): boolean {
  const before = text[at - 1];
  if (before !== undefined && (before === '/' || before === '.' || NAME_CHAR.test(before))) return false;
  const after = text[at + length];
  if (after === undefined || after === '/') return true;
  if (after === '.') return !NAME_CHAR.test(text[at + length + 1] ?? ' ') && text[at + length + 1] !== '.';
  return !NAME_CHAR.test(after);
}
