#!/usr/bin/env node
// Makes the built JavaScript in dist/ pure ASCII. esbuild escapes non-ASCII characters in code
// (strings, regular expressions, identifiers) but copies comments as written, and one `—` in a
// kept doc comment makes V8 hold the whole module's source as a two-byte string: twice the
// memory, in every process that loads it (~0.2 MB for @orchflow/core alone). Each non-ASCII
// character of a comment becomes one ASCII character per UTF-16 unit, so every column, and with
// it the source map, stays where it was. Non-ASCII outside a comment fails the build: it would
// need an escape, which this step does not guess.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOOKALIKE = new Map([
  ['—', '-'],
  ['–', '-'],
  ['…', '.'],
  ['→', '>'],
  ['←', '<'],
  ['≤', '<'],
  ['≥', '>'],
  ['×', 'x'],
  ['‘', "'"],
  ['’', "'"],
  ['“', '"'],
  ['”', '"'],
]);

const dist = join(process.cwd(), 'dist');
for (const file of readdirSync(dist)) {
  if (!/\.(mjs|cjs|js)$/.test(file)) continue;
  const path = join(dist, file);
  const text = readFileSync(path, 'utf8');
  if (!/[^\x00-\x7f]/.test(text)) continue;
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (!/[^\x00-\x7f]/.test(line)) continue;
    lines[index] = line.replace(/[^\x00-\x7f]/gu, (char, at) => {
      if (!inComment(line, at)) {
        throw new Error(
          `${path}:${index + 1}: non-ASCII character ${JSON.stringify(char)} outside a comment; write it as an escape in the source`,
        );
      }
      return LOOKALIKE.get(char) ?? '?'.repeat(char.length);
    });
  }
  writeFileSync(path, lines.join('\n'));
}

/**
 * True when column `at` of `line` is inside a comment: after `//`, inside a `/*` opened on the
 * line, or on a doc-comment line (` * ...`) before any `*\/` closes it.
 */
function inComment(line, at) {
  const before = line.slice(0, at);
  if (before.includes('//')) return true;
  const open = before.lastIndexOf('/*');
  const close = before.lastIndexOf('*/');
  if (open > close) return true;
  return close < 0 && /^\s*\*/.test(line);
}
