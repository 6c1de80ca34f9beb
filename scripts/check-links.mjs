#!/usr/bin/env node
// Fails when a relative link in the repository's Markdown points at nothing: a file or directory
// that does not exist, or a `#heading` anchor that no heading of the target produces (GitHub's
// slugs). Links to other sites are not fetched (CI has no network beyond the registries).
// Usage: node scripts/check-links.mjs [--root DIR] [FILE.md …]
//        (default: the repository, and every Markdown file git tracks or would track)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const rootFlag = args.indexOf('--root');
const root =
  rootFlag >= 0
    ? resolve(args.splice(rootFlag, 2)[1] ?? '.')
    : resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Markdown files tracked by git, plus untracked ones not ignored (new files before a commit). */
function markdownFiles() {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
    cwd: root,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((path) => path && !path.includes('node_modules/') && existsSync(join(root, path)));
}

/** The lines of `text` with fenced code blocks blanked, so `[a](b)` in an example is not a link. */
function prose(text) {
  const lines = [];
  let fence;
  for (const line of text.split('\n')) {
    const opener = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (
        opener &&
        opener[1][0] === fence[0] &&
        opener[1].length >= fence.length &&
        !/\S/.test(line.slice(line.indexOf(opener[1]) + opener[1].length))
      ) {
        fence = undefined;
      }
      lines.push('');
    } else if (opener) {
      fence = opener[1];
      lines.push('');
    } else {
      lines.push(line);
    }
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

const anchorCache = new Map();
/** Every anchor a Markdown file offers: heading slugs (with -1, -2 for repeats) and explicit ids. */
function anchorsOf(path) {
  let anchors = anchorCache.get(path);
  if (anchors) return anchors;
  anchors = new Set();
  const seen = new Map();
  const text = readFileSync(path, 'utf8');
  for (const line of prose(text)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const base = slug(heading[1]);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const id of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(id[1]);
  }
  anchorCache.set(path, anchors);
  return anchors;
}

/** Link targets on a line: `[text](target)`, `![alt](target)` and `[ref]: target` definitions. */
function targetsOn(line) {
  const targets = [];
  const text = line.replace(/(`+)[^`]*?\1/g, ''); // inline code is not a link
  for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(match[1]);
  const definition = /^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s|$)/.exec(text);
  if (definition) targets.push(definition[1]);
  return targets;
}

function check(file) {
  const problems = [];
  const absolute = join(root, file);
  prose(readFileSync(absolute, 'utf8')).forEach((line, index) => {
    for (const target of targetsOn(line)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
      const [pathPart, anchor] = target.split('#', 2);
      const path = decodeURIComponent(pathPart ?? '');
      const resolved = path === '' ? absolute : resolve(dirname(absolute), path);
      const where = `${file}:${index + 1}`;
      if (!resolved.startsWith(root)) {
        problems.push(`${where}: '${target}' leaves the repository`);
        continue;
      }
      if (!existsSync(resolved)) {
        problems.push(`${where}: '${target}' → ${relative(root, resolved)} does not exist`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && statSync(resolved).isFile()) {
        if (!anchorsOf(resolved).has(anchor)) {
          problems.push(
            `${where}: '${target}' → no heading makes the anchor '#${anchor}' in ${relative(root, resolved)}`,
          );
        }
      }
    }
  });
  return problems;
}

const files = args.length > 0 ? args.map((path) => relative(root, resolve(root, path))) : markdownFiles();
const problems = files.flatMap(check);
if (problems.length > 0) {
  console.error(`check-links: ${problems.length} broken relative link(s):\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(`check-links: ${files.length} Markdown files, every relative link resolves`);
