// Naming a path in printed text (a tool's error message) as someone else knows it: errors sent to a
// caller name the paths it gave, not the host paths they resolved to. Only whole path components
// are replaced, so `/tmp/w` is not found inside `/tmp/work` or `/var/tmp/w`.

// What may continue a path's last name (a combining mark too), so its end is not a boundary there.
const NAME_CHAR = /[\p{L}\p{M}\p{N}_~+@%-]/u;

/**
 * `text` with each occurrence of the absolute `path` that stands as a whole path or as a longer
 * path's leading directories (`path/sub`) replaced by `name`. An occurrence inside a longer name
 * is left alone: preceded by a path character (a `/` only as part of `file://`), or followed by
 * one (dots count only when a name character follows them, so a full stop or an ellipsis after
 * the path is a boundary).
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
  if (before === '/' && !text.slice(0, at).endsWith('file://')) return false;
  if (before !== undefined && (before === '.' || NAME_CHAR.test(before))) return false;
  let end = at + length;
  if (text[end] === '/') return true;
  while (text[end] === '.') end++;
  const after = text[end];
  return after === undefined || !NAME_CHAR.test(after);
}
