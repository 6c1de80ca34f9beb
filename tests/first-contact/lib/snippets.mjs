// Finds the fenced code blocks of a markdown file and decides what the first-contact job does with
// each: run it, type-check it, or skip it for a stated reason. The decision is a comment right
// before the block, `<!-- first-contact: run | typecheck | skip: REASON -->`, optionally
// `run with NAME` / `typecheck with NAME` to read a fragment inside preludes/NAME.mts. Without a
// comment: TypeScript and JavaScript run, JSON and plain text are skipped, and a shell block or an
// unknown language is an error naming file:line — there is no safe default for those.

const KINDS = {
  ts: ['ts', 'typescript', 'mts', 'cts'],
  js: ['js', 'javascript', 'mjs', 'cjs'],
  sh: ['sh', 'bash', 'shell', 'zsh'],
  json: ['json', 'jsonc'],
  text: ['', 'text', 'txt', 'plain', 'console', 'output'],
};
const MARKER = /^\s*<!--\s*first-contact:\s*(.*?)\s*-->\s*$/;
// A first line like `// main.mts (…)` names the file the block is; it decides CommonJS or ESM.
const FILE_NAME = /^\s*\/\/\s*([\w.-]+\.(?:[cm]?ts|[cm]?js))(?:\s|$)/;

/** The kind of a fence's language tag, or undefined for a language the job does not know. */
export function kindOf(lang) {
  return Object.keys(KINDS).find((kind) => KINDS[kind].includes(lang.toLowerCase()));
}

/** Parses a marker's text (after `first-contact:`) into `{ action, reason?, prelude? }` or `{ error }`. */
export function parseMarker(text) {
  const skip = /^skip(?::\s*(.*))?$/.exec(text);
  if (skip)
    return skip[1] ? { action: 'skip', reason: skip[1] } : { error: 'a skip needs a reason: `skip: REASON`' };
  const act = /^(run|typecheck)(?:\s+with\s+([\w-]+))?$/.exec(text);
  if (act) return { action: act[1], prelude: act[2] };
  return {
    error: `unknown first-contact marker '${text}' (run, typecheck, skip: REASON; optionally 'with PRELUDE')`,
  };
}

function decide(kind, marker) {
  if (marker?.error) return marker;
  if (kind === undefined) {
    return marker?.action === 'skip' ? marker : { error: 'unknown language: mark it `skip: REASON`' };
  }
  if (marker === undefined) {
    if (kind === 'ts' || kind === 'js') return { action: 'run' };
    if (kind === 'json') return { action: 'skip', reason: 'JSON sample' };
    if (kind === 'text') return { action: 'skip', reason: 'plain text' };
    return { error: 'a shell block needs a marker: run, typecheck (bash -n) or skip: REASON' };
  }
  if (marker.action === 'skip') return marker;
  if (kind === 'text') return { error: `a plain-text block cannot ${marker.action}` };
  if (kind === 'json' && marker.action === 'run')
    return { error: 'a JSON block can only be type-checked (parsed)' };
  if (marker.prelude && kind !== 'ts') return { error: 'only TypeScript blocks take a prelude' };
  return marker;
}

/**
 * Every fenced block of `markdown` (from `file`) with its decision: `{ file, line, lang, kind,
 * code, fileName?, action, reason?, prelude?, error? }`; `line` is the opening fence's (1-based).
 */
export function extractBlocks(markdown, file) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body = [];
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(lines[end])) {
      body.push(lines[end].startsWith(indent) ? lines[end].slice(indent.length) : lines[end].trimStart());
      end++;
    }
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const markerText = before >= 0 ? MARKER.exec(lines[before])?.[1] : undefined;
    const kind = kindOf(lang);
    const decision = decide(kind, markerText === undefined ? undefined : parseMarker(markerText));
    const code = `${body.join('\n')}\n`;
    const fileName = FILE_NAME.exec(body.find((text) => text.trim() !== '') ?? '')?.[1];
    blocks.push({ file, line: i + 1, lang, kind, code, fileName, ...decision });
    if (end >= lines.length) blocks.at(-1).error = 'the code block is never closed';
    i = end;
  }
  return blocks;
}
