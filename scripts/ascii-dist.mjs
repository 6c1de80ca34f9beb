#!/usr/bin/env node
// Makes the built JavaScript in dist/ pure ASCII. esbuild escapes non-ASCII characters in strings
// and identifiers but copies comments as written, and one `—` in a kept doc comment makes V8 hold
// the whole module's source as a two-byte string: twice the memory, in every process that loads
// it (~0.2 MB for @orchflow/core alone). Each non-ASCII character of a comment becomes one ASCII
// character per UTF-16 unit, so every column, and with it the source map, stays where it was.
// Comments are found by TypeScript's parser, not by looking at lines: a `//` in a string or a
// ` * ` line in a template literal is not a comment. Non-ASCII outside a comment (esbuild keeps
// it in regular expressions and tagged templates) fails the build: it needs an escape in the
// source, which this step does not guess.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

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
  const comments = commentRanges(text, file);
  const ascii = text.replace(/[^\x00-\x7f]/gu, (char, at) => {
    if (!comments.some(([start, end]) => at >= start && at < end)) {
      const line = text.slice(0, at).split('\n').length;
      throw new Error(
        `${path}:${line}: non-ASCII character ${JSON.stringify(char)} outside a comment; write it as an escape in the source`,
      );
    }
    return LOOKALIKE.get(char) ?? '?'.repeat(char.length);
  });
  writeFileSync(path, ascii);
}

/** The [start, end) ranges of every comment in the JavaScript `text`. */
function commentRanges(text, fileName) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const ranges = new Map();
  const add = (found) => {
    for (const range of found ?? []) ranges.set(range.pos, range.end);
  };
  const visit = (node) => {
    // A JSDoc node lies inside a comment: its positions are not where trivia starts.
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    add(ts.getLeadingCommentRanges(text, node.pos));
    add(ts.getTrailingCommentRanges(text, node.end));
    for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);
  return [...ranges];
}
