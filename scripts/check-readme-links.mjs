#!/usr/bin/env node
// Run from a package directory (its check:package): fails when README.md links to a relative path.
// npm shows the README without the repository around it, so `../../docs/x.md` is a dead link there;
// links must be absolute (the repository on GitHub) or anchors within the README.
import { readFileSync } from 'node:fs';

const text = readFileSync('README.md', 'utf8');
const relative = [...text.matchAll(/\]\(([^)\s]+)/g)]
  .map((match) => match[1])
  .filter((target) => !/^(https?:|mailto:|#)/.test(target));
if (relative.length > 0) {
  console.error(
    `README.md links to ${relative.join(', ')}: not in the published package; link to https://github.com/orchflow/orchflow/blob/main/… instead`,
  );
  process.exit(1);
}
console.log('README links: all absolute');
